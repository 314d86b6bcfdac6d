"""The pages of credit repair: the enterprise's /account/repairs/ (its records, eligibility and
applications), the application and supplement forms, and the deciding authority's queue and
application page on /lists/staff/repairs/ (docs/addresses.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from credit.models import CommitmentLetter
from credit.services import commitment_preview
from listings.models import RepairApplication, local_today
from listings.repair import selectors, services
from listings.repair.forms import RepairApplyForm, RepairDecisionForm, RepairSupplementForm
from listings.services.common import ListingError
from listings.views import PAGE_SIZE, BoundedPaginator
from portal import access
from portal.i18n import localized_name

# The admin's permission for the same work (portal.access).
DECIDE_REPAIR = "listings.change_repairapplication"
State = RepairApplication.State


def _enterprise_or_403(request: HttpRequest):
    principal = access.who(request)
    if principal.kind is not access.Kind.ENTERPRISE:
        return principal, render(request, "account/no_enterprise.html", status=403)
    return principal, None


def _apply_errors(form, error: ValidationError) -> None:
    """A service's error on the form: each message on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return
    field = getattr(error, "field", None)
    form.add_error(field if field in form.fields else None, error)


@never_cache
@login_required
def account_repairs(request: HttpRequest) -> HttpResponse:
    """Every negative record of the enterprise with its repair date or the reason it cannot be
    repaired, and its applications with their states, deadlines and the authority's reasons."""
    principal, refused = _enterprise_or_403(request)
    if refused:
        return refused
    today = local_today()
    enterprise = principal.enterprise
    applications = selectors.enterprise_applications(enterprise=enterprise, today=today)
    rows = selectors.repair_records(enterprise=enterprise, today=today, applications=applications)
    # One enterprise's applications are few; all of them are read for the records' eligibility.
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "listings/repair/account_repairs.html",
                  {"rows": rows, "page": page, "applications": page.object_list, "today": today})


@never_cache
@login_required
def account_repair_apply(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """Apply to repair one record: the statement, proof files and the signed repair commitment
    letter (its exact text shown before signing). Another enterprise's record is not found."""
    principal, refused = _enterprise_or_403(request)
    if refused:
        return refused
    enterprise = principal.enterprise
    row = selectors.repair_record_row(enterprise=enterprise, kind=kind, record_id=record_id)
    if row is None:
        raise Http404(record_id)
    initial = {"language": "en" if get_language() == "en" else "zh-hans"}
    posted = request.method == "POST"
    form = RepairApplyForm(request.POST if posted else None, request.FILES if posted else None, initial=initial)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            services.repair_application_submit(
                kind=kind, record_id=record_id, statement=data["statement"], files=data["files"],
                signatory_name=data["signatory_name"], signatory_title=data["signatory_title"],
                language=data["language"], confirmed=data["confirmed"], actor=request.user,
                expected_text_sha256=data["text_sha256"] or None,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("Your application for credit repair was filed."))
            return redirect("listings_account:repairs")
    agency = row.kind.deciding_agency(row.record)
    language = form["language"].value() or initial["language"]
    language = language if language in ("zh-hans", "en") else "zh-hans"
    # Exactly the text that signing produces (and checks against text_sha256).
    preview = commitment_preview(enterprise=enterprise, kind=CommitmentLetter.Kind.CREDIT_REPAIR, language=language,
                                 agency=agency, approval_matter=services.repair_letter_matter(row.kind, row.record,
                                                                                              language))
    letter = {"title": preview.title, "text": preview.text}
    if form.is_bound:
        data = form.data.copy()
        if data.get("text_sha256") != preview.text_sha256:
            data["confirmed"] = ""  # a different text from the one confirmed: read and confirm again
        data["text_sha256"] = preview.text_sha256
        form.data = data
    else:
        form.initial["text_sha256"] = preview.text_sha256
    return render(request, "listings/repair/apply.html",
                  {"row": row, "form": form, "letter": letter, "agency": agency, "letter_language": language})


@never_cache
@login_required
def account_repair_supplement(request: HttpRequest, pk: int) -> HttpResponse:
    """Supply the materials the authority's one notice listed; the application returns to acceptance."""
    principal, refused = _enterprise_or_403(request)
    if refused:
        return refused
    application = access.owned_or_404(principal, selectors.repair_application_get(pk=pk), enterprise_path="enterprise")
    posted = request.method == "POST"
    form = (RepairSupplementForm(request.POST if posted else None, request.FILES if posted else None)
            if application.state == State.INCOMPLETE else None)
    if form is not None:
        # The limits are per application: what the first submission used is spent.
        rules = services.application_upload_rules(application)
        form.fields["files"].rules = rules
        form.fields["files"].help_text = rules.help_text()
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.repair_application_supplement(application=application, statement=form.cleaned_data["statement"],
                                                   files=form.cleaned_data["files"], actor=request.user)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The materials were added; the application is back for acceptance."))
            return redirect("listings_account:repairs")
    return render(request, "listings/repair/supplement.html", {"application": application, "form": form})


@never_cache
@login_required
def staff_repairs(request: HttpRequest) -> HttpResponse:
    """The repair applications the staff member's agency decides: open ones by default, the nearest deadline first."""
    principal = access.require_agency_staff(request, DECIDE_REPAIR)
    filterset, applications = selectors.repair_queue(agency=principal.agency, filters=request.GET)
    page = BoundedPaginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "listings/repair/staff_repairs.html",
                  {"filter": filterset, "page": page, "applications": selectors.repair_rows(page.object_list),
                   "query": query.urlencode(), "breached_repairs": selectors.breached_repairs(agency=principal.agency),
                   "revocations_to_review": selectors.revocations_on_withdrawn_breaches(agency=principal.agency)})


def _actions(application: RepairApplication) -> list[str]:
    form = RepairDecisionForm
    if application.state == State.SUBMITTED:
        return [form.ACCEPT] + ([] if application.missing_notified_at else [form.MISSING]) + [form.REJECT]
    if application.state == State.ACCEPTED:
        return ([] if application.extended_at else [form.EXTEND]) + [form.APPROVE, form.REJECT]
    if application.state == State.APPROVED:
        return [form.REVOKE]
    return []


@never_cache
@login_required
def staff_repair(request: HttpRequest, pk: int) -> HttpResponse:
    """One application: the record, statement, files, letter and deadlines, and the step due now.
    Only the deciding agency's staff; another agency's application is not found."""
    principal = access.require_agency_staff(request, DECIDE_REPAIR)
    application = access.owned_or_404(principal, selectors.repair_application_get(pk=pk),
                                      agency_path="deciding_agency")
    actions = _actions(application)
    # Bound on every POST: an empty one is told what is missing.
    form = RepairDecisionForm(request.POST if request.method == "POST" else None, actions=actions) if actions else None
    if form is not None and request.method == "POST" and form.is_valid():
        action, text = form.cleaned_data["action"], form.cleaned_data["text"]
        steps = {
            form.ACCEPT: lambda: services.repair_application_accept(application=application, actor=request.user),
            form.MISSING: lambda: services.repair_application_missing_notify(
                application=application, missing=text, actor=request.user),
            form.EXTEND: lambda: services.repair_application_extend(
                application=application, reason=text, actor=request.user),
            form.APPROVE: lambda: services.repair_application_approve(
                application=application, reasons=text, actor=request.user),
            form.REJECT: lambda: services.repair_application_reject(
                application=application, reasons=text, actor=request.user),
            form.REVOKE: lambda: services.repair_application_revoke(
                application=application, reason=text, document_number=form.cleaned_data.get("document_number", ""),
                actor=request.user),
        }
        try:
            steps[action]()
        except ListingError as error:
            # The step's text is the form's one free-text field, whatever the service calls it.
            field = "text" if error.field in ("missing", "reason", "reasons") else error.field
            form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("listings:staff_repair", pk=application.pk)
    from listings.repair import registry

    kind = registry.kind_get(application.record_kind)
    record = kind.get(application.record_id) if kind else None
    context = {
        "application": selectors.with_deadline(application, local_today()), "form": form, "kind": kind,
        "record": record, "record_url": kind.url_of(record, application.enterprise.uscc) if record else "",
        "enterprise_name": localized_name(application.enterprise),
    }
    return render(request, "listings/repair/staff_repair.html", context)
