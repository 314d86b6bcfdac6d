"""Forms of credit commitment letters: signing at /account/commitments/sign/ (two steps) and the
staff's breach and fulfilment records. The rules are the services' (credit.services); a form
only reads the input, and the services' errors are put on the field they name."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from credit import models as m
from portal.forms import BoundedDateField, PlainLineValidator, name_choice_errors

# Kinds signed here; a repair letter is made with the repair application.
SIGNABLE_KINDS = (m.CommitmentLetter.Kind.GENERAL, m.CommitmentLetter.Kind.INDUSTRY, m.CommitmentLetter.Kind.LICENSING)


def agencies_for(enterprise: m.Enterprise):
    """The agencies a notification-and-commitment letter may be made to: national ones and those
    of the enterprise's province."""
    prefix = enterprise.region_code[:2]
    return m.Agency.objects.filter(Q(level=m.AgencyLevel.NATIONAL) | Q(region_code__startswith=prefix)).order_by(
        "level", "code")


class SignStartForm(forms.Form):
    """Step 1: which letter."""

    kind = forms.ChoiceField(label=_("Kind of letter"), widget=forms.RadioSelect,
                             choices=[(k.value, k.label) for k in SIGNABLE_KINDS],
                             error_messages={"required": _("Kind of letter: choose one."),
                                             "invalid_choice": _("Kind of letter: choose one of the kinds offered.")})
    language = forms.ChoiceField(label=_("Language of the letter"), choices=m.CommitmentLetter.Language.choices,
                                 initial=m.CommitmentLetter.Language.ZH,
                                 error_messages={"required": _("Language: sign in Chinese or English."),
                                                 "invalid_choice": _("Language: sign in Chinese or English.")})
    approval_matter = forms.CharField(
        label=_("Approval matter"), max_length=200, required=False,
        help_text=_("Notification-and-commitment only: the approval you apply for, as the agency names it."),
        error_messages={"max_length": _("Approval matter: at most 200 characters.")})
    agency = forms.ModelChoiceField(
        label=_("Approving agency"), queryset=m.Agency.objects.none(), required=False, to_field_name="code",
        help_text=_("Notification-and-commitment only: the agency that grants the approval (national agencies and "
                    "those of your province). Other letters are made to your registration authority."),
        error_messages={"invalid_choice": _("Approving agency: choose one of the agencies listed.")})

    def __init__(self, *args, enterprise: m.Enterprise, **kwargs):
        super().__init__(*args, **kwargs)
        self.enterprise = enterprise
        self.fields["agency"].queryset = agencies_for(enterprise)
        self.fields["approval_matter"].validators.append(PlainLineValidator(_("Approval matter")))
        name_choice_errors(self)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == m.CommitmentLetter.Kind.LICENSING:
            if not (cleaned.get("approval_matter") or "").strip() and "approval_matter" not in self.errors:
                self.add_error("approval_matter", _("Approval matter: name the approval applied for."))
            if cleaned.get("agency") is None and "agency" not in self.errors:
                self.add_error("agency", _("Approving agency: choose the agency the letter is made to."))
        else:
            cleaned["approval_matter"] = ""
            cleaned["agency"] = None
        return cleaned

    def letter_agency(self) -> m.Agency:
        return self.cleaned_data.get("agency") or self.enterprise.registration_authority


class SignConfirmForm(SignStartForm):
    """Step 2: the same choice (hidden), what was shown (template and text hash), the signatory
    and the explicit confirmation."""

    template = forms.CharField(widget=forms.HiddenInput, max_length=40)
    text_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    signatory_name = forms.CharField(label=_("Signatory's name"), max_length=100,
                                     error_messages={"required": _("Signatory: enter the name of the person signing "
                                                                   "for the enterprise."),
                                                     "max_length": _("Signatory: at most 100 characters.")})
    signatory_title = forms.CharField(label=_("Signatory's title"), max_length=100,
                                      help_text=_("For example: legal representative."),
                                      error_messages={"required": _("Signatory's title: enter the signatory's "
                                                                    "position, e.g. legal representative."),
                                                      "max_length": _("Signatory's title: at most 100 characters.")})
    confirmed = forms.BooleanField(
        label=_("I have read the text above and sign it for the enterprise; I know that it is published with its "
                "SHA-256 and that a breach is published in the credit file."), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("kind", "language", "approval_matter", "agency"):
            self.fields[name].widget = forms.HiddenInput()
        self.fields["signatory_name"].validators.append(PlainLineValidator(_("Signatory")))
        self.fields["signatory_title"].validators.append(PlainLineValidator(_("Signatory's title")))

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("confirmed"):
            self.add_error("confirmed", _("Confirmation: confirm that you have read the text and sign it for the "
                                          "enterprise."))
        return cleaned


class BreachForm(forms.Form):
    decided_on = BoundedDateField(label=_("Decision date"))
    document_number = forms.CharField(label=_("Document number"), max_length=100,
                                      error_messages={"required": _("Document number: enter the number of the "
                                                                    "decision that finds the breach."),
                                                      "max_length": _("Document number: at most 100 characters.")})
    facts = forms.CharField(label=_("Facts of the breach"), widget=forms.Textarea(attrs={"rows": 4}),
                            error_messages={"required": _("Facts: describe what the enterprise did against its "
                                                          "commitment.")})
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={"rows": 3}),
                               error_messages={"required": _("Evidence: name the evidence the finding rests on.")})
    false_commitment = forms.TypedChoiceField(
        label=_("Was the commitment false?"), widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        choices=[("no", _("No: the enterprise broke a commitment it could keep")),
                 ("yes", _("Yes: the enterprise committed falsely (it never met the conditions)"))],
        error_messages={"required": _("False commitment: answer yes or no."),
                        "invalid_choice": _("False commitment: answer yes or no.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_choice_errors(self)


class FulfilmentForm(forms.Form):
    fulfilled_on = BoundedDateField(label=_("Fulfilled on"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


