"""The enterprise login's own pages beyond /account/ itself: its password (/account/password/),
activation with a letter's code (/account/activate/), password reset by e-mail
(/account/password-reset/) and its annual reports (/account/annual-reports/); docs/addresses.md."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from credit import accounts, filing, services
from credit import annual_reports as rules
from credit.account_forms import ActivationForm, EnterprisePasswordResetForm
from credit.models import AnnualReport, AnnualReportDraft
from credit.selectors.annual_reports import filing_overview, report_prefill, report_preview
from portal import access
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
def _enterprise_principal(request: HttpRequest):
    principal = access.who(request)
    return principal if principal.kind is access.Kind.ENTERPRISE else None


@never_cache
@login_required
def annual_reports(request: HttpRequest) -> HttpResponse:
    principal = _enterprise_principal(request)
    if principal is None:
        return render(request, "account/no_enterprise.html", status=403)
    today = timezone.localdate()
    return render(request, "account/annual_reports.html", {
        "enterprise": principal.enterprise, "today": today,
        "reports": filing_overview(enterprise=principal.enterprise, today=today),
        "years_limit": filing.YEARS_DUE_LIMIT,
    })


ACTIONS = ("save", "preview", "submit")


@never_cache
@login_required
def annual_report_edit(request: HttpRequest, year: int) -> HttpResponse:
    """The report for `year`: a draft saved at any time, a preview of the public page, the
    submission (or a correction, until 30 June of the filing year). Only this login's own
    enterprise's years exist here: any other year is 404."""
    principal = _enterprise_principal(request)
    if principal is None:
        return render(request, "account/no_enterprise.html", status=403)
    enterprise = principal.enterprise
    latest = AnnualReport.objects.filter(enterprise=enterprise, year=year).order_by("-version").first()
    refusal = filing.report_refusal(established_on=enterprise.established_on, status=enterprise.status, year=year,
                                    today=timezone.localdate(), filed=latest is not None)
    if refusal and latest is None:
        raise Http404("no report for that year can be filed")
    variant = rules.variant_for(enterprise.entity_type)
    context = {"enterprise": enterprise, "year": year, "latest": latest, "refusal": refusal, "variant": variant,
               "next_version": latest.version + 1 if latest else 1}
    if refusal:
        # Past the correction window: the page says why, and nothing can be saved.
        return render(request, "account/annual_report_edit.html", context, status=409 if request.method == "POST" else 200)
    if request.method != "POST":
        draft = AnnualReportDraft.objects.filter(enterprise=enterprise, year=year).first()
        raw = draft.data if draft else report_prefill(enterprise=enterprise, year=year)
        form = rules.ReportForm(rules.raw_as_querydict(raw), variant=variant, show_errors=False)
        return _edit_page(request, context, form, revision=draft.revision if draft else 0, draft=draft)

    raw = rules.raw_from_post(request.POST)
    action = request.POST.get("action")
    action = action if action in ACTIONS else "save"
    try:
        revision = max(0, int(request.POST.get("revision", "0")))
    except ValueError:
        revision = 0
    try:  # the latest published version the page showed (services._draft_lock)
        based_on = max(0, int(request.POST["based_on"]))
    except (KeyError, ValueError):
        based_on = None
    form = rules.ReportForm(rules.raw_as_querydict(raw), variant=variant)
    try:
        if action == "submit":
            try:
                report = services.annual_report_submit(enterprise=enterprise, year=year, raw=raw, revision=revision,
                                                       actor=request.user, based_on=based_on)
            except services.AnnualReportInvalid as invalid:
                form = invalid.form
                # Nothing typed is lost: the input is kept as the draft, and the errors are shown on it.
                draft = services.annual_report_draft_save(enterprise=enterprise, year=year, raw=raw,
                                                          revision=revision, actor=request.user)
                return _edit_page(request, context, form, revision=draft.revision, draft=draft, status=422)
            messages.success(request, gettext("The annual report for %(year)s has been published (version %(v)s).")
                             % {"year": year, "v": report.version})
            return redirect("credit:annual_report_detail", uscc=enterprise.uscc, year=year)
        draft = services.annual_report_draft_save(enterprise=enterprise, year=year, raw=raw, revision=revision,
                                                  actor=request.user, based_on=based_on)
    except services.AnnualReportConflict as conflict:
        context["conflict"] = conflict
        form.show_errors = False
        return _edit_page(request, context, form, revision=conflict.revision, draft=None, status=409)
    except services.AnnualReportRefused as refused:
        context["refusal"] = str(refused)
        return render(request, "account/annual_report_edit.html", context, status=409)
    if action == "preview":
        if form.is_valid():
            context["preview"] = report_preview(enterprise=enterprise, year=year, form=form,
                                                next_version=context["next_version"])
        return _edit_page(request, context, form, revision=draft.revision, draft=draft,
                          status=200 if "preview" in context else 422)
    messages.success(request, gettext("Draft saved. It is kept until you submit the report."))
    return redirect(reverse("account:annual_report_edit", args=[year]))


def _edit_page(request, context, form, *, revision: int, draft, status: int = 200) -> HttpResponse:
    context.update(form=form, layout=rules.form_layout(form), revision=revision, draft=draft,
                   withheld_values=set(form.data.getlist("withheld")))
    return render(request, "account/annual_report_edit.html", context, status=status)
