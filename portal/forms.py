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
