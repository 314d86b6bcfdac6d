from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from listings import selectors, services
from listings.cure import UNREACHABLE, entry_cure
from listings.forms import (
    EntryCreateForm,
    EntryRemoveForm,
    EntryRevokeForm,
    ObjectionDecisionForm,
    ObjectionForm,
    RemovalApplicationForm,
    RemovalDecisionForm,
)
from listings.models import CreditList, ListEntry, ListEntryEvent, Objection, local_today
from portal import access
from portal.pagecache import site_page

PAGE_SIZE = 50
# Counting every match of a broad filter costs a scan; above this the page says "more than".
COUNT_LIMIT = 10_000


class BoundedPaginator(Paginator):
    """Counts at most COUNT_LIMIT rows; `truncated` tells the template to say "more than"."""

    truncated = False

    @cached_property
    def count(self) -> int:
        found = self.object_list[: COUNT_LIMIT + 1].count()
        self.truncated = found > COUNT_LIMIT
        return min(found, COUNT_LIMIT)


def _credit_list_or_404(code: str) -> CreditList:
    credit_list = selectors.credit_list_get(code=code)
    if credit_list is None:
        raise Http404(code)
    return credit_list


def _entry_or_404(code: str, pk: int) -> ListEntry:
    entry = selectors.list_entry_get(code=code, pk=pk)
    if entry is None:
        raise Http404(pk)
    return entry


# The model permissions the admin would require for the same work (portal.access).
ADD_ENTRY = "listings.add_listentry"
CHANGE_ENTRY = "listings.change_listentry"
ADD_OBJECTION = "listings.add_objection"
DECIDE_OBJECTION = "listings.change_objection"
DECIDE_REMOVAL = "listings.change_removalapplication"


# A service's name for an input where the form calls it otherwise.
FIELD_ALIASES = {"enterprise": "uscc", "accepted_on": "decided_on"}


def _apply_error(form, error: services.ListingError) -> None:
    field = FIELD_ALIASES.get(error.field, error.field)
    form.add_error(field if field in form.fields else None, error)


def _decided_by_or_404(principal: access.Principal, entry: ListEntry | None) -> ListEntry:
    """The entry if `principal`'s agency decides on it (ListEntry.actionable_by: the list's owner,
    or the registration authority that listed it), else the 404 of a missing entry."""
    if entry is None or not entry.actionable_by(principal.agency):
        raise Http404
    return entry


@site_page
def list_index(request: HttpRequest) -> HttpResponse:
    return render(request, "listings/list_index.html", {"lists": selectors.credit_list_index()})


@site_page
def list_detail(request: HttpRequest, code: str) -> HttpResponse:
    credit_list = _credit_list_or_404(code)
    today = local_today()
    data = request.GET.copy()
    data.setdefault("status", "active")
    filterset = selectors.list_entry_list(credit_list=credit_list, filters=data, today=today)
    page = BoundedPaginator(filterset.qs.values_list("id", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    entries = selectors.list_entry_page(ids=list(page.object_list))
    query = data.copy()
    query.pop("page", None)
    return render(
        request,
        "listings/list_detail.html",
        {
            "credit_list": credit_list,
            "filter": filterset,
            "page": page,
            "entries": entries,
            "query": query.urlencode(),
            "today": today,
            "can_add": request.user.is_authenticated
            and credit_list.may_open(access.staff_agency(request))
            and access.has_perms(request, [ADD_ENTRY]),
        },
    )


@site_page
def entry_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    entry = _entry_or_404(code, pk)
    if entry.is_withheld or entry.publication_repaired:
        # No longer published (SAMR Order 107 Art. 20, or Arts. 16-17 after a repair): the page says
        # why, as a 404 (not public).
        return render(request, "listings/entry_withheld.html",
                      {"entry": entry, "credit_list": entry.credit_list, "repaired": entry.publication_repaired},
                      status=404)
    today = local_today()
    context = {
        "entry": entry,
        "credit_list": entry.credit_list,
        "measures": selectors.list_entry_measures(entry=entry),
        "today": today,
        # The public learns that an objection is being handled, never what it says.
        "objection_pending": Objection.objects.open().filter(entry=entry).exists(),
    }
    if request.user.is_authenticated:
        principal = access.who(request)
        # The deciding agency: the list's owner, or the registration authority that listed the firm.
        decides = entry.actionable_by(principal.agency)
        context["is_owner_staff"] = decides and access.has_perms(request, [CHANGE_ENTRY, DECIDE_OBJECTION])
        # The listed enterprise objects; the deciding agency's staff may record an objection made to them.
        objector = (decides and access.has_perms(request, [ADD_OBJECTION])) or (
            principal.kind is access.Kind.ENTERPRISE and principal.enterprise_id == entry.enterprise_id
        )
        staff_reader = access.may_read_staff_data(request, "listings.view_listentry", "listings.view_objection")
        if staff_reader:
            history = list(selectors.list_entry_history(entry=entry))
            if not (principal.is_superuser or decides):
                # Who objected (an enterprise login) is the deciding agency's to know.
                for event in history:
                    if event.kind == ListEntryEvent.Kind.OBJECTION:
                        event.actor_label = "-"
            context["history"] = history
        if staff_reader or objector:
            context["objections"] = objections = list(selectors.list_entry_objections(entry=entry))
        if objector:
            # The objection service's own rule, so the link shows exactly when a submission would be accepted.
            refusal = entry.objection_refusal(today, objection_open=any(o.is_open for o in objections))
            context["objection_refusal"] = refusal
            context["may_object"] = not refusal
    return render(request, "listings/entry_detail.html", context)


@never_cache
@login_required
def entry_object(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The listed enterprise objects here; the owning agency's staff record an objection made to them.
    Another enterprise's or agency's entry is not found (portal.access)."""
    principal = access.who(request)
    if principal.kind is access.Kind.ENTERPRISE:
        entry = access.owned_or_404(principal, selectors.list_entry_get(code=code, pk=pk), enterprise_path="enterprise")
    else:
        principal = access.require_agency_staff(request, ADD_OBJECTION)
        entry = _decided_by_or_404(principal, selectors.list_entry_get(code=code, pk=pk))
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.objection_submit(entry=entry, grounds=form.cleaned_data["grounds"], actor=request.user)
        except services.ListingError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Your objection was received."))
            return redirect(entry.get_absolute_url())
    return render(request, "listings/objection_form.html", {"entry": entry, "form": form})


# The staff pages: 403 unless the login is its agency's with the admin's permission for the work
# (whatever the address names); 404 for a list, entry or objection another agency owns.


@never_cache
@login_required
def staff_entry_add(request: HttpRequest, code: str) -> HttpResponse:
    principal = access.require_agency_staff(request, ADD_ENTRY)
    credit_list = selectors.credit_list_get(code=code)
    if credit_list is None or not credit_list.may_open(principal.agency):
        raise Http404(code)
    form = EntryCreateForm(request.POST or None, credit_list=credit_list, agency=principal.agency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.list_entry_create(
                list_code=credit_list.code,
                enterprise=data["uscc"],
                reason_code=data["reason_code"],
                reason_text=data["reason_text"],
                decision_number=data["decision_number"],
                deciding_agency=data["deciding_agency"],
                decided_on=data["decided_on"],
                listed_on=data["listed_on"],
                legal_basis=data["legal_basis"],
                source_url=data["source_url"],
                penalty=data["penalty"],
                other_legal_basis=data["other_legal_basis"],
                actor=request.user,
            )
        except services.ListingError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The entry was added and published."))
            return redirect(entry.get_absolute_url())
    return render(request, "listings/staff_entry_form.html", {"credit_list": credit_list, "form": form})


@never_cache
@login_required
def staff_entry_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    principal = access.require_agency_staff(request, CHANGE_ENTRY)
    entry = _decided_by_or_404(principal, selectors.list_entry_get(code=code, pk=pk))
    form = EntryRemoveForm(request.POST or None, initial={"removed_on": local_today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.list_entry_remove(entry=entry, actor=request.user, **form.cleaned_data)
        except services.ListingError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The entry was removed from the list."))
            return redirect(entry.get_absolute_url())
    return render(request, "listings/staff_entry_remove.html", {"entry": entry, "form": form})


@never_cache
@login_required
def staff_entry_revoke(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """A wrong listing (say, the penalty was annulled) is revoked: it stops counting, its record stays."""
    principal = access.require_agency_staff(request, CHANGE_ENTRY)
    entry = _decided_by_or_404(principal, selectors.list_entry_get(code=code, pk=pk))
    form = EntryRevokeForm(request.POST or None, initial={"revoked_on": local_today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.list_entry_revoke(entry=entry, actor=request.user, **form.cleaned_data)
        except services.ListingError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The entry was revoked."))
            return redirect(entry.get_absolute_url())
    return render(request, "listings/staff_entry_revoke.html", {"entry": entry, "form": form})


@never_cache
@login_required
def staff_objection(request: HttpRequest, pk: int) -> HttpResponse:
    principal = access.require_agency_staff(request, DECIDE_OBJECTION)
    objection = selectors.objection_get(pk=pk)
    _decided_by_or_404(principal, objection.entry if objection is not None else None)
    form = ObjectionDecisionForm(request.POST or None, objection=objection) if objection.is_open else None
    if form is not None and request.method == "POST" and form.is_valid():
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
        decided_on = form.cleaned_data["decided_on"]
        try:
            if decision == form.ACCEPT:
                services.objection_accept(objection=objection, accepted_on=decided_on, actor=request.user)
            else:
                services.objection_decide(
                    objection=objection, upheld=decision == form.UPHOLD, reason=reason, decided_on=decided_on,
                    actor=request.user,
                )
        except services.ListingError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("listings:staff_objection", pk=objection.pk)
    return render(request, "listings/staff_objection.html", {"objection": objection, "form": form})


@never_cache
@login_required
def staff_objections(request: HttpRequest) -> HttpResponse:
    """The objections the staff member's agency decides: open ones by default, the nearest deadline first."""
    principal = access.require_agency_staff(request, DECIDE_OBJECTION)
    filterset, objections = selectors.objection_queue(agency=principal.agency, filters=request.GET)
    page = BoundedPaginator(objections, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "listings/staff_objections.html",
        {"filter": filterset, "page": page, "objections": selectors.objection_rows(page.object_list),
         "query": query.urlencode()},
    )


@never_cache
@login_required
def account_removal_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """The listed enterprise applies to leave the list once it has cured the cause; the page says
    what is still missing (listings.cure) and the service refuses an application that is not cured.
    Another enterprise's entry is not found."""
    principal = access.who(request)
    if principal.kind is not access.Kind.ENTERPRISE:
        return render(request, "account/no_enterprise.html", status=403)
    entry = access.owned_or_404(principal, selectors.list_entry_get_by_pk(pk=pk), enterprise_path="enterprise")
    today = local_today()
    needs_address = entry.reason.code == UNREACHABLE
    # Bound on every POST: the form may have no field at all (the cure is the portal's to check).
    form = RemovalApplicationForm(request.POST if request.method == "POST" else None, needs_address=needs_address)
    if request.method == "POST" and form.is_valid():
        try:
            services.removal_application_submit(
                entry=entry, actor=request.user, stated_address=form.cleaned_data.get("stated_address", "")
            )
        except services.ListingError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("Your application for removal was filed."))
            return redirect("account:home")
    pending = entry.removal_applications.pending().first()
    cure = entry_cure(entry, today=today)
    context = {"entry": entry, "form": form, "pending": pending, "needs_address": needs_address,
               "applicable": cure.applicable,
               # An unreachable-address entry is cured by the form itself: its one missing item is the address.
               "missing": [] if needs_address else cure.missing}
    return render(request, "listings/account/removal_apply.html", context)


@never_cache
@login_required
def staff_removals(request: HttpRequest) -> HttpResponse:
    """The removal applications the staff member's agency decides: pending ones by default, the nearest deadline first."""
    principal = access.require_agency_staff(request, DECIDE_REMOVAL)
    filterset, applications = selectors.removal_queue(agency=principal.agency, filters=request.GET)
    page = BoundedPaginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "listings/staff_removals.html",
        {"filter": filterset, "page": page, "applications": selectors.removal_rows(page.object_list),
         "query": query.urlencode()},
    )


@never_cache
@login_required
def staff_removal(request: HttpRequest, pk: int) -> HttpResponse:
    principal = access.require_agency_staff(request, DECIDE_REMOVAL)
    application = selectors.removal_application_get(pk=pk)
    _decided_by_or_404(principal, application.entry if application is not None else None)
    entry = application.entry
    needs_address = entry.reason.code == UNREACHABLE
    form = RemovalDecisionForm(request.POST or None, needs_address=needs_address) if application.is_pending else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.removal_application_decide(
                application=application, approve=form.cleaned_data["decision"] == form.APPROVE,
                reasons=form.cleaned_data["reasons"], address_confirmed=form.cleaned_data.get("address_confirmed", False),
                actor=request.user,
            )
        except services.ListingError as error:
            _apply_error(form, error)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("listings:staff_removal", pk=application.pk)
    today = local_today()
    context = {
        "application": application, "entry": entry, "form": form, "needs_address": needs_address,
        "cure": entry_cure(entry, today=today, stated_address=application.stated_address),
        "deadline": selectors.removal_rows([application], today=today)[0].deadline,
    }
    return render(request, "listings/staff_removal.html", context)
