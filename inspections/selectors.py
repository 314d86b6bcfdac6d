"""Reads shared by views, admin, services and the credit file."""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from credit.models import Enterprise, RegistrationStatus
from inspections.models import Conflict, DisclosureOrder, Inspector, Plan, PlanFile, Task, TaskMember
from listings.selectors import StaffQueueItem
from portal.i18n import localized_name
from portal.workdays import Deadline, add_working_days, deadline_status

RESULT_DEADLINE_WORKING_DAYS = 20
# A plan that names no registration status draws from firms still on the register: not
# deregistered, not with their licence revoked, not moved out to another authority.
DEFAULT_POOL_EXCLUDED_STATUSES = (
    RegistrationStatus.DEREGISTERED, RegistrationStatus.REVOKED, RegistrationStatus.MOVED_OUT,
)


def plan_scope(plan: Plan) -> QuerySet[Enterprise]:
    """The enterprises a plan's scope filters select (empty filter = no restriction)."""
    qs = Enterprise.objects.all()
    if plan.regions:
        qs = qs.filter(reduce(or_, (Q(region_code__startswith=prefix) for prefix in plan.regions)))
    if plan.entity_types:
        qs = qs.filter(entity_type__in=plan.entity_types)
    if plan.industries:
        qs = qs.filter(industry__in=plan.industries)
    if plan.statuses:
        qs = qs.filter(status__in=plan.statuses)
    else:
        qs = qs.exclude(status__in=DEFAULT_POOL_EXCLUDED_STATUSES)
    return qs


def plan_scope_counts(plan: Plan) -> dict[str, int]:
    rows = plan_scope(plan).order_by().values("risk_class").annotate(n=Count("id"))
    return {row["risk_class"]: row["n"] for row in rows}


def plan_roster(plan: Plan) -> QuerySet[Inspector]:
    """Active inspectors of the plan's agency qualified for every item of the plan."""
    item_ids = list(plan.items.values_list("pk", flat=True))
    return (
        Inspector.objects.filter(agency_id=plan.agency_id, active=True)
        .annotate(qualified=Count("items", filter=Q(items__in=item_ids), distinct=True))
        .filter(qualified=len(item_ids))
        .order_by("code")
    )


def plan_frozen_roster(plan: Plan) -> list[str]:
    """The inspector codes frozen in the plan's roster.csv when it was committed."""
    from inspections.draw import algorithm

    content = PlanFile.objects.filter(plan=plan, name=algorithm.ROSTER_FILE).values_list("content", flat=True).first()
    return algorithm.parse_roster(bytes(content)) if content is not None else []


def plan_manual_team_candidates(plan: Plan) -> QuerySet[Inspector]:
    """Who may join a team given by hand: on the frozen roster and still qualified for every item."""
    return plan_roster(plan).filter(code__in=plan_frozen_roster(plan))


def _recent_cutoff(plan: Plan) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=plan.conflict_period_days)


def plan_exclusions(plan: Plan, *, roster: list[str], pool_usccs: set[str]) -> set[tuple[str, str]]:
    """(inspector code, USCC) pairs: declared conflicts and recent inspections of the same firm."""
    pairs = set(
        Conflict.objects.filter(inspector__code__in=roster).values_list("inspector__code", "enterprise__uscc")
    )
    cutoff = _recent_cutoff(plan)
    recent = (
        TaskMember.objects.filter(inspector__code__in=roster)
        .exclude(task__plan=plan)
        .filter(Q(task__completed_on__gte=cutoff) | Q(task__completed_on__isnull=True, task__plan__checks_end_on__gte=cutoff))
        .values_list("inspector__code", "task__uscc")
    )
    pairs.update(recent)
    return {(code, uscc) for code, uscc in pairs if uscc in pool_usccs}


def inspector_exclusions_for(*, plan: Plan, enterprise_id: int) -> set[str]:
    """Inspector codes that may not inspect this firm in this plan (for manual teams)."""
    codes = set(Conflict.objects.filter(enterprise_id=enterprise_id).values_list("inspector__code", flat=True))
    cutoff = _recent_cutoff(plan)
    codes.update(
        TaskMember.objects.filter(task__enterprise_id=enterprise_id)
        .exclude(task__plan=plan)
        .filter(Q(task__completed_on__gte=cutoff) | Q(task__completed_on__isnull=True, task__plan__checks_end_on__gte=cutoff))
        .values_list("inspector__code", flat=True)
    )
    return codes


def result_deadline(plan: Plan) -> Deadline:
    return add_working_days(plan.checks_end_on, RESULT_DEADLINE_WORKING_DAYS)


def task_is_overdue(task: Task, deadline: Deadline, today: dt.date | None = None) -> bool:
    return task.published_at is None and (today or timezone.localdate()) > deadline.date


def public_plans() -> QuerySet[Plan]:
    return Plan.objects.publicly_visible().select_related("agency")


def public_plan(number: str) -> Plan | None:
    return public_plans().prefetch_related("items").filter(number=number).first()


def plan_files(plan: Plan) -> list[PlanFile]:
    """The files the public may download now (the reveal files only once revealed)."""
    files = list(PlanFile.objects.filter(plan=plan).defer("content").order_by("id"))
    return [f for f in files if plan.is_revealed or not f.after_reveal]


def published_results() -> QuerySet[Task]:
    return (
        Task.objects.results_published()
        .select_related("plan", "plan__agency", "enterprise")
        .order_by("-published_at", "plan_id", "position")
    )


def plan_public_tasks(plan: Plan) -> QuerySet[Task]:
    """The plan's tasks the public may see: all once revealed, before that only the firms
    whose result is published (Task.objects.publicly_visible)."""
    return plan.tasks.publicly_visible().select_related("enterprise").order_by("position")


def disclosure_orders_open(agency) -> QuerySet[DisclosureOrder]:
    """The orders to disclose `agency` made that are still open (neither disclosed nor lapsed into a
    listing), the nearest deadline first: its staff follow them up on /inspections/staff/disclosure-orders/."""
    return (
        DisclosureOrder.objects.filter(agency=agency, cured_on__isnull=True, listed_at__isnull=True)
        .select_related("enterprise")
        .order_by("due_on", "id")
    )


def disclosure_order_rows(orders, *, today: dt.date | None = None) -> list[DisclosureOrder]:
    """The page's rows, each with `deadline` (portal.workdays.deadline_status)."""
    today = today or timezone.localdate()
    rows = list(orders)
    for order in rows:
        order.deadline = deadline_status(order.due_on, today)
    return rows


def staff_queue_items(agency) -> list[StaffQueueItem]:
    """The open orders to disclose of `agency`, as the rows of listings.selectors.staff_queue_items
    (one query), for a staff home page that gathers every app's queue."""
    url = reverse("inspections:staff_disclosure_orders")
    return [
        StaffQueueItem(
            kind="inspections.disclosure_order",
            title=gettext("Order to disclose %(number)s: %(enterprise)s") % {
                "number": order.number, "enterprise": localized_name(order.enterprise),
            },
            deadline=order.due_on,
            url=f"{url}#order-{order.pk}",
        )
        for order in disclosure_orders_open(agency)
    ]
