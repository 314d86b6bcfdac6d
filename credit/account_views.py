"""The enterprise login's own password change at /account/password/."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

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
