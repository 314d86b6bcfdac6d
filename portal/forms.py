"""Form fields every staff form shares."""

from __future__ import annotations

import unicodedata

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
# --- The one rule for choice fields and one-line texts ----------------------------------------
# Every error names the field ("%(field)s: ..."), as BoundedDateField's do.

def _escaped(label) -> str:
    # Django formats a choice error with params {"value": ...}: a "%" of the label must survive.
    return str(label).replace("%", "%%")


def field_message(label, rule) -> str:
    """"<field>: <rule>", the form of every message naming a field."""
    return _("%(field)s: %(rule)s") % {"field": label, "rule": rule}


def name_choice_errors(form: forms.Form) -> forms.Form:
    """Give every choice field of `form` (ChoiceField, TypedChoiceField, ModelChoiceField and
    the filters' fields, which are built on them) an `invalid_choice` message naming the field
    and the rule, and a `required` one where it has Django's unnamed default. Call from the
    form's __init__ (in the request's language); messages the form set itself are kept."""
    for field in form.fields.values():
        if not isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            continue
        default = type(field).default_error_messages
        label = _escaped(field.label or "")
        if field.error_messages.get("invalid_choice") in (default.get("invalid_choice"),
                                                           forms.ChoiceField.default_error_messages["invalid_choice"],
                                                           forms.ModelChoiceField.default_error_messages["invalid_choice"]):
            field.error_messages["invalid_choice"] = field_message(label, _("choose one of the options offered."))
        if field.error_messages.get("required") == forms.Field.default_error_messages["required"]:
            field.error_messages["required"] = field_message(label, _("choose one of the options offered."))
    return form


def _unplain(character: str) -> bool:
    # Unicode categories C*: control (tab, line feed, carriage return, C1 controls), format (the
    # bidi overrides such as U+202E, zero-width characters), surrogates, private use, unassigned.
    return unicodedata.category(character).startswith("C")


def plain_line_error(value: str, *, label) -> ValidationError | None:
    """The error for a one-line text (a name, a title, a matter) holding a control or format
    character, naming the field; None when it holds none. The one rule of plain one-line text:
    the request middleware refuses most C0 controls for the whole site, this also refuses tab,
    line breaks, C1 controls and invisible format characters where a value is one line."""
    bad = next((ch for ch in value or "" if _unplain(ch)), None)
    if bad is None:
        return None
    return ValidationError(
        _("%(field)s: remove the control or invisible character U+%(code)s (a tab, a line break or a formatting "
          "mark); write it on one line of plain text."),
        code="control_character", params={"field": label, "code": f"{ord(bad):04X}"})


class PlainLineValidator:
    """plain_line_error as a field validator (form fields and model fields)."""

    def __init__(self, label):
        self.label = label

    def __call__(self, value) -> None:
        error = plain_line_error(value, label=self.label)
        if error is not None:
            raise error

    def __eq__(self, other) -> bool:
        return isinstance(other, PlainLineValidator) and str(other.label) == str(self.label)
