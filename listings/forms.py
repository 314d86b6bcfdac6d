from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from credit.models import AdministrativePenalty, Agency, Enterprise
from credit.widgets import EnterpriseField, EnterprisePicker
from listings.models import CreditList, ListEntry, Objection, local_today, validate_source_address
from listings.selectors import person_bar_get
from portal.forms import BoundedDateField


class EntryCreateForm(forms.Form):
    # The one enterprise picker (search by name or code, shown as "name (USCC)"); a code pasted
    # with spaces reaches the rule check (credit.uscc.validate), which names the failed rule.
    uscc = EnterpriseField(
        label=_("Enterprise"), widget=EnterprisePicker(ListEntry._meta.get_field("enterprise"), admin.site)
    )
    reason_code = forms.ChoiceField(label=_("Reason"))
    reason_text = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    decision_number = forms.CharField(label=_("Decision number"), max_length=100)
    deciding_agency = forms.ModelChoiceField(label=_("Deciding authority"), queryset=Agency.objects.none())
    decided_on = BoundedDateField(label=_("Decision date"))
    listed_on = BoundedDateField(label=_("Listing date"), required=False, help_text=_("Empty: today"))
    legal_basis = forms.CharField(
        label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
        help_text=_("Empty: the list's legal basis"),
    )
    source_url = forms.CharField(
        label=_("Source address"), required=False, max_length=200, validators=[validate_source_address],
        help_text=_("An address starting with https://, or a path on this site starting with /"),
    )
    penalty = forms.CharField(
        label=_("Penalty decision"), required=False, max_length=100,
        help_text=_("The number of the penalty decision the listing follows, as published in the credit file."),
    )
    other_legal_basis = forms.CharField(
        label=_("Other legal basis"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
        help_text=_("When the listing follows no penalty decision: the decision or finding it rests on."),
    )

    def __init__(self, *args, credit_list: CreditList, agency: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.credit_list = credit_list
        self.agency = agency
        self.fields["reason_code"].choices = [(reason.code, reason.name) for reason in credit_list.reasons.all()]
        # Staff record their own agency's decisions only; list_entry_create checks it again.
        self.fields["deciding_agency"].queryset = Agency.objects.filter(pk=agency.pk)
        self.fields["deciding_agency"].initial = agency.pk

    def clean_uscc(self) -> Enterprise:
        # The picker (credit.widgets.EnterpriseField) has found the enterprise, or named the rule a
        # pasted code breaks (length, alphabet, check...) or that none is registered with it.
        enterprise = self.cleaned_data["uscc"]
        if not self.credit_list.may_list(self.agency, enterprise):
            # The service's rule (CreditList.may_list), said on the field; list_entry_create checks it again.
            raise forms.ValidationError(
                _("Unified social credit code: %(enterprise)s is registered by %(registrar)s; your agency may put "
                  "on this list only the enterprises it registered."),
                code="not_registration_authority",
                params={"enterprise": enterprise.name, "registrar": enterprise.registration_authority.name},
            )
        return enterprise

    def clean(self):
        cleaned = super().clean()
        number, enterprise = (cleaned.get("penalty") or "").strip(), cleaned.get("uscc")
        cleaned["penalty"] = None
        if number and enterprise is not None:
            penalty = AdministrativePenalty.objects.filter(enterprise=enterprise, document_number=number).first()
            if penalty is None:
                self.add_error("penalty", _("Penalty decision: this enterprise has no penalty with the number "
                                            "%(number)s.") % {"number": number})
            cleaned["penalty"] = penalty
        return cleaned


class EntryRemoveForm(forms.Form):
    removed_on = BoundedDateField(label=_("Removal date"))
    reason = forms.CharField(label=_("Removal reason"), max_length=300)
    decision_number = forms.CharField(label=_("Removal decision number"), max_length=100, required=False)


class EntryRevokeForm(forms.Form):
    revoked_on = BoundedDateField(label=_("Revocation date"))
    reason = forms.CharField(
        label=_("Reason for revocation"), max_length=300,
        help_text=_("For example: the penalty decision the listing rested on was annulled."),
    )


class ObjectionForm(forms.Form):
    grounds = forms.CharField(
        label=_("Grounds of the objection"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Grounds of the objection: write why the entry is wrong; it cannot be empty.")},
    )


class ObjectionDecisionForm(forms.Form):
    ACCEPT, REJECT, UPHOLD = "accept", "reject", "uphold"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ACCEPT, _("Accept for verification")), (REJECT, _("Reject")), (UPHOLD, _("Uphold and revoke"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    decided_on = BoundedDateField(label=_("Decision date"), required=False, help_text=_("Empty: today"))

    def __init__(self, *args, objection: Objection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = local_today()
        if objection.state == Objection.State.SUBMITTED:
            self.fields["decision"].choices = self.fields["decision"].choices[:2]
        else:
            self.fields["decision"].choices = self.fields["decision"].choices[1:]


def legal_representative_bar_refusal(*, person, enterprise=None) -> str:
    """Why `person` may not be appointed legal representative of `enterprise` ("" if nothing bars it)."""
    bar = person_bar_get(person, exclude_enterprise_id=getattr(enterprise, "pk", None))
    if bar is None:
        return ""
    return str(
        _(
            "Legal representative: %(person)s is barred until %(date)s from being legal representative of "
            "another enterprise: "
            "%(enterprise)s was put on the serious illegal and dishonest list for false disclosure "
            "(decision %(number)s)."
        )
        % {
            "person": person.name,
            "date": bar.bar_ends_on.isoformat(),
            "enterprise": bar.enterprise.name,
            "number": bar.decision_number,
        }
    )


class RemovalApplicationForm(forms.Form):
    """The enterprise's application; the address only for an entry for an unreachable address."""

    stated_address = forms.CharField(
        label=_("Reachable address"), max_length=300, required=False,
        help_text=_("The address at which the registration authority can now reach your enterprise."),
    )

    def __init__(self, *args, needs_address: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_address:
            del self.fields["stated_address"]


class RemovalDecisionForm(forms.Form):
    APPROVE, REFUSE = "approve", "refuse"
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[(APPROVE, _("Approve: remove the entry today")), (REFUSE, _("Refuse"))],
        error_messages={"required": _("Decision: choose whether to approve or refuse the application.")},
    )
    reasons = forms.CharField(
        label=_("Reasons for a refusal"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
        help_text=_("The enterprise reads them in its account."),
    )
    address_confirmed = forms.BooleanField(
        label=_("Address confirmed"), required=False,
        help_text=_("The enterprise can be reached at the address it stated."),
    )

    def __init__(self, *args, needs_address: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_address:
            del self.fields["address_confirmed"]
