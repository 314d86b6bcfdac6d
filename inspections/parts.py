"""The inspections app's parts of the credit file and of /account/ (registered in
InspectionsConfig.ready): spot-check results, published double-random results, and the
enterprise's own inspections."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit import sections
from credit.sections import FileSubject, Section
from inspections import selectors
from inspections.models import Result, SpotCheck, Task
from inspections.selectors import result_deadline
from portal import workbench
from portal.i18n import localized_name


def _spot_check_rows(subject: FileSubject):
    return SpotCheck.objects.filter(enterprise_id=subject.enterprise_id).order_by("-checked_on", "-id")


def _result_rows(subject: FileSubject):
    # Only published results are part of the file, revealed plan or not.
    return Task.objects.results_published().filter(enterprise_id=subject.enterprise_id).order_by(
        "-completed_on", "-id"
    )


def _spot_checks_without_problem(subject: FileSubject):
    return _spot_check_rows(subject).filter(result=Result.NO_PROBLEM)


def _results_without_problem(subject: FileSubject):
    return _result_rows(subject).filter(result=Result.NO_PROBLEM)


def _results_load(section: Section, subject: FileSubject) -> dict[str, Any]:
    """Two queries whatever the number of rows: tasks with their plans and agencies, and
    the plans' items (for the task names)."""
    tasks = list(section.rows(subject).select_related("plan", "plan__agency").prefetch_related(Prefetch("plan__items")))
    return {section.key: tasks}


SPOT_CHECKS = Section(
    key="inspection_spot_checks", order=100, template="inspections/sections/spot_checks.html",
    rows=_spot_check_rows, related=(("agency", ("name", "name_en")),),
    contents=(("spot-checks", _("Spot-check results")),),
    # A result other than "no problem found" is a negative record: not published once the
    # enterprise is deregistered (SAMR Order 107 Art. 20); the checks that found nothing stay.
    negative=True, kept_rows=_spot_checks_without_problem,
)
DOUBLE_RANDOM = Section(
    key="inspection_results", order=110, template="inspections/sections/double_random.html",
    rows=_result_rows, load=_results_load, contents=(("double-random", _("Double-random inspection results")),),
    negative=True, kept_rows=_results_without_problem,
)


def account_inspections(*, enterprise, today) -> dict[str, Any]:
    """The enterprise's double-random tasks that are public (those of revealed plans and
    those whose result is published: a plan that keeps its draw secret until publication
    does so that firms are not forewarned, so its tasks stay hidden here too), its
    spot checks, and its open orders to disclose (three queries)."""
    tasks = list(
        Task.objects.publicly_visible()
        .filter(enterprise=enterprise)
        .select_related("plan__agency")
        .order_by("-plan__checks_end_on", "-id")
    )
    for task in tasks:
        # Pure date arithmetic on the official calendar: no query.
        task.result_due = None if task.result_is_public else result_deadline(task.plan)
    spot_checks = list(
        SpotCheck.objects.filter(enterprise=enterprise).select_related("agency").order_by("-checked_on", "-id")
    )
    # Open orders to disclose, each with its working-day `deadline`: once it passes uncured the
    # enterprise is put on the abnormal-operations list (inspections.followups).
    disclosure_orders = selectors.disclosure_order_rows(
        selectors.enterprise_disclosure_orders_open(enterprise), today=today)
    return {"tasks": tasks, "spot_checks": spot_checks, "disclosure_orders": disclosure_orders}


INSPECTIONS_PANEL = sections.AccountPanel(
    key="inspections", order=30, template="inspections/account/inspections.html", load=account_inspections
)


# Tasks whose results are due within this many working days join the staff home's queue.
RESULTS_NEAR_DUE_WORKING_DAYS = 5


def result_queue_items(principal, today) -> list[workbench.QueueItem]:
    """The staff home's queue of the agency's inspection tasks whose result is not yet
    published, once the results deadline (selectors.result_deadline) is near or past: two
    queries (selectors.overdue_tasks_by_plan)."""
    items = []
    for plan, deadline, tasks in selectors.overdue_tasks_by_plan(
            agency_id=principal.agency_id, today=today, within_working_days=RESULTS_NEAR_DUE_WORKING_DAYS):
        url = reverse("inspections:staff_plan_results", args=[plan.number])
        for task in tasks:
            values = {"plan": plan.number}
            items.append(workbench.QueueItem(
                kind=gettext("Inspection result"),
                title=(gettext("Publish the recorded result (plan %(plan)s)") if task.result
                       else gettext("Record and publish the result (plan %(plan)s)")) % values,
                enterprise_name=localized_name(task.enterprise),
                enterprise_uscc=task.uscc,
                deadline=deadline.date,
                provisional=deadline.provisional,
                url=f"{url}#task-{task.pk}",
            ))
    return items


def result_table_links(principal) -> list[tuple[str, str]]:
    """The results tables of the agency's drawn plans still taking results (one query)."""
    return [
        (gettext("Results of plan %(number)s") % {"number": plan.number},
         reverse("inspections:staff_plan_results", args=[plan.number]))
        for plan in selectors.plans_taking_results(agency_id=principal.agency_id)
    ]


RESULT_QUEUE = workbench.QueueSource(
    key="inspection_results", title=_("Inspection results due"), order=20, items=result_queue_items,
    perms=("inspections.view_task", "inspections.change_task"), links=result_table_links,
)


def disclosure_order_queue_items(principal, today) -> list[workbench.QueueItem]:
    """The staff home's queue of the agency's open orders to disclose (one query,
    selectors.disclosure_orders_open, as on /inspections/staff/disclosure-orders/)."""
    url = reverse("inspections:staff_disclosure_orders")
    return [
        workbench.QueueItem(
            kind=gettext("Order to disclose"),
            title=gettext("Follow up the order to disclose %(number)s") % {"number": order.number},
            enterprise_name=localized_name(order.enterprise),
            enterprise_uscc=order.enterprise.uscc,
            deadline=order.due_on,
            provisional=order.due_provisional,
            url=f"{url}#order-{order.pk}",
        )
        for order in selectors.disclosure_orders_open(principal.agency)
    ]


DISCLOSURE_ORDER_QUEUE = workbench.QueueSource(
    key="disclosure_orders", title=_("Orders to disclose"), order=30, items=disclosure_order_queue_items,
    perms=("inspections.view_disclosureorder",),
    links=lambda principal: [(gettext("Every open order to disclose"), reverse("inspections:staff_disclosure_orders"))],
)


def register() -> None:
    sections.section_register(SPOT_CHECKS)
    sections.section_register(DOUBLE_RANDOM)
    sections.account_panel_register(INSPECTIONS_PANEL)
    workbench.queue_source_register(RESULT_QUEUE)
    workbench.queue_source_register(DISCLOSURE_ORDER_QUEUE)
