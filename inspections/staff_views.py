"""The inspections staff pages: the per-plan results table (issue 8).

Who may use them is portal.access's to say: 403 unless the login is an agency's and holds the
admin's model permissions for the work (whatever the address names), 404 for another agency's
plan (as for a missing one). Every write goes through inspections.services, row by row."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from inspections import selectors, services
from inspections.forms import ResultRowFormSet
from inspections.models import PlanState
from portal import access

RESULTS_PAGE_SIZE = 100
# The permissions the admin requires to record a task's result, and to publish a plan's results.
RECORD_RESULTS = ("inspections.view_task", "inspections.change_task")
PUBLISH_RESULTS = ("inspections.change_plan",)
SAVE, PUBLISH_SELECTED, PUBLISH_ALL = "save", "publish_selected", "publish_all"


def _rows_save(formset, actor) -> tuple[int, int]:
    """Record every changed row through the service, each in its own transaction (as
    services.task_result_record is): a valid row is saved even when another row has an error,
    and a row with an error keeps what was entered. Returns (rows saved, rows with errors)."""
    formset.is_valid()  # cleans every row
    if formset.non_form_errors():
        return 0, 0
    saved = failed = 0
    for form in formset.forms:
        if form.task.result_is_public:
            continue
        if form.errors:
            failed += 1
            continue
        if not form.entered:
            continue
        data = form.cleaned_data
        try:
            form.task = services.task_result_record(task=form.task, result=data["result"],
                                                    findings=data["findings"],
                                                    completed_on=data["completed_on"], actor=actor)
        except services.InspectionError as error:
            form.apply_error(error)
            failed += 1
        else:
            form.saved = True
            saved += 1
    return saved, failed


@never_cache
@login_required
def staff_plan_results(request: HttpRequest, number: str) -> HttpResponse:
    """One table per plan: every task's result entered, saved and published from one page."""
    action = request.POST.get("action", SAVE) if request.method == "POST" else None
    publishing = action in (PUBLISH_SELECTED, PUBLISH_ALL)
    principal = access.require_agency_staff(request, *RECORD_RESULTS, *(PUBLISH_RESULTS if publishing else ()))
    plan = access.owned_or_404(principal, selectors.staff_plan(number), agency_path="agency")
    page = Paginator(selectors.plan_results_tasks(plan), RESULTS_PAGE_SIZE).get_page(request.GET.get("page"))
    tasks = list(page.object_list)
    formset = ResultRowFormSet(request.POST if request.method == "POST" else None, tasks=tasks, prefix="rows")
    here = reverse("inspections:staff_plan_results", args=[plan.number])
    if page.number > 1:
        here += f"?page={page.number}"
    outcome = None
    if request.method == "POST":
        saved, failed = _rows_save(formset, request.user)
        outcome = {"saved": saved, "failed": failed, "stale": bool(formset.non_form_errors()),
                   "publishing": publishing}
        if not failed and not outcome["stale"]:
            published = None
            if publishing:
                chosen = None
                if action == PUBLISH_SELECTED:
                    chosen = [form.task.pk for form in formset.forms
                              if not form.task.result_is_public and form.cleaned_data.get("selected")]
                try:
                    if chosen == []:
                        raise services.InspectionError(
                            _("Publish: select the recorded rows to publish, or publish all recorded results."))
                    published = services.plan_results_publish(plan=plan, actor=request.user, tasks=chosen)
                except services.InspectionError as error:
                    outcome["publish_error"] = error.messages
            if "publish_error" not in outcome:
                if saved:
                    messages.success(request, _("Rows saved: %(saved)d.") % {"saved": saved})
                if published:
                    messages.success(request, _("Results published: %(count)d.") % {"count": published})
                if not saved and not published:
                    messages.info(request, _("Nothing was changed."))
                return redirect(here)
    return render(request, "inspections/staff_results.html", {
        "plan": plan,
        "page": page,
        "formset": formset,
        "rows": list(zip(tasks, formset.forms, strict=True)),
        "outcome": outcome,
        "progress": selectors.plan_results_progress(plan),
        "deadline": selectors.result_deadline(plan),
        "drawn": plan.state in (PlanState.DRAWN, PlanState.PUBLISHED),
        "may_publish": access.has_perms(request, PUBLISH_RESULTS),
        "here": here,
        "actions": {"save": SAVE, "publish_selected": PUBLISH_SELECTED, "publish_all": PUBLISH_ALL},
    })
