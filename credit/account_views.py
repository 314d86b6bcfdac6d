"""The enterprise login's own pages: password change (/account/password/), activation with a
letter's code (/account/activate/) and password reset by e-mail (/account/password-reset/)."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from credit import accounts, services
from credit.account_forms import ActivationForm, EnterprisePasswordResetForm
from portal.logins import activation_credentials, lockout_response
from portal.services import login_password_change


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's form (old password, new password twice, the password validators); the
    write goes through the audited service."""

    template_name = "account/password_change.html"
    success_url = reverse_lazy("account:home")

    def form_valid(self, form):
        login_password_change(user=form.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)  # stay signed in here, signed out elsewhere
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(self.get_success_url())


# --- Activation with a letter's code (/account/activate/) ------------------------------------


@never_cache
@csrf_protect
def activate(request):
    """Create a liaison login with the USCC and code of an activation letter.

    Each wrong code counts as a failed sign-in for the user name ``activation:<USCC>`` and for the
    client address (django-axes, portal/logins.py): after AXES_FAILURE_LIMIT of them the page
    refuses that USCC (from anywhere) and that address, the right code included, and says until when."""
    form = ActivationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        form.is_valid()
        if form.code_checkable():
            credentials = activation_credentials(form.cleaned_data["uscc"])
            if not AxesProxyHandler.is_allowed(request, credentials):
                return lockout_response(request, credentials=credentials)
            enterprise, code = form.enterprise, form.cleaned_data["code"]
            if enterprise is None or accounts.open_code_find(enterprise=enterprise, typed=code) is None:
                form.add_error("code", services.ACTIVATION_CODE_REFUSED)
                # Counted by django-axes; at the limit its middleware answers with the lock page.
                user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            elif not form.errors:
                try:
                    user = services.enterprise_account_activate(
                        enterprise=enterprise, code=code, username=form.cleaned_data["username"],
                        email=form.cleaned_data["email"], password=form.cleaned_data["password1"],
                    )
                except ValidationError as error:
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    messages.success(request, _("Your login for %(name)s is ready: you are signed in.")
                                     % {"name": enterprise.name})
                    return HttpResponseRedirect(reverse("account:home"))
    return render(request, "account/activate.html", {"form": form})


# --- Password reset by e-mail (/account/password-reset/...) -----------------------------------


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "account/password_reset_form.html"
    email_template_name = "account/password_reset_email.txt"
    subject_template_name = "account/password_reset_subject.txt"
    success_url = reverse_lazy("account:password_reset_done")

    form_class = EnterprisePasswordResetForm


@method_decorator(never_cache, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "account/password_reset_done.html"


@method_decorator(never_cache, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's link check and form (the password validators); the write is the audited service."""

    template_name = "account/password_reset_confirm.html"
    success_url = reverse_lazy("account:password_reset_complete")

    def form_valid(self, form):
        login_password_change(user=form.user, password=form.cleaned_data["new_password1"], via="reset")
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())


@method_decorator(never_cache, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "account/password_reset_complete.html"
