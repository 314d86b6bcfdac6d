"""The one enterprise picker, in the admin and on the staff pages.

`EnterprisePicker` is the admin's autocomplete select (select2, loaded from the admin's own
static files: no inline script, so the CSP holds). It asks the admin's autocomplete view,
which searches `credit.admin.EnterpriseAdmin` (name, English name, legal representative, or
the first characters of the code) and labels each option "name (USCC)" (`Enterprise.__str__`).
`EnterpriseField` takes the chosen enterprise's id or, from a crafted or script-less POST,
a pasted code (normalised, checked by `credit.uscc.validate`, which names the failed rule).

`AgencyScopedAdmin` (portal.access) gives every foreign key to Enterprise this field and
widget (`is_enterprise_field`, `enterprise_formfield_kwargs`); `listings.forms.EntryCreateForm`
uses them directly.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from credit import uscc as uscc_rules
from credit.models import Enterprise

PICKER_HELP = _("Type part of the name or the first characters of the unified social credit code, then "
                "choose the enterprise: the list shows its name and code.")
UNKNOWN_CODE = _("No enterprise with the code %(value)s is registered.")


def is_enterprise_field(db_field) -> bool:
    remote = getattr(db_field, "remote_field", None)
    return remote is not None and remote.model is Enterprise


def _pk_or_code(value: str) -> tuple[str, str]:
    """("pk", id) for an option's value, ("code", normalised code) for a typed or pasted code."""
    text = str(value).strip()
    if text.isascii() and text.isdigit() and len(text) < uscc_rules.LENGTH - 1:
        return "pk", text
    return "code", uscc_rules.normalise(text)


class EnterprisePicker(AutocompleteSelect):
    """Search by name or code; the chosen option shows "name (USCC)", also after a failed validation."""

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        attrs["data-placeholder"] = str(_("Name or unified social credit code"))
        return attrs

    @property
    def media(self):
        # After the admin's autocomplete.js: names the box while no firm is chosen (picker-name.js).
        return super().media + forms.Media(js=["admin/js/autocomplete.js", "js/picker-name.js"])

    def optgroups(self, name, value, attr=None):
        # A pasted code that failed validation elsewhere on the form is shown as its enterprise.
        parsed = [_pk_or_code(v) for v in value]
        codes = [key for kind, key in parsed if kind == "code" and key]
        known = dict(Enterprise.objects.filter(uscc__in=codes).values_list("uscc", "pk")) if codes else {}
        value = [key if kind == "pk" else str(known[key]) for kind, key in parsed if kind == "pk" or key in known]
        return super().optgroups(name, value, attr)


class EnterpriseField(forms.ModelChoiceField):
    """An enterprise by its id (the picker's value) or by its code (pasted)."""

    def __init__(self, queryset=None, **kwargs):
        if not kwargs.get("help_text"):
            kwargs["help_text"] = PICKER_HELP
        super().__init__(Enterprise.objects.all() if queryset is None else queryset, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Enterprise):
            return value
        kind, key = _pk_or_code(value)
        if kind == "pk":
            try:
                return super().to_python(key)
            except forms.ValidationError:
                if not uscc_rules.could_start_code(key):
                    raise
                # No such id, but digits a code may start with: a code pasted short; name the rule.
        code = uscc_rules.validate(key)  # USCCError names the rule that failed
        enterprise = self.queryset.filter(uscc=code).first()
        if enterprise is None:
            raise forms.ValidationError(UNKNOWN_CODE, code="unknown_uscc", params={"value": code})
        return enterprise


def enterprise_formfield_kwargs(db_field, admin_site, using=None) -> dict:
    """What the admin passes to a foreign key to Enterprise: the picker and the field."""
    return {"widget": EnterprisePicker(db_field, admin_site, using=using), "form_class": EnterpriseField}
