"""Staff pages of enterprise logins: find an enterprise, see its liaison logins and activation
codes, issue (or reissue) a code with its printable letter, revoke a code or a login.

For staff of the enterprise's registration authority or of a national market regulator
(credit.accounts.may_manage_accounts); any other agency's staff get the 404 of a missing
enterprise. The permissions are the admin's: adding activation codes to open the pages and
issue, changing them to revoke one, changing enterprise accounts to revoke a login."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from credit import services
from credit import uscc as uscc_rules
from credit.account_forms import CodeRevokeForm, LoginRevokeForm, StaffEnterpriseFindForm
from credit.accounts import code_grouped, may_manage_accounts
from credit.selectors.logins import enterprise_for_accounts, enterprise_logins
from portal import access

PAGE_PERM = "credit.add_activationcode"
REVOKE_CODE_PERM = "credit.change_activationcode"
REVOKE_LOGIN_PERM = "credit.change_enterpriseaccount"


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def accounts_index(request: HttpRequest) -> HttpResponse:
    principal = access.require_agency_staff(request, PAGE_PERM)
    form = StaffEnterpriseFindForm(request.GET or None)
    if form.is_bound and form.is_valid():
        enterprise = enterprise_for_accounts(uscc=form.cleaned_data["uscc"])
        if enterprise is not None and may_manage_accounts(principal.agency, enterprise):
            return redirect("credit_staff:enterprise_accounts", uscc=enterprise.uscc)
        form.add_error("uscc", _(
            "Unified social credit code: no enterprise with this code is registered by your agency; "
            "its logins are managed by its registration authority or a national market regulator."))
    return render(request, "credit/staff/accounts_index.html", {"form": form, "agency": principal.agency})


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def enterprise_accounts(request: HttpRequest, uscc: str) -> HttpResponse:
    principal = access.require_agency_staff(request, PAGE_PERM)
    enterprise = enterprise_for_accounts(uscc=uscc_rules.normalise(uscc))
    if enterprise is None or not may_manage_accounts(principal.agency, enterprise):
        raise Http404
    revoke_form = LoginRevokeForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            code, plain = services.activation_code_issue(enterprise=enterprise, actor=request.user)
            return render(request, "credit/staff/activation_letter.html", {
                "enterprise": enterprise, "code": code, "plain": code_grouped(plain),
                "address": request.build_absolute_uri("/account/activate/"),
            })
        if action == "revoke_code":
            if not access.has_perms(request, [REVOKE_CODE_PERM]):
                raise PermissionDenied(access.STAFF_PAGE_REFUSED)
            form = CodeRevokeForm(request.POST)
            row = enterprise.activation_codes.filter(pk=form.cleaned_data["code"]).first() if form.is_valid() else None
            if row is None:
                raise Http404
            try:
                services.activation_code_revoke(code=row, actor=request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The activation code was revoked: its letter no longer works."))
            return redirect("credit_staff:enterprise_accounts", uscc=enterprise.uscc)
        if action == "revoke_login":
            if not access.has_perms(request, [REVOKE_LOGIN_PERM]):
                raise PermissionDenied(access.STAFF_PAGE_REFUSED)
            revoke_form = LoginRevokeForm(request.POST)
            if revoke_form.is_valid():
                account = enterprise.accounts.filter(pk=revoke_form.cleaned_data["account"]).first()
                if account is None:
                    raise Http404
                try:
                    services.enterprise_account_revoke(account=account, actor=request.user,
                                                       reason=revoke_form.cleaned_data["reason"])
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(request, _("The login %(name)s was revoked: it can no longer sign in.")
                                     % {"name": account.user.get_username()})
                return redirect("credit_staff:enterprise_accounts", uscc=enterprise.uscc)
        else:
            return HttpResponseBadRequest("unknown action")
    return render(request, "credit/staff/enterprise_accounts.html", {
        "enterprise": enterprise, "revoke_form": revoke_form, **enterprise_logins(enterprise=enterprise),
        "may_revoke_code": access.has_perms(request, [REVOKE_CODE_PERM]),
        "may_revoke_login": access.has_perms(request, [REVOKE_LOGIN_PERM]),
    })
