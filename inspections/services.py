"""Every write of the inspections app. Each function is atomic, guarded by the plan's
state machine (draft -> committed -> [entropy entered] -> drawing -> drawn -> published)
and writes one audit event."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from credit.models import Agency, AgencyLevel, Enterprise
from credit.publication import publication_record, site_pages_touch
from inspections import selectors
from inspections.draw import algorithm, engine
from inspections.models import (
    Conflict,
    DisclosureOrder,
    Draw,
    InspectionItem,
    Inspector,
    Plan,
    PlanFile,
    PlanState,
    Result,
    RevealPolicy,
    SpotCheck,
    Task,
    TaskMember,
)
from inspections.selectors import agency_region_prefix  # also called as services.agency_region_prefix
from portal.access import staff_agency
from portal.audit import audit_record
from portal.i18n import localized_name

BATCH = 5000

logger = logging.getLogger("inspections.draws")


class InspectionError(ValidationError):
    """A write refused because of the current state or a rule; the message names both."""


def _file(plan: Plan, name: str, content: bytes) -> PlanFile:
    return PlanFile.objects.create(
        plan=plan, name=name, content=content, sha256=algorithm.sha256_hex(content), size=len(content)
    )


def _lock(plan_id: int) -> Plan:
    return Plan.objects.select_for_update().get(pk=plan_id)


def actor_may_act_for(actor, agency_id: int | None) -> bool:
    """Superusers and system jobs (no actor) act for any agency; a staff login only for its own."""
    if actor is None or actor.is_superuser:
        return True
    agency = staff_agency(actor)
    return agency is not None and agency_id is not None and agency.pk == agency_id


def actor_may_edit_items(actor) -> bool:
    """The one list is national: superusers and staff of a national-level agency maintain it."""
    if actor is None or actor.is_superuser:
        return True
    agency = staff_agency(actor)
    return agency is not None and agency.level == AgencyLevel.NATIONAL


def _require_agency(actor, agency_id: int | None, field: str) -> None:
    if not actor_may_act_for(actor, agency_id):
        raise InspectionError(
            _("%(field)s: a staff login may act only for its own agency."), params={"field": field}, code="agency"
        )


def plan_regions_check(*, agency: Agency, regions) -> None:
    """Scope rule: a plan draws only from its agency's region; only a national agency may
    plan nationwide. Enterprises match a region when their code starts with it."""
    if not isinstance(regions, list) or not all(isinstance(r, str) and r.isdigit() and 1 <= len(r) <= 6
                                                for r in regions):
        raise InspectionError(
            _("Region code prefixes: write a list of 1 to 6 digit division-code prefixes, e.g. [\"1101\"]."),
            code="regions_format",
        )
    prefix = agency_region_prefix(agency)
    if not prefix:
        return
    if not regions or any(not region.startswith(prefix) for region in regions):
        raise InspectionError(
            _("Region code prefixes: %(agency)s may draw only within its region; enter \"%(prefix)s\" or "
              "prefixes that start with it. Only a national agency may plan nationwide."),
            params={"agency": localized_name(agency), "prefix": prefix},
            code="regions_outside",
        )


SCOPE_FIELDS = ("regions", "entity_types", "industries", "statuses")


def scope_list_check(field: str, value) -> list[str]:
    """The one rule for a scope filter (Plan.regions, entity_types, industries, statuses): a
    JSON list of non-empty strings, [] for no limit. Never true, 1.5, 1e9, "11", [11] or [null]:
    plan_scope would crash on them or match nothing. Used by plan_save and the admin form."""
    if not isinstance(value, list) or not all(isinstance(code, str) and code.strip() for code in value):
        raise InspectionError(
            _("%(field)s: enter a list of codes in JSON, for example [\"110000\"], or [] for no limit; "
              "true, numbers, null and a bare string are not a list of codes."),
            params={"field": Plan._meta.get_field(field).verbose_name.capitalize()}, code="scope_list",
        )
    return value


def plan_scope_check(plan: Plan) -> None:
    """scope_list_check for every scope filter of the plan, each error under its field."""
    errors = {}
    for field in SCOPE_FIELDS:
        try:
            scope_list_check(field, getattr(plan, field))
        except ValidationError as problem:
            errors[field] = problem.error_list
    if errors:
        raise InspectionError(errors)


@transaction.atomic
def plan_save(*, plan: Plan, actor, items: Iterable | None = None) -> Plan:
    """Create or change a draft plan; committed plans are frozen."""
    _require_agency(actor, plan.agency_id, _("Agency"))
    if plan.pk:
        current = _lock(plan.pk)
        _require_agency(actor, current.agency_id, _("Agency"))
        if current.state != PlanState.DRAFT:
            raise InspectionError(
                _("Plan %(number)s is %(state)s: only a draft plan can be changed."),
                params={"number": current.number, "state": current.get_state_display()},
            )
    plan_scope_check(plan)
    plan_regions_check(agency=plan.agency, regions=plan.regions)
    created = plan.pk is None
    plan.full_clean(exclude=["items"])
    plan.save()
    if items is not None:
        plan.items.set(items)
    audit_record(
        action="inspections.plan.created" if created else "inspections.plan.changed",
        actor=actor,
        obj=plan,
        payload={"number": plan.number},
    )
    return plan


@transaction.atomic
def plan_draft_delete(*, plan: Plan, actor) -> None:
    """Discard a draft; nothing of it was published. Committed plans are never deleted."""
    plan = _lock(plan.pk)
    _require_agency(actor, plan.agency_id, _("Agency"))
    if plan.state != PlanState.DRAFT:
        raise InspectionError(
            _("Plan %(number)s is %(state)s: only a draft plan can be deleted."),
            params={"number": plan.number, "state": plan.get_state_display()},
        )
    audit_record(action="inspections.plan.draft_deleted", actor=actor, obj=plan, payload={"number": plan.number})
    plan.delete()


def _when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@transaction.atomic
def plan_commit(*, plan: Plan, actor, secret: bytes | None = None, now: dt.datetime | None = None) -> Plan:
    """Freeze the pool, roster and exclusions, draw the secret and publish the commitment.

    Only demo data passes `secret` (derived from its seed, so reseeding reproduces the
    same draw) and `now` (its plans tell a story that began in the past); real plans always
    get 32 fresh random bytes and the time of the call.
    """
    now = now or timezone.now()
    plan = _lock(plan.pk)
    _require_agency(actor, plan.agency_id, _("Agency"))
    if plan.state != PlanState.DRAFT:
        raise InspectionError(
            _("Plan %(number)s is already committed: its commitment cannot be replaced."),
            params={"number": plan.number},
        )
    if not plan.items.exists():
        raise InspectionError(_("Inspection items: a plan needs at least one item before it is committed."))
    if plan.entropy_available_at is None or plan.entropy_available_at <= now:
        # The commitment has to be public before the value it names exists (docs/draw.md 1).
        raise InspectionError({"entropy_available_at": ValidationError(_(
            "Public entropy available at: name when the source will announce its value; it must be later than "
            "the commitment (now, %(now)s)."), params={"now": _when(now)}, code="entropy_time")})
    pool = list(selectors.plan_scope(plan).values_list("uscc", "risk_class").iterator(chunk_size=20000))
    counts: dict[str, int] = {}
    for _uscc, risk_class in pool:
        counts[risk_class] = counts.get(risk_class, 0) + 1
    if not algorithm.expected_share(counts, plan.ratios):
        raise InspectionError(
            _("Sampling ratios: with its scope (%(count)d firms) and ratios the plan would draw no firm; "
              "widen the scope or raise the ratios before committing."),
            code="draws_no_firm", params={"count": len(pool)},
        )
    roster = list(selectors.plan_roster(plan).values_list("code", flat=True))
    if len(roster) < plan.team_size:
        raise InspectionError(
            _("Roster: %(count)d active inspectors of this agency are qualified for all the plan's items; "
              "the team size is %(size)d."),
            params={"count": len(roster), "size": plan.team_size},
        )
    exclusions = selectors.plan_exclusions(plan, roster=roster, pool_usccs={uscc for uscc, _ in pool})
    try:
        files = {
            algorithm.POOL_FILE: algorithm.pool_csv(pool),
            algorithm.ROSTER_FILE: algorithm.roster_csv(roster),
            algorithm.EXCLUSIONS_FILE: algorithm.exclusions_csv(exclusions),
        }
    except algorithm.DrawInputError as problem:
        raise InspectionError(_("The pool or roster cannot be frozen: %(problem)s"),
                              params={"problem": str(problem)}) from problem
    secret = secret if secret is not None else secrets.token_bytes(32)
    if len(secret) != 32:
        raise InspectionError(_("Secret: it must be 32 bytes."))
    document = algorithm.parameters_document(
        plan=plan.number,
        files=files,
        ratios=plan.ratios,
        team_size=plan.team_size,
        workload_cap=plan.workload_cap,
        secret_hash=algorithm.sha256_hex(secret),
        entropy_source=plan.entropy_source,
        entropy_available_at=plan.entropy_available_at,
    )
    for name in (algorithm.PARAMETERS_FILE, *algorithm.FROZEN_FILES):
        _file(plan, name, document if name == algorithm.PARAMETERS_FILE else files[name])
    plan.secret = secret
    plan.commitment = algorithm.commitment_of(document)
    plan.state = PlanState.COMMITTED
    plan.committed_at = now
    plan.save()
    publication_record(
        action="inspections.plan.committed",
        actor=actor,
        obj=plan,
        payload={"commitment": plan.commitment, "pool": len(pool), "roster": len(roster),
                 "exclusions": len(exclusions)},
    )
    return plan


def plan_entropy_check(*, plan: Plan, public_entropy: str, now: dt.datetime | None = None) -> str:
    """The guards of plan_entropy_enter, also run by the admin form so errors show on the form.
    Returns the value as it will be stored (stripped)."""
    value = (public_entropy or "").strip()
    if plan.state != PlanState.COMMITTED or plan.public_entropy:
        raise InspectionError(
            _("Public entropy: it can be entered once, after the commitment and before the draw.")
        )
    now = now or timezone.now()
    # Plans committed before the time was recorded have none: nothing to wait for.
    if plan.entropy_available_at is not None and now < plan.entropy_available_at:
        raise InspectionError({"public_entropy": ValidationError(_(
            "Public entropy: the source announces its value at %(time)s (public entropy available at); "
            "it cannot be entered before then."), params={"time": _when(plan.entropy_available_at)},
            code="entropy_early")})
    try:
        algorithm.check_ascii(value, "public_entropy")
    except algorithm.DrawInputError:
        raise InspectionError(
            _("Public entropy: write the published value in printable ASCII (digits, Latin letters, spaces)."),
            code="ascii",
        ) from None
    return value


@transaction.atomic
def plan_entropy_enter(*, plan: Plan, actor, public_entropy: str, now: dt.datetime | None = None) -> Plan:
    """Enter the named source's value once it exists. Only demo data passes `now`."""
    now = now or timezone.now()
    plan = _lock(plan.pk)
    _require_agency(actor, plan.agency_id, _("Agency"))
    value = plan_entropy_check(plan=plan, public_entropy=public_entropy, now=now)
    plan.public_entropy = value
    plan.entropy_entered_at = now
    plan.save(update_fields=["public_entropy", "entropy_entered_at"])
    publication_record(action="inspections.plan.entropy_entered", actor=actor, obj=plan,
                 payload={"public_entropy": value})
    return plan


@transaction.atomic
def plan_draw_request(*, plan: Plan, actor) -> Plan:
    """Ask for the draw. A plan left in "drawing" by a lost worker may be asked again.

    The task is handed to the broker after the commit (draw_enqueue); if the broker is down
    then, the request stands and the draws_requeue sweep hands it over when it is back."""
    plan = _lock(plan.pk)
    _require_agency(actor, plan.agency_id, _("Agency"))
    if plan.state not in (PlanState.COMMITTED, PlanState.DRAWING) or not plan.public_entropy:
        raise InspectionError(
            _("Draw: plan %(number)s needs its commitment and public entropy, and must not be drawn yet."),
            params={"number": plan.number},
        )
    plan.draw_requested_at = timezone.now()
    plan.save(update_fields=["draw_requested_at"])
    publication_record(action="inspections.draw.requested", actor=actor, obj=plan, payload={})
    plan_id = plan.pk
    transaction.on_commit(lambda: draw_enqueue(plan_id=plan_id))
    return plan


def draw_enqueue(*, plan_id: int) -> bool:
    """Hand the draw task to the broker, once, without retrying. Returns False (and logs)
    when the broker cannot be reached: the committed request is kept and draws_requeue
    hands it over later, so the write that asked for it still succeeds."""
    from kombu.exceptions import OperationalError as BrokerError

    from inspections.tasks import draw_plan

    try:
        draw_plan.apply_async(args=[plan_id], retry=False)
    except BrokerError as error:
        logger.warning("draw of plan %s not queued, the broker is unavailable (%s); draws_requeue will queue it",
                       plan_id, error)
        return False
    return True


def draw_execute(*, plan_id: int, now: dt.datetime | None = None) -> Draw | None:
    """Run the draw once. Returns None when there is nothing to do (already drawn). Only demo
    data passes `now` (the time recorded as the draw's start and end).

    Two transactions: a short one marks the plan "drawing" so staff see it; the second
    holds the plan row lock while it computes and writes the whole result, so a second
    delivery waits and then finds the plan drawn, and a killed worker leaves nothing.
    """
    with transaction.atomic():
        plan = _lock(plan_id)
        if plan.state in (PlanState.DRAWN, PlanState.PUBLISHED):
            return None
        if plan.state not in (PlanState.COMMITTED, PlanState.DRAWING) or not plan.public_entropy:
            raise InspectionError(_("Draw: plan %(number)s is not ready to be drawn."),
                                  params={"number": plan.number})
        plan.state = PlanState.DRAWING
        plan.draw_attempts += 1
        plan.draw_started_at = now or timezone.now()
        plan.save(update_fields=["state", "draw_attempts", "draw_started_at"])
        site_pages_touch()  # the plan's pages say "drawing"
    return _draw_write(plan_id, now=now)


@transaction.atomic
def _draw_write(plan_id: int, now: dt.datetime | None = None) -> Draw | None:
    plan = _lock(plan_id)
    if plan.state != PlanState.DRAWING or Draw.objects.filter(plan_id=plan_id).exists():
        return None
    started = time.perf_counter()
    files = {f.name: bytes(f.content) for f in PlanFile.objects.filter(plan=plan, name__in=[
        algorithm.PARAMETERS_FILE, *algorithm.FROZEN_FILES])}
    secret = bytes(plan.secret)
    result = engine.run_draw_from_files(files, secret=secret, public_entropy=plan.public_entropy,
                                      processes=settings.DRAW_PROCESSES,
                                      parallel_min_pairs=settings.DRAW_PARALLEL_MIN_PAIRS)
    if algorithm.commitment_of(files[algorithm.PARAMETERS_FILE]) != plan.commitment:
        raise InspectionError(_("Draw: parameters.json no longer matches the published commitment."))
    seconds = time.perf_counter() - started

    enterprise_ids: dict[str, int] = {}
    usccs = [row.uscc for row in result.selected]
    for start in range(0, len(usccs), BATCH):
        enterprise_ids.update(
            Enterprise.objects.filter(uscc__in=usccs[start : start + BATCH]).values_list("uscc", "id")
        )
    inspector_ids = dict(Inspector.objects.filter(code__in=algorithm.parse_roster(files[algorithm.ROSTER_FILE]))
                         .values_list("code", "id"))
    tasks = [
        Task(
            plan=plan,
            enterprise_id=enterprise_ids[row.uscc],
            number=f"{plan.number}-{position:06d}",
            position=position,
            uscc=row.uscc,
            risk_class=row.risk_class,
            ticket=row.ticket,
            inspector_codes=";".join(row.team),
        )
        for position, row in enumerate(result.selected, start=1)
    ]
    Task.objects.bulk_create(tasks, batch_size=BATCH)
    members = [
        TaskMember(task_id=task.pk, inspector_id=inspector_ids[code], rank=rank)
        for task, row in zip(tasks, result.selected, strict=True)
        for rank, code in enumerate(row.team, start=1)
    ]
    TaskMember.objects.bulk_create(members, batch_size=BATCH)
    result_bytes = result.result_csv()
    _file(plan, algorithm.REVEAL_FILE, algorithm.reveal_document(
        commitment=plan.commitment, secret=secret, public_entropy=plan.public_entropy, seed=result.seed))
    result_file = _file(plan, algorithm.RESULT_FILE, result_bytes)
    outcome = Draw.objects.create(
        plan=plan,
        seed=result.seed,
        quotas=result.quotas,
        pool_size=result.pool_size,
        selected_count=len(result.selected),
        unassigned_count=sum(1 for row in result.selected if not row.team),
        result_sha256=result_file.sha256,
        seconds=seconds,
    )
    now = now or timezone.now()
    plan.state = PlanState.DRAWN
    plan.seed = result.seed
    plan.drawn_at = now
    plan.draw_error = ""
    # With no firm selected there is no result to wait for, and nobody to forewarn.
    if plan.reveal_policy == RevealPolicy.IMMEDIATE or not result.selected:
        plan.revealed_at = now
    plan.save()
    publication_record(
        action="inspections.draw.completed",
        obj=plan,
        payload={"selected": outcome.selected_count, "unassigned": outcome.unassigned_count,
                 "result_sha256": outcome.result_sha256},
    )
    return outcome


@transaction.atomic
def draw_fail(*, plan_id: int, error: str) -> Plan:
    """Put a plan whose draw failed back to "committed" with the error, ready for a retry."""
    plan = _lock(plan_id)
    if plan.state == PlanState.DRAWING:
        plan.state = PlanState.COMMITTED
    plan.draw_error = error[:2000]
    plan.draw_requested_at = None  # a failed draw waits for staff to ask again
    plan.save(update_fields=["state", "draw_error", "draw_requested_at"])
    publication_record(action="inspections.draw.failed", obj=plan, payload={"error": error[:500]})
    return plan


def draws_requeue(*, now: dt.datetime | None = None) -> dict[str, list[str]]:
    """The sweep behind the beat task inspections.draws_requeue (every minute); safe to run
    twice or concurrently. A draw asked for more than DRAW_REQUEUE_MINUTES ago is queued again
    when no worker has started it since (the broker was down, or lost the message), and so is
    a draw left "drawing" that long by a worker that stopped: a live draw holds its plan's row
    lock for the whole computation, so a plan whose row is free is not being drawn. After
    DRAW_MAX_ATTEMPTS starts the plan fails visibly (draw_fail) instead of being queued again.

    Returns the numbers of the plans queued again and of those failed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(minutes=settings.DRAW_REQUEUE_MINUTES)
    outcome: dict[str, list[str]] = {"requeued": [], "failed": []}
    for plan_id in _draws_to_recover(cutoff).values_list("pk", flat=True):
        result = _draw_recover(plan_id=plan_id, cutoff=cutoff, now=now)
        if result is not None:
            outcome[result[0]].append(result[1])
    return outcome


def _draws_to_recover(cutoff: dt.datetime):
    asked_long_ago = Q(draw_requested_at__lt=cutoff)
    waiting = Q(state=PlanState.COMMITTED) & asked_long_ago
    stopped = (Q(state=PlanState.DRAWING) & (Q(draw_started_at__lt=cutoff) | Q(draw_started_at__isnull=True))
               & (asked_long_ago | Q(draw_requested_at__isnull=True)))
    return Plan.objects.filter(waiting | stopped).exclude(public_entropy="")


@transaction.atomic
def _draw_recover(*, plan_id: int, cutoff: dt.datetime, now: dt.datetime) -> tuple[str, str] | None:
    # skip_locked: a plan whose row is locked is being drawn right now (or recovered by a
    # second sweep); it is left alone.
    plan = _draws_to_recover(cutoff).select_for_update(skip_locked=True).filter(pk=plan_id).first()
    if plan is None:
        return None
    if plan.state == PlanState.DRAWING and plan.draw_attempts >= settings.DRAW_MAX_ATTEMPTS:
        logger.warning("draw of plan %s stopped %d times without finishing; marked failed", plan.number,
                       plan.draw_attempts)
        draw_fail(plan_id=plan_id, error=str(_(
            "The draw was started %(attempts)d times and stopped each time without finishing (the worker was "
            "lost). Check the workers, then run the draw again.") % {"attempts": plan.draw_attempts}))
        return "failed", plan.number
    logger.warning("draw of plan %s (%s) not started or not finished, queued again", plan.number, plan.state)
    plan.draw_requested_at = now
    plan.save(update_fields=["draw_requested_at"])
    publication_record(action="inspections.draw.requeued", obj=plan,
                 payload={"state": plan.state, "attempts": plan.draw_attempts})
    transaction.on_commit(lambda: draw_enqueue(plan_id=plan_id))
    return "requeued", plan.number


@transaction.atomic
def task_assign_manual(*, task: Task, inspectors: Iterable[Inspector], actor) -> Task:
    """Give an unassigned firm a team by hand; the audit log keeps who did it."""
    task = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
    plan = task.plan
    _require_agency(actor, plan.agency_id, _("Agency"))
    chosen = list(dict.fromkeys(inspectors))
    if plan.state not in (PlanState.DRAWN, PlanState.PUBLISHED) or task.is_assigned:
        raise InspectionError(_("Team: only a drawn firm without a team can be assigned by hand."))
    if len(chosen) < plan.team_size:
        raise InspectionError(
            _("Team: choose at least %(size)d different inspectors."), params={"size": plan.team_size}
        )
    excluded = selectors.inspector_exclusions_for(plan=plan, enterprise_id=task.enterprise_id)
    roster = set(selectors.plan_frozen_roster(plan))
    qualified = set(selectors.plan_roster(plan).values_list("code", flat=True))
    for inspector in chosen:
        if not inspector.active or inspector.agency_id != plan.agency_id:
            raise InspectionError(_("Team: %(code)s is not an active inspector of the plan's agency."),
                                  params={"code": inspector.code})
        if inspector.code not in roster:
            raise InspectionError(
                _("Team: %(code)s is not on the roster frozen when plan %(number)s was committed."),
                params={"code": inspector.code, "number": plan.number})
        if inspector.code not in qualified:
            raise InspectionError(_("Team: %(code)s is not qualified for every inspection item of the plan."),
                                  params={"code": inspector.code})
        if inspector.code in excluded:
            raise InspectionError(_("Team: %(code)s has a conflict with this firm and is excluded."),
                                  params={"code": inspector.code})
    TaskMember.objects.bulk_create(
        [TaskMember(task=task, inspector=inspector, rank=rank) for rank, inspector in enumerate(chosen, start=1)]
    )
    task.inspector_codes = ";".join(inspector.code for inspector in chosen)
    task.assigned_manually = True
    task.save(update_fields=["inspector_codes", "assigned_manually"])
    publication_record(action="inspections.assignment.manual", actor=actor, obj=task,
                 payload={"inspectors": [inspector.code for inspector in chosen]})
    return task


def task_result_check(*, task: Task, result: str, findings: str, completed_on: dt.date | None) -> None:
    """The rules of a result for one task, each error keyed by the field it names (the
    per-plan results table shows them on the row's field). Reads `task.plan`."""
    if task.plan.state not in (PlanState.DRAWN, PlanState.PUBLISHED):
        raise InspectionError(_("Result: the plan has not been drawn."), code="not_drawn")
    if task.published_at:
        raise InspectionError(_("Result: this result is already published and cannot be changed."),
                              code="published")
    if not task.is_assigned:
        raise InspectionError({"result": InspectionError(_(
            "Result: the draw left this firm without a team; assign a team by hand before recording a result."),
            code="unassigned")})
    errors = {}
    if result not in Result.values:
        errors["result"] = InspectionError(_("Result: choose one of the listed result categories."), code="choice")
    if completed_on is None or completed_on > timezone.localdate():
        errors["completed_on"] = InspectionError(
            _("Completion date: enter the day the check ended; it cannot be in the future."), code="completed_on")
    if result != Result.NO_PROBLEM and not (findings or "").strip():
        errors["findings"] = InspectionError(
            _("Findings: describe what was found for any result other than no problem."), code="findings")
    if errors:
        raise InspectionError(errors)


@transaction.atomic
def task_result_record(*, task: Task, result: str, findings: str, completed_on: dt.date, actor) -> Task:
    """Record (or correct, until published) one task's result: its own transaction, so the
    results table saves each valid row even when another row has errors."""
    task = Task.objects.select_for_update().select_related("plan").get(pk=task.pk)
    _require_agency(actor, task.plan.agency_id, _("Agency"))
    task_result_check(task=task, result=result, findings=findings, completed_on=completed_on)
    task.result, task.findings, task.completed_on = result, (findings or "").strip(), completed_on
    task.recorded_at = timezone.now()
    task.save(update_fields=["result", "findings", "completed_on", "recorded_at"])
    audit_record(action="inspections.result.recorded", actor=actor, obj=task, payload={"result": result})
    return task


@transaction.atomic
def task_results_record(*, plan: Plan, results: Mapping[int, tuple[str, str, dt.date]], actor) -> int:
    """Record many results of one plan at once, {task id: (result, findings, completed on)}, under the
    rules of task_result_record (task_result_check): all or none, in a few queries, with one audit
    event for the batch."""
    plan = _lock(plan.pk)
    _require_agency(actor, plan.agency_id, _("Agency"))
    tasks = list(Task.objects.select_for_update().filter(plan=plan, pk__in=list(results)).order_by("pk"))
    if len(tasks) != len(results):
        raise InspectionError(_("Result: every firm must be one drawn by this plan."))
    now = timezone.now()
    for task in tasks:
        task.plan = plan
        result, findings, completed_on = results[task.pk]
        task_result_check(task=task, result=result, findings=findings, completed_on=completed_on)
        task.result, task.findings, task.completed_on = result, (findings or "").strip(), completed_on
        task.recorded_at = now
    Task.objects.bulk_update(tasks, ["result", "findings", "completed_on", "recorded_at"], batch_size=2000)
    by_result: dict[str, int] = {}
    for task in tasks:
        by_result[task.result] = by_result.get(task.result, 0) + 1
    audit_record(action="inspections.results.recorded", actor=actor, obj=plan,
                 payload={"results": len(tasks), "by_result": by_result})
    return len(tasks)


@transaction.atomic
def plan_results_publish(*, plan: Plan, actor, tasks: Iterable[Task | int] | None = None) -> int:
    """Publish recorded, unpublished results: every one of the plan, or only those of `tasks`
    (the rows selected in the results table; others are left alone).

    The plan is "results published" (PlanState.PUBLISHED, `published_at`) only once every
    selected firm's result is published; until then it stays drawn and its pages say
    "n of m published" (selectors.plan_results_progress). A plan that reveals "when the
    results are published" reveals at that same moment: before it, the reveal (secret, seed,
    result.csv, the whole task list) would name the firms not yet inspected and forewarn
    them. Until then only the published firms' own results are public.
    """
    from inspections.followups import followups_create

    plan = _lock(plan.pk)
    _require_agency(actor, plan.agency_id, _("Agency"))
    if plan.state not in (PlanState.DRAWN, PlanState.PUBLISHED):
        raise InspectionError(_("Publish: plan %(number)s has not been drawn."), params={"number": plan.number})
    waiting = plan.tasks.filter(published_at__isnull=True).exclude(result="")
    if tasks is not None:
        waiting = waiting.filter(pk__in=[getattr(task, "pk", task) for task in tasks])
    pending = list(waiting.select_related("enterprise"))
    if not pending:
        raise InspectionError(_("Publish: there are no recorded results waiting to be published."))
    now = timezone.now()
    Task.objects.filter(pk__in=[task.pk for task in pending]).update(published_at=now)
    complete = not plan.tasks.filter(published_at__isnull=True).exists()
    reveal = complete and plan.revealed_at is None
    if complete:
        plan.state = PlanState.PUBLISHED
        plan.published_at = plan.published_at or now
    if reveal:
        plan.revealed_at = now
    plan.save(update_fields=["state", "published_at", "revealed_at"])
    followups = followups_create(plan=plan, tasks=pending)
    publication_record(action="inspections.result.published", actor=actor, obj=plan,
                       payload={"results": len(pending), "followups": followups, "revealed": reveal,
                                "complete": complete},
                       enterprises=[task.enterprise_id for task in pending],
                       changed=[Task.objects.filter(pk__in=[task.pk for task in pending])])
    return len(pending)


@transaction.atomic
def disclosure_order_cure(*, order: DisclosureOrder, cured_on: dt.date, actor) -> DisclosureOrder:
    """Record that the firm disclosed as ordered: the order then never lists it."""
    order = DisclosureOrder.objects.select_for_update().get(pk=order.pk)
    _require_agency(actor, order.agency_id, _("Agency"))
    if order.cured_on is not None or order.listed_at is not None:
        raise InspectionError({"cured_on": _("Disclosed on: this order is already closed (disclosed or listed).")})
    if cured_on is None or cured_on > timezone.localdate() or cured_on < order.ordered_on:
        raise InspectionError({"cured_on": _(
            "Disclosed on: enter the day the firm disclosed, between the order date and today.")})
    order.cured_on = cured_on
    order.save(update_fields=["cured_on"])
    audit_record(action="inspections.disclosure_order.cured", actor=actor, obj=order,
                 payload={"cured_on": cured_on.isoformat(), "on_time": cured_on <= order.due_on})
    return order


@transaction.atomic
def spot_check_publish(
    *, enterprise: Enterprise, agency: Agency, kind: str, checked_on: dt.date, result: str, actor
) -> SpotCheck:
    spot_check_check(agency_id=agency.pk, checked_on=checked_on, actor=actor)
    if result not in Result.values:
        raise InspectionError(_("Result: choose one of the listed result categories."), code="choice")
    from inspections.followups import spot_check_followups_create

    check = SpotCheck.objects.create(enterprise=enterprise, agency=agency, kind=kind, checked_on=checked_on,
                                     result=result, published_at=timezone.now())
    followups = spot_check_followups_create(check=check)
    publication_record(action="inspections.spot_check.published", actor=actor, obj=check,
                       payload={"result": result, "followups": followups}, enterprises=[enterprise.pk])
    return check


def _check_date(value: dt.date | None, field: str) -> None:
    if value is not None and value > timezone.localdate():
        raise InspectionError(_("%(field)s: the date cannot be in the future."), params={"field": field},
                              code="future")


def spot_check_check(*, agency_id: int | None, checked_on: dt.date | None, actor) -> None:
    """The guards of spot_check_publish, also run by the admin form so errors show on the form."""
    _require_agency(actor, agency_id, _("Inspecting agency"))
    _check_date(checked_on, _("Date"))


@transaction.atomic
def inspection_item_save(*, item: InspectionItem, actor) -> InspectionItem:
    """Create or change an entry of the one list; an item leaves the list by `active=False`."""
    if not actor_may_edit_items(actor):
        raise InspectionError(
            _("Inspection items: only the national administration maintains the one list."), code="national"
        )
    created = item.pk is None
    item.full_clean()
    item.save()
    # Item names show in every file with a published result of a plan that checks them.
    publication_record(
        action="inspections.item.created" if created else "inspections.item.changed",
        actor=actor,
        obj=item,
        payload={"code": item.code, "active": item.active},
        site_wide=not created,
    )
    return item


def inspector_check(*, inspector: Inspector, actor) -> None:
    _require_agency(actor, inspector.agency_id, _("Agency"))
    if inspector.pk:
        stored_agency = Inspector.objects.filter(pk=inspector.pk).values_list("agency_id", flat=True).first()
        if stored_agency != inspector.agency_id:
            # Frozen rosters name the inspector under its agency; moving it would rewrite them.
            raise InspectionError(_("Agency: an inspector cannot move to another agency; add a new entry."),
                                  code="agency_move")
        _require_agency(actor, stored_agency, _("Agency"))
    if inspector.user_id is not None:
        login_agency = staff_agency(inspector.user)
        if login_agency is None or login_agency.pk != inspector.agency_id:
            raise InspectionError(_("Staff login: link a login of the inspector's own agency."), code="login_agency")


@transaction.atomic
def inspector_save(*, inspector: Inspector, actor, items: Iterable[InspectionItem] | None = None) -> Inspector:
    """Create or change an inspector of the actor's agency; one leaves the roster by `active=False`."""
    inspector_check(inspector=inspector, actor=actor)
    created = inspector.pk is None
    inspector.full_clean()
    inspector.save()
    if items is not None:
        inspector.items.set(items)
    audit_record(
        action="inspections.inspector.created" if created else "inspections.inspector.changed",
        actor=actor,
        obj=inspector,
        payload={"code": inspector.code, "agency": inspector.agency_id, "active": inspector.active,
                 "items": sorted(inspector.items.values_list("code", flat=True))},
    )
    return inspector


def conflict_check(*, conflict: Conflict, actor) -> None:
    inspector = Inspector.objects.filter(pk=conflict.inspector_id).only("agency_id").first()
    _require_agency(actor, inspector.agency_id if inspector else None, _("Inspector"))
    if conflict.pk:
        stored = Conflict.objects.filter(pk=conflict.pk).values("inspector_id", "enterprise_id").first()
        if stored != {"inspector_id": conflict.inspector_id, "enterprise_id": conflict.enterprise_id}:
            raise InspectionError(
                _("Inspector and enterprise: a declared conflict keeps its pair; declare a new one instead."),
                code="pair",
            )
    _check_date(conflict.declared_on, _("Declared on"))


@transaction.atomic
def conflict_save(*, conflict: Conflict, actor) -> Conflict:
    """Declare a conflict of interest for an inspector of the actor's agency, or correct its reason or date."""
    conflict_check(conflict=conflict, actor=actor)
    created = conflict.pk is None
    conflict.full_clean()
    conflict.save()
    audit_record(
        action="inspections.conflict.declared" if created else "inspections.conflict.changed",
        actor=actor,
        obj=conflict,
        payload={"inspector": conflict.inspector_id, "enterprise": conflict.enterprise_id},
    )
    return conflict
