"""The inspections app's parts of the credit file and of /account/ (registered in
InspectionsConfig.ready): spot-check results, published double-random results, and the
enterprise's own inspections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit import sections
from credit.sections import FileSubject, Section
from inspections import selectors
from inspections.models import NEGATIVE_RESULTS, SpotCheck, Task, publication_current_q
from inspections.selectors import result_deadline
from listings.repair import registry as repair_registry
from listings.repair.registry import KindRule, RepairableKind
from listings.repair.rules import DECISION_WORKING_DAYS, months_after
from portal import workbench
from portal.i18n import localized_name


def _spot_check_rows(subject: FileSubject):
    # A result whose publication ended (an approved credit repair) is no longer part of the file.
    return SpotCheck.objects.filter(publication_current_q(subject.today), enterprise_id=subject.enterprise_id
                                    ).order_by("-checked_on", "-id")


def _result_rows(subject: FileSubject):
    # Only published results are part of the file, revealed plan or not, until a repair ends them.
    return Task.objects.results_published().filter(
        publication_current_q(subject.today), enterprise_id=subject.enterprise_id).order_by("-completed_on", "-id")


def _spot_checks_without_problem(subject: FileSubject):
    return _spot_check_rows(subject).exclude(result__in=sorted(NEGATIVE_RESULTS))


def _results_without_problem(subject: FileSubject):
    return _result_rows(subject).exclude(result__in=sorted(NEGATIVE_RESULTS))


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


# --- Credit repair of negative inspection results (listings.repair; docs/rules.md) -------------
# SAMR Order 107 Art. 2 brings negative spot-check results into repair; Art. 10 stops their
# publication after 3 months where no penalty, or only a minor one, followed. The portal's rule:
# a negative result (NEGATIVE_RESULTS) may be repaired from 3 months after the check (the task's
# completion date, the spot check's date), the same minimum as a general penalty; the inspecting
# agency decides within 7 working days; approval ends its publication the day before.


def _result_rule(day_checked):
    def rule(record, today) -> KindRule:
        published = (record.published_at is not None and record.result in NEGATIVE_RESULTS
                     and (record.publication_ends_on is None or record.publication_ends_on >= today))
        if not published:
            return KindRule(published=False, repairable_from=None)
        checked = day_checked(record) or timezone.localdate(record.published_at)
        return KindRule(published=True, repairable_from=months_after(checked, 3))

    return rule


def _ending(model):
    def end(record, today, actor, agency) -> dict:
        before = {"publication_ends_on": record.publication_ends_on.isoformat() if record.publication_ends_on else None}
        model.objects.filter(pk=record.pk).update(publication_ends_on=today - dt.timedelta(days=1))
        return before

    def restore(record, before, actor, agency) -> None:
        value = before.get("publication_ends_on")
        model.objects.filter(pk=record.pk).update(publication_ends_on=dt.date.fromisoformat(value) if value else None)

    return end, restore


_task_end, _task_restore = _ending(Task)
_check_end, _check_restore = _ending(SpotCheck)

INSPECTION_TASK = RepairableKind(
    key="inspection_task", label=_("Double-random inspection result"), order=30,
    records=lambda enterprise_id, today: Task.objects.results_published().filter(
        publication_current_q(today), enterprise_id=enterprise_id, result__in=sorted(NEGATIVE_RESULTS)
    ).select_related("plan__agency").order_by("-completed_on", "-id"),
    get=lambda pk: Task.objects.select_related("plan__agency", "enterprise").filter(pk=pk).first(),
    label_of=lambda t: gettext("Inspection result of plan %(plan)s: %(result)s") % {
        "plan": t.plan.number, "result": t.get_result_display()},
    url_of=lambda t, uscc: f"/inspections/plans/{t.plan.number}/#tasks",
    deciding_agency=lambda t: t.plan.agency,
    decision_days=lambda t: DECISION_WORKING_DAYS,
    rule=_result_rule(lambda t: t.completed_on), end_publication=_task_end, restore=_task_restore,
    file_records=lambda context: [t for t in context.get("inspection_results", []) if t.result in NEGATIVE_RESULTS],
)
SPOT_CHECK = RepairableKind(
    key="spot_check", label=_("Spot-check result"), order=40,
    records=lambda enterprise_id, today: SpotCheck.objects.filter(
        publication_current_q(today), enterprise_id=enterprise_id, result__in=sorted(NEGATIVE_RESULTS)
    ).select_related("agency").order_by("-checked_on", "-id"),
    get=lambda pk: SpotCheck.objects.select_related("agency", "enterprise").filter(pk=pk).first(),
    label_of=lambda c: gettext("Spot check of %(date)s (%(kind)s): %(result)s") % {
        "date": date_format(c.checked_on), "kind": c.kind, "result": c.get_result_display()},
    url_of=lambda c, uscc: f"/enterprises/{uscc}/#spot-checks",
    deciding_agency=lambda c: c.agency,
    decision_days=lambda c: DECISION_WORKING_DAYS,
    rule=_result_rule(lambda c: c.checked_on), end_publication=_check_end, restore=_check_restore,
    file_records=lambda context: [c for c in context.get("inspection_spot_checks", []) if c.result in NEGATIVE_RESULTS],
)


def register() -> None:
    repair_registry.kind_register(INSPECTION_TASK)
    repair_registry.kind_register(SPOT_CHECK)
    sections.section_register(SPOT_CHECKS)
    sections.section_register(DOUBLE_RANDOM)
    sections.account_panel_register(INSPECTIONS_PANEL)
    workbench.queue_source_register(RESULT_QUEUE)
    workbench.queue_source_register(DISCLOSURE_ORDER_QUEUE)
