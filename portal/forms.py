"""Form fields every staff form shares."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credit.models import PLAUSIBLE_YEARS, validate_plausible_date

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BoundedDateField(forms.DateField):
    """A date typed on a staff form: a real calendar date (YYYY-MM-DD) in the years PLAUSIBLE_YEARS
    (credit.models, the one range, also applied to every date field of the admin by
    portal.access.AgencyScopedAdmin). 9999-12-31 or year 1 would overflow date arithmetic or the
    database; each error names the field and the rule."""

    widget = DATE_INPUT

    def _error(self, code: str) -> ValidationError:
        low, high = PLAUSIBLE_YEARS
        if code == "required":
            return ValidationError(_("%(field)s: this date is required."), code=code, params={"field": self.label})
        return ValidationError(
            _("%(field)s: enter a real date as YYYY-MM-DD, between %(low)s-01-01 and %(high)s-12-31."),
            code=code, params={"field": self.label, "low": low, "high": high},
        )

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (ValidationError, OverflowError, ValueError):
            raise self._error("invalid") from None

    def validate(self, value):
        if value in self.empty_values:
            if self.required:
                raise self._error("required")
            return
        try:
            validate_plausible_date(value)
        except ValidationError:
            raise self._error("implausible_date") from None


def form_html_cached(form: forms.Form, *, version: str, timeout: int = 3600) -> str:
    """`form.as_div()`, rendered once per form class, language, `version` (what the choices are
    read from, e.g. the site's catalogue version and today) and submitted values, then taken
    from the shared cache: a filter form with every agency in a drop-down is a quarter of a
    list page's CPU, and the same for every visitor who sends the same filters. A cache
    error is a miss (portal/cache.py)."""
    import hashlib

    from django.core.cache import cache
    from django.utils import translation
    from django.utils.safestring import mark_safe

    submitted = sorted((name, form.data.getlist(form.add_prefix(name)) if hasattr(form.data, "getlist")
                        else [form.data.get(form.add_prefix(name))]) for name in form.fields) if form.is_bound else []
    identity = repr((type(form).__module__, type(form).__qualname__, translation.get_language(), version,
                     form.is_bound, submitted))
    key = "form-html:" + hashlib.sha256(identity.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    html = cache.get(key)
    if not isinstance(html, str):
        html = str(form.as_div())
        cache.set(key, html, timeout)
    return mark_safe(html)  # noqa: S308 - Django's own rendering of the form, escaped there
