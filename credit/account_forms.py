"""Forms of enterprise logins: activation (/account/activate/), the staff accounts page, and the
password reset limited to enterprise logins."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credit import uscc as uscc_rules
from credit.accounts import CODE_LENGTH
from credit.models import Enterprise


def uscc_clean(value: str) -> str:
    try:
        return uscc_rules.validate(value)
    except uscc_rules.USCCError as error:
        raise ValidationError(
            _("Unified social credit code: %(problem)s"), code=error.code, params={"problem": " ".join(error.messages)}
        ) from None


class ActivationForm(forms.Form):
    """USCC and code from the letter, then the new login. The code is checked by the view (it
    is throttled there); everything else here. Passwords are never given back to the page."""

    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40,
                           help_text=_("The 18 characters printed on your activation letter."))
    code = forms.CharField(label=_("Activation code"), max_length=40,
                           help_text=_("16 letters and digits, as printed; hyphens and spaces do not matter."))
    username = forms.CharField(label=_("User name"), max_length=150, validators=[UnicodeUsernameValidator()],
                               help_text=_("Letters, digits and @ . + - _ only; at most 150 characters."))
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             help_text=_("Reminders and password resets are sent here."))
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false", "class": "code"})
        self.fields["uscc"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false", "class": "code"})
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.enterprise: Enterprise | None = None

    def clean_uscc(self) -> str:
        code = uscc_clean(self.cleaned_data["uscc"])
        self.enterprise = Enterprise.objects.filter(uscc=code).first()
        return code

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not code.strip():
            raise ValidationError(_("Activation code: enter the %(length)d characters of your letter."),
                                  code="required", params={"length": CODE_LENGTH})
        return code

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model()._default_manager.filter(username__iexact=username).exists():
            raise ValidationError(_("User name: this name is taken; choose another."), code="taken")
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", ValidationError(
                _("Password again: the two passwords differ; type the same password twice."), code="mismatch"))
        elif first:
            user = get_user_model()(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(first, user)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def code_checkable(self) -> bool:
        """The USCC and code are both there to be checked (and a failure counted)."""
        return "uscc" in self.cleaned_data and "code" in self.cleaned_data


class CodeRevokeForm(forms.Form):
    code = forms.IntegerField(label=_("Activation code"), min_value=1)


class LoginRevokeForm(forms.Form):
    account = forms.IntegerField(label=_("Login"), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Reason: say why the login is revoked; the enterprise may ask.")})


class StaffEnterpriseFindForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=40)

    def clean_uscc(self) -> str:
        return uscc_clean(self.cleaned_data["uscc"])


class EnterprisePasswordResetForm(PasswordResetForm):
    """Django's reset form (it never says whether an address is known), for enterprise logins
    only: active, bound to an enterprise, not revoked. Staff reset through the superusers."""

    def get_users(self, email):
        return (
            user for user in super().get_users(email)
            if get_user_model()._default_manager.filter(
                pk=user.pk, enterprise_account__isnull=False, enterprise_account__revoked_at__isnull=True
            ).exists()
        )
