"""Reads shared by views, admin, services and the credit file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from credit.models import Agency, AgencyLevel, Enterprise, RegistrationStatus
from inspections.models import (
    MINIMUM_YEARLY_SHARE,
    Conflict,
    DisclosureOrder,
    Inspector,
    Plan,
    PlanFile,
    PlanState,
    Task,
    TaskMember,
    publication_current_q,
    task_public_q,
)
from portal.workdays import Deadline, add_working_days, deadline_status

RESULT_DEADLINE_WORKING_DAYS = 20
# A plan that names no registration status draws from firms still on the register: not
# deregistered, not with their licence revoked, not moved out to another authority.
DEFAULT_POOL_EXCLUDED_STATUSES = (
    RegistrationStatus.DEREGISTERED, RegistrationStatus.REVOKED, RegistrationStatus.MOVED_OUT,
)


# 企业公示信息抽查办法 Art. 4: each year at least 3% of the enterprises in the jurisdiction are
# drawn (agency_year_coverage); the admin also warns per plan (inspections/admin.py warn_share). The
# figure's one home is inspections.models.MINIMUM_YEARLY_SHARE.


def agency_region_prefix(agency: Agency) -> str:
    """The region an agency answers for, as a division-code prefix ("" = all of China).

    Six-digit division codes pad with "00" per level: 110000 is Beijing ("11"), 440300
    Shenzhen ("4403"), 110105 Chaoyang district ("110105").
    """
    if agency.level == AgencyLevel.NATIONAL:
        return ""
    code = agency.region_code
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def on_register(qs: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """Firms still on the register: not deregistered, revoked or moved out."""
    return qs.exclude(status__in=DEFAULT_POOL_EXCLUDED_STATUSES)


@dataclass(frozen=True)
class Coverage:
    """An agency's random-inspection coverage of a year (agency_year_coverage)."""

    year: int
    drawn: int
    registered: int
    public: bool  # counted from what the public may know only
    minimum: Decimal = MINIMUM_YEARLY_SHARE

    @property
    def share(self) -> Decimal:
        return Decimal(self.drawn) / Decimal(self.registered) if self.registered else Decimal(0)

    @property
    def percent(self) -> Decimal:
        return (self.share * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    @property
    def minimum_percent(self) -> Decimal:
        return (self.minimum * 100).normalize()

    @property
    def meets_minimum(self) -> bool:
        return self.registered > 0 and self.share >= self.minimum


def agency_year_coverage(agency: Agency, year: int, *, public: bool) -> Coverage:
    """The yearly 3% rule, as a number: distinct firms drawn by the agency's plans of `year`
    (Plan.year; plans drawn or with results published, every task counted once per firm)
    over the firms of its region on the register now (agency_region_prefix, on_register:
    the population of an undirected draw). `public` counts only the tasks the public may
    know of (task_public_q: a revealed plan's, or a published result), so the public page
    does not disclose how an unrevealed selection overlaps other plans. Two aggregate queries."""
    tasks = Task.objects.filter(plan__agency=agency, plan__year=year,
                                plan__state__in=(PlanState.DRAWN, PlanState.PUBLISHED))
    if public:
        tasks = tasks.filter(task_public_q())
    drawn = tasks.aggregate(n=Count("enterprise_id", distinct=True))["n"]
    firms = on_register(Enterprise.objects.all())
    if prefix := agency_region_prefix(agency):
        firms = firms.filter(region_code__startswith=prefix)
    return Coverage(year=year, drawn=drawn, registered=firms.count(), public=public)


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
        qs = on_register(qs)
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


@dataclass(frozen=True)
class ResultsProgress:
    """How many of a plan's selected firms have a published result (one query)."""

    published: int
    recorded: int
    total: int

    @property
    def complete(self) -> bool:
        """Every selected firm's result is published: the plan is "results published"."""
        return self.total > 0 and self.published == self.total

    @property
    def waiting(self) -> int:
        """Recorded results not yet published."""
        return self.recorded - self.published


def plan_results_progress(plan: Plan) -> ResultsProgress:
    """n of m published (and how many are recorded): a count only, never which firms, so
    it may be shown on the public page before the reveal."""
    counts = Task.objects.filter(plan=plan).aggregate(
        total=Count("id"),
        published=Count("id", filter=Q(published_at__isnull=False)),
        recorded=Count("id", filter=~Q(result="")),
    )
    return ResultsProgress(published=counts["published"], recorded=counts["recorded"], total=counts["total"])


def staff_plan(number: str) -> Plan | None:
    """Any plan by its number, drafts included, for the staff pages (which check the owner)."""
    return Plan.objects.select_related("agency").filter(number=number).first()


def plan_results_tasks(plan: Plan) -> QuerySet[Task]:
    """Every task of a plan, for its agency's results table: one query per page."""
    return plan.tasks.select_related("enterprise").order_by("position")


def plans_taking_results(*, agency_id: int) -> QuerySet[Plan]:
    """An agency's drawn plans not yet "results published" (some result still unpublished)."""
    return Plan.objects.filter(agency_id=agency_id, state=PlanState.DRAWN).order_by("checks_end_on", "number")


def overdue_tasks_by_plan(*, agency_id: int, today: dt.date, within_working_days: int):
    """(plan, deadline, [unpublished tasks]) of an agency's drawn plans whose results deadline
    is within `within_working_days` working days of `today` or already past: two queries
    (the plans, then their unpublished tasks with the firms), whatever the number of rows."""
    plans = list(
        Plan.objects.filter(agency_id=agency_id, state__in=[PlanState.DRAWN, PlanState.PUBLISHED],
                            tasks__published_at__isnull=True).distinct().order_by("checks_end_on", "number")
    )
    horizon = add_working_days(today, within_working_days).date
    due = {plan.pk: (plan, result_deadline(plan)) for plan in plans}
    due = {pk: pair for pk, pair in due.items() if pair[1].date <= horizon}
    if not due:
        return []
    tasks: dict[int, list[Task]] = {pk: [] for pk in due}
    for task in (Task.objects.filter(plan_id__in=list(due), published_at__isnull=True)
                 .select_related("enterprise").order_by("plan_id", "position")):
        tasks[task.plan_id].append(task)
    return [(plan, deadline, tasks[pk]) for pk, (plan, deadline) in due.items()]


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
    """Published results whose publication has not ended (an approved credit repair ends it)."""
    return (
        Task.objects.results_published().filter(publication_current_q(timezone.localdate()))
        .select_related("plan", "plan__agency", "enterprise")
        .order_by("-published_at", "plan_id", "position")
    )


def plan_public_tasks(plan: Plan) -> QuerySet[Task]:
    """The plan's tasks the public may see: all once revealed, before that only the firms
    whose result is published (Task.objects.publicly_visible)."""
    return plan.tasks.publicly_visible().select_related("enterprise").order_by("position")


# An order is open until the firm discloses (cured_on) or the deadline lapses into a listing (listed_at).
DISCLOSURE_ORDER_OPEN = Q(cured_on__isnull=True, listed_at__isnull=True)


def disclosure_orders_open(agency) -> QuerySet[DisclosureOrder]:
    """The orders to disclose `agency` made that are still open (neither disclosed nor lapsed into a
    listing), the nearest deadline first: its staff follow them up on /inspections/staff/disclosure-orders/."""
    return (
        DisclosureOrder.objects.filter(DISCLOSURE_ORDER_OPEN, agency=agency)
        .select_related("enterprise")
        .order_by("due_on", "id")
    )


def enterprise_disclosure_orders_open(enterprise) -> QuerySet[DisclosureOrder]:
    """The enterprise's own open orders to disclose, the nearest deadline first (its /account/)."""
    return (
        DisclosureOrder.objects.filter(DISCLOSURE_ORDER_OPEN, enterprise=enterprise)
        .select_related("agency")
        .order_by("due_on", "id")
    )


def disclosure_order_rows(orders, *, today: dt.date | None = None) -> list[DisclosureOrder]:
    """The page's rows, each with `deadline` (portal.workdays.deadline_status)."""
    today = today or timezone.localdate()
    rows = list(orders)
    for order in rows:
        order.deadline = deadline_status(order.due_on, today, provisional=order.due_provisional)
    return rows
