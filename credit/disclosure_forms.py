"""The instant-disclosure form of /account/, built from the kind's field table
(credit.disclosures.DETAIL_FIELDS); its rules are the service's (instant_disclosure_check)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit import disclosures
from portal.forms import DATE_INPUT, BoundedDateField


class InstantDisclosureForm(forms.Form):
    fact_date = BoundedDateField(label=_("Date of the fact"),
                                 help_text=_("The day the change, licence, pledge or penalty took effect."))
    summary = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
                              error_messages={"required": _("Content: describe the fact disclosed."),
                                              "max_length": _("Content: at most 2000 characters.")})

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for spec in disclosures.DETAIL_FIELDS[kind]:
            # Each rule is checked once, by the service's check in clean(): the fields only carry input.
            if spec.type == "choice":
                field = forms.ChoiceField(label=spec.label, required=False,
                                          choices=[("", "—"), *spec.choices.choices])
            elif spec.type == "date":
                field = forms.CharField(label=spec.label, required=False, widget=DATE_INPUT)
            elif spec.type in ("amount", "percent"):
                field = forms.CharField(label=spec.label, required=False,
                                        widget=forms.TextInput(attrs={"inputmode": "decimal"}))
            else:
                field = forms.CharField(label=spec.label, required=False, strip=True,
                                        widget=forms.Textarea(attrs={"rows": 2}) if spec.max_length > 200
                                        else forms.TextInput())
            if spec.type == "text":
                field.widget.attrs["maxlength"] = str(spec.max_length)
            if spec.required:
                # Required by the service's check, not by the browser: a partial form still reaches the
                # server and comes back with every field's rule at once.
                field.widget.attrs["aria-required"] = "true"
            else:
                field.help_text = _("Optional: leave empty when there is no end date.")
            self.fields[spec.name] = field

    @property
    def detail_names(self) -> list[str]:
        return [spec.name for spec in disclosures.DETAIL_FIELDS[self.kind]]

    def details(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in self.detail_names}

    def clean(self):
        cleaned = super().clean()
        try:
            # A missing or malformed date has its own error already; the other fields are still checked.
            disclosures.instant_disclosure_check(
                kind=self.kind, fact_date=cleaned.get("fact_date") or timezone.localdate(),
                # A missing summary has the form's own error already: not reported twice.
                summary=cleaned.get("summary", "-"),
                details=self.details(), today=timezone.localdate(),
            )
        except ValidationError as error:
            for name, errors in error.error_dict.items():
                if name in self.fields and name not in self.errors:
                    for problem in errors:
                        self.add_error(name, problem)
        return cleaned
