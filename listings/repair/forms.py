"""The forms of credit repair: the enterprise's application and supplement, the authority's decisions."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.forms import PlainLineValidator, name_choice_errors
from portal.uploads import MultipleUploadField, UploadRules


class RepairApplyForm(forms.Form):
    # The SHA-256 of the letter text the page showed (credit.services.commitment_preview).
    text_sha256 = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    statement = forms.CharField(
        label=_("Correction and performance"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000,
        help_text=_("How the enterprise corrected the violation, removed its effects and performed its obligations."),
    )
    # MultipleUploadField checks the content (portal.uploads): each error names the file and the rule.
    files = MultipleUploadField(label=_("Proof of correction"), required=True)
    signatory_name = forms.CharField(label=_("Signatory"), max_length=100)
    signatory_title = forms.CharField(label=_("Signatory's title"), max_length=100)
    language = forms.ChoiceField(label=_("Language of the letter"), choices=[("zh-hans", "中文"), ("en", "English")])
    confirmed = forms.BooleanField(
        label=_("I have read the commitment letter above and sign it for the enterprise; a false commitment "
                "revokes the repair."), required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = UploadRules().help_text()
        self.fields["signatory_name"].validators.append(PlainLineValidator(_("Signatory")))
        self.fields["signatory_title"].validators.append(PlainLineValidator(_("Signatory's title")))
        name_choice_errors(self)


class RepairSupplementForm(forms.Form):
    statement = forms.CharField(label=_("Addition to the statement"), widget=forms.Textarea(attrs={"rows": 4}),
                                max_length=5000, required=False)
    files = MultipleUploadField(label=_("Missing files"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = UploadRules().help_text()

    def clean(self):
        data = super().clean()
        if not data.get("statement") and not data.get("files") and not self.errors:
            raise ValidationError(_("Supplement: attach the missing files or add to the statement."))
        return data


class RepairDecisionForm(forms.Form):
    """One form for every step; `action` names the step, `text` its reasons (required where the step needs them)."""

    ACCEPT, MISSING, EXTEND, APPROVE, REJECT, REVOKE = "accept", "missing", "extend", "approve", "reject", "revoke"
    action = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    text = forms.CharField(
        label=_("Reasons, missing materials or reason for the extension"), widget=forms.Textarea(attrs={"rows": 4}),
        required=False, max_length=5000,
    )
    document_number = forms.CharField(label=_("Revocation document number"), max_length=100, required=False)

    LABELS = {
        ACCEPT: _("Accept the application"),
        MISSING: _("Notify the missing materials (once only)"),
        EXTEND: _("Extend the decision once by 10 working days"),
        APPROVE: _("Approve: end the record's publication"),
        REJECT: _("Reject with reasons"),
        REVOKE: _("Revoke the repair: the commitment was false"),
    }

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(a, self.LABELS[a]) for a in actions]
        name_choice_errors(self)
        if self.REVOKE not in actions:
            del self.fields["document_number"]
