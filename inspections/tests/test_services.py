from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from credit.tests.factories import AgencyFactory, EnterpriseFactory, StaffFactory
from credit.tests.test_invalidation import file_html
from inspections import selectors, services
from inspections.draw import algorithm
from inspections.models import Conflict, Draw, PlanFile, PlanState, Result, Task, TaskMember
from inspections.tests.factories import InspectorFactory, PlanFactory, entropy_due
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=False)


def committed(setup_plan, **fields):
    plan, inspectors, user = setup_plan(**fields)
    plan = services.plan_commit(plan=plan, actor=user)
    return plan, inspectors, user


def drawn(setup_plan, **fields):
    plan, inspectors, user = committed(setup_plan, **fields)
    entropy_due(plan)
    services.plan_entropy_enter(plan=plan, actor=user, public_entropy="07 12 19 23 30 + 05")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=user)
    plan.refresh_from_db()
    return plan, inspectors, user


def test_it_freezes_the_inputs_and_publishes_the_commitment(setup_plan):
    plan, inspectors, user = setup_plan()
    Conflict.objects.create(inspector=inspectors[0], enterprise=selectors.plan_scope(plan).first(),
                            reason="relative", declared_on=dt.date(2026, 1, 5))
    plan = services.plan_commit(plan=plan, actor=user)
    files = {f.name: bytes(f.content) for f in PlanFile.objects.filter(plan=plan)}
    assert set(files) == {"parameters.json", "pool.csv", "roster.csv", "exclusions.csv"}
    assert plan.state == PlanState.COMMITTED
    assert plan.commitment == algorithm.sha256_hex(files["parameters.json"])
    assert files["pool.csv"].count(b"\n") == 13
    assert files["roster.csv"] == algorithm.roster_csv([i.code for i in inspectors])
    assert files["exclusions.csv"].count(b"\n") == 2
    params = __import__("json").loads(files["parameters.json"])
    assert params["secret_hash"] == algorithm.sha256_hex(bytes(plan.secret))
    assert params["ratios"] == {"A": "0.5", "B": "0.5", "C": "1", "D": "1"}
    assert AuditEvent.objects.filter(action="inspections.plan.committed").count() == 1
    with pytest.raises(services.InspectionError):
        services.plan_commit(plan=plan, actor=user)


def test_it_refuses_to_commit_with_a_roster_smaller_than_a_team(setup_plan):
    plan, inspectors, user = setup_plan(team_size=5)
    with pytest.raises(services.InspectionError) as problem:
        services.plan_commit(plan=plan, actor=user)
    assert "team size is 5" in str(problem.value)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT


def test_it_refuses_non_ascii_public_entropy_and_keeps_the_plan_committed(setup_plan):
    plan, _, user = committed(setup_plan)
    entropy_due(plan)
    with pytest.raises(services.InspectionError):
        services.plan_entropy_enter(plan=plan, actor=user, public_entropy="福彩3D 123")
    plan.refresh_from_db()
    assert plan.public_entropy == ""


def test_it_draws_once_and_matches_the_reference(setup_plan):
    plan, inspectors, user = drawn(setup_plan)
    assert plan.state == PlanState.DRAWN
    outcome = Draw.objects.get(plan=plan)
    files = {f.name: bytes(f.content) for f in PlanFile.objects.filter(plan=plan)}
    reference = algorithm.run_draw_from_files(files, secret=bytes(plan.secret), public_entropy=plan.public_entropy)
    assert files["result.csv"] == reference.result_csv()
    assert plan.seed == reference.seed == outcome.seed
    tasks = list(Task.objects.filter(plan=plan).order_by("position"))
    assert [t.uscc for t in tasks] == [row.uscc for row in reference.selected]
    assert [t.inspector_codes for t in tasks] == [";".join(row.team) for row in reference.selected]
    assert TaskMember.objects.filter(task__plan=plan).count() == sum(len(r.team) for r in reference.selected)
    # A second delivery does nothing.
    assert services.draw_execute(plan_id=plan.pk) is None
    assert Task.objects.filter(plan=plan).count() == len(tasks)
    assert AuditEvent.objects.filter(action="inspections.draw.completed").count() == 1
    reveal = __import__("json").loads(files["reveal.json"])
    assert reveal == {"commitment": plan.commitment, "secret": bytes(plan.secret).hex(),
                      "public_entropy": plan.public_entropy, "seed": plan.seed}


def test_it_leaves_a_failed_draw_committed_with_the_error_and_retries(setup_plan):
    plan, _, user = committed(setup_plan)
    entropy_due(plan)
    services.plan_entropy_enter(plan=plan, actor=user, public_entropy="123")
    from inspections.tasks import draw_plan

    with mock.patch("inspections.draw.algorithm.assign_teams", side_effect=RuntimeError("disk full")):
        with pytest.raises(RuntimeError):
            draw_plan.apply(args=[plan.pk], throw=True)
    plan.refresh_from_db()
    assert plan.state == PlanState.COMMITTED
    assert "disk full" in plan.draw_error
    assert not Task.objects.filter(plan=plan).exists()
    assert not PlanFile.objects.filter(plan=plan, name="result.csv").exists()
    draw_plan.apply(args=[plan.pk], throw=True)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN and plan.draw_error == ""
    assert plan.draw_attempts == 2


def test_it_refuses_to_draw_without_public_entropy(setup_plan):
    plan, _, user = committed(setup_plan)
    with pytest.raises(services.InspectionError):
        services.plan_draw_request(plan=plan, actor=user)


def test_it_assigns_an_unassigned_firm_by_hand_with_an_audit_event(setup_plan):
    plan, inspectors, user = drawn(setup_plan, workload_cap=1)
    unassigned = Task.objects.filter(plan=plan, inspector_codes="").first()
    assert unassigned is not None  # 4 inspectors at cap 1 form only 2 teams for 9 firms
    extra = inspectors[:2]
    Conflict.objects.create(inspector=extra[0], enterprise=unassigned.enterprise, reason="former employee",
                            declared_on=dt.date(2026, 1, 1))
    with pytest.raises(services.InspectionError) as problem:
        services.task_assign_manual(task=unassigned, inspectors=extra, actor=user)
    assert extra[0].code in str(problem.value)
    with pytest.raises(services.InspectionError):
        services.task_assign_manual(task=unassigned, inspectors=[extra[1]], actor=user)
    other = inspectors[2]
    task = services.task_assign_manual(task=unassigned, inspectors=[extra[1], other], actor=user)
    assert task.assigned_manually and task.inspector_codes == f"{extra[1].code};{other.code}"
    event = AuditEvent.objects.get(action="inspections.assignment.manual")
    assert event.actor == user and event.payload["inspectors"] == [extra[1].code, other.code]
    with pytest.raises(services.InspectionError):
        services.task_assign_manual(task=task, inspectors=[extra[1], other], actor=user)


def test_a_manual_team_takes_only_qualified_inspectors_of_the_frozen_roster(setup_plan):
    plan, inspectors, user = drawn(setup_plan, workload_cap=1)
    unassigned = Task.objects.filter(plan=plan, inspector_codes="").first()
    newcomer = InspectorFactory(agency=plan.agency, items=list(plan.items.all()))  # joined after the commit
    with pytest.raises(services.InspectionError) as problem:
        services.task_assign_manual(task=unassigned, inspectors=[inspectors[0], newcomer], actor=user)
    assert newcomer.code in str(problem.value) and "roster" in str(problem.value)
    inspectors[1].items.clear()  # lost the qualification since the commit
    with pytest.raises(services.InspectionError) as problem:
        services.task_assign_manual(task=unassigned, inspectors=[inspectors[0], inspectors[1]], actor=user)
    assert inspectors[1].code in str(problem.value) and "qualified" in str(problem.value)
    assert set(selectors.plan_manual_team_candidates(plan).values_list("code", flat=True)) == {
        inspectors[0].code, inspectors[2].code, inspectors[3].code}
    task = services.task_assign_manual(task=unassigned, inspectors=[inspectors[0], inspectors[2]], actor=user)
    assert task.is_assigned


def test_no_result_is_recorded_for_a_firm_without_a_team(setup_plan):
    plan, inspectors, user = drawn(setup_plan, workload_cap=1)
    unassigned = Task.objects.filter(plan=plan, inspector_codes="").first()
    with pytest.raises(services.InspectionError) as problem:
        services.task_result_record(task=unassigned, result=Result.NO_PROBLEM, findings="",
                                    completed_on=plan.checks_end_on, actor=user)
    assert "without a team" in str(problem.value)
    services.task_assign_manual(task=unassigned, inspectors=inspectors[:2], actor=user)
    task = services.task_result_record(task=unassigned, result=Result.NO_PROBLEM, findings="",
                                       completed_on=plan.checks_end_on, actor=user)
    assert task.result == Result.NO_PROBLEM


def test_it_records_and_publishes_results_and_invalidates_credit_files(setup_plan, django_capture_on_commit_callbacks):
    plan, _, user = drawn(setup_plan, reveal_policy="on_publication")
    assert plan.revealed_at is None
    task = Task.objects.filter(plan=plan).first()
    with pytest.raises(services.InspectionError):
        services.task_result_record(task=task, result=Result.FALSE_DISCLOSURE, findings="",
                                    completed_on=dt.date(2026, 10, 20), actor=user)
    services.task_result_record(task=task, result=Result.NO_PROBLEM, findings="",
                                completed_on=dt.date(2026, 10, 20), actor=user)
    assert plan.number not in file_html(task.enterprise)  # cached before the publication
    with django_capture_on_commit_callbacks(execute=True):
        count = services.plan_results_publish(plan=plan, actor=user)
    assert count == 1
    assert plan.number in file_html(task.enterprise)
    plan.refresh_from_db()
    task.refresh_from_db()
    # One result of ten: the plan is not "results published", and the draw stays secret,
    # until every selected firm's result is published.
    assert plan.state == PlanState.DRAWN and plan.published_at is None and plan.revealed_at is None
    assert task.published_at is not None
    with pytest.raises(services.InspectionError):
        services.task_result_record(task=task, result=Result.CORRECTED, findings="x",
                                    completed_on=dt.date(2026, 10, 20), actor=user)
    with pytest.raises(services.InspectionError):
        services.plan_results_publish(plan=plan, actor=user)
    assert AuditEvent.objects.filter(action="inspections.result.published").count() == 1


def test_it_excludes_inspectors_who_recently_inspected_the_firm(setup_plan):
    plan, inspectors, user = drawn(setup_plan)
    task = Task.objects.filter(plan=plan).exclude(inspector_codes="").first()
    from inspections.tests.factories import PlanFactory

    follow = PlanFactory(agency=plan.agency, items=list(plan.items.all()), number="SJ-NEXT")
    pairs = selectors.plan_exclusions(
        follow, roster=[i.code for i in inspectors], pool_usccs={task.uscc}
    )
    assert {(code, task.uscc) for code in task.inspector_codes.split(";")} <= pairs
    Task.objects.filter(plan=plan).update(completed_on=dt.date(2020, 1, 1))
    plan.__class__.objects.filter(pk=plan.pk).update(checks_end_on=dt.date(2020, 1, 1))
    assert not selectors.plan_exclusions(follow, roster=[i.code for i in inspectors], pool_usccs={task.uscc})


def test_it_computes_the_results_deadline_on_the_official_calendar(setup_plan):
    plan, _, _ = setup_plan(checks_end_on=dt.date(2026, 9, 25))
    # 20 working days after Fri 25 Sep 2026 across the National Day holiday: weekdays
    # 1, 2, 5, 6, 7 Oct are off and Sat 10 Oct is a make-up working day; Mon-Fri alone
    # would give 23 Oct.
    deadline = selectors.result_deadline(plan)
    assert deadline.provisional is False
    assert deadline.date == dt.date(2026, 10, 29)


def test_it_only_lets_a_draft_be_changed(setup_plan):
    plan, _, user = committed(setup_plan)
    plan.name = "changed"
    with pytest.raises(services.InspectionError):
        services.plan_save(plan=plan, actor=user)


def test_it_publishes_a_spot_check(db):
    enterprise = EnterpriseFactory()
    check = services.spot_check_publish(enterprise=enterprise, agency=AgencyFactory(), kind="即时信息抽查",
                                        checked_on=dt.date(2026, 3, 1), result=Result.NO_PROBLEM, actor=None)
    assert check.published_at is not None


def test_it_verifies_a_revealed_draw_with_the_management_command(setup_plan):
    from io import StringIO

    from django.core.management import CommandError, call_command

    plan, _, user = drawn(setup_plan)
    out = StringIO()
    call_command("verify_draw", plan.number, stdout=out)
    assert out.getvalue().startswith(f"MATCH: plan {plan.number}, 10 selected firms")
    Task.objects.filter(plan=plan, position=3).update(ticket="0" * 64)
    with pytest.raises(CommandError, match="line 4"):
        call_command("verify_draw", plan.number)
    stored = PlanFile.objects.get(plan=plan, name="result.csv")
    PlanFile.objects.filter(pk=stored.pk).update(content=bytes(stored.content).replace(b"\n", b"\nX", 1))
    with pytest.raises(CommandError, match="MISMATCH: result.csv line 2"):
        call_command("verify_draw", plan.number)


@pytest.mark.parametrize("stage", ["committed", "drawn"])
def test_the_management_command_says_not_revealed_yet_for_an_unrevealed_plan(setup_plan, stage):
    from django.core.management import CommandError, call_command

    if stage == "committed":
        plan, _, _ = committed(setup_plan)
    else:
        plan, _, _ = drawn(setup_plan, reveal_policy="on_publication")
        assert plan.state == PlanState.DRAWN and not plan.is_revealed
    with pytest.raises(CommandError) as outcome:
        call_command("verify_draw", plan.number)
    assert outcome.value.returncode == 3
    assert str(outcome.value).startswith(f"NOT REVEALED YET: plan {plan.number}: parameters.json matches the "
                                         f"commitment given {plan.commitment}")
    assert algorithm.time_string(plan.entropy_available_at) in str(outcome.value)
    # A changed frozen file is still a mismatch before the reveal.
    stored = PlanFile.objects.get(plan=plan, name="roster.csv")
    PlanFile.objects.filter(pk=stored.pk).update(content=bytes(stored.content) + b"INS-99999\n")
    with pytest.raises(CommandError, match="MISMATCH: roster.csv: sha256") as outcome:
        call_command("verify_draw", plan.number)
    assert outcome.value.returncode == 1


def test_it_lets_only_the_plans_own_agency_save_it(setup_plan):
    plan, _, user = setup_plan()
    outsider = StaffFactory(agency=AgencyFactory(code="AG-OUT")).user
    plan.name = "changed by another agency"
    with pytest.raises(services.InspectionError, match="only for its own agency"):
        services.plan_save(plan=plan, actor=outsider)
    plan.refresh_from_db()
    assert plan.name != "changed by another agency"
    assert not AuditEvent.objects.filter(action="inspections.plan.changed").exists()
    plan.name, plan.regions = "changed by its agency", ["11"]
    services.plan_save(plan=plan, actor=user)
    assert AuditEvent.objects.get(action="inspections.plan.changed").actor == user


@pytest.mark.parametrize(("level", "region_code", "regions", "allowed"), [
    ("municipal", "440300", [], False),
    ("municipal", "440300", ["44"], False),
    ("municipal", "440300", ["4403", "440305"], True),
    ("municipal", "440300", ["4403", "11"], False),
    ("provincial", "110000", ["11"], True),
    ("county", "110105", ["110105"], True),
    ("county", "110105", ["1101"], False),
    ("national", "100000", [], True),
    ("national", "100000", ["31"], True),
    ("national", "100000", ["3a"], False),
])
def test_it_keeps_a_plan_within_its_agencys_region(db, level, region_code, regions, allowed):
    agency = AgencyFactory(code="AG-R", level=level, region_code=region_code)
    plan = PlanFactory.build(agency=agency, regions=regions)
    if allowed:
        services.plan_save(plan=plan, actor=None)
        assert AuditEvent.objects.filter(action="inspections.plan.created").count() == 1
    else:
        with pytest.raises(services.InspectionError, match="Region code prefixes"):
            services.plan_save(plan=plan, actor=None)
        assert not type(plan).objects.exists()


def test_it_selects_only_firms_whose_region_starts_with_a_plan_prefix(db):
    inside = EnterpriseFactory(region_code="440305")
    EnterpriseFactory(region_code="110105")
    EnterpriseFactory(region_code="445300")
    plan = PlanFactory.build(regions=["4403"])
    assert list(selectors.plan_scope(plan)) == [inside]


def test_it_refuses_every_plan_step_to_another_agencys_staff(setup_plan):
    plan, _, user = setup_plan()
    outsider = StaffFactory(agency=AgencyFactory(code="AG-OUT")).user
    with pytest.raises(services.InspectionError, match="only for its own agency"):
        services.plan_commit(plan=plan, actor=outsider)
    plan = services.plan_commit(plan=plan, actor=user)
    entropy_due(plan)
    with pytest.raises(services.InspectionError, match="only for its own agency"):
        services.plan_entropy_enter(plan=plan, actor=outsider, public_entropy="1 2 3")
    services.plan_entropy_enter(plan=plan, actor=user, public_entropy="1 2 3")
    with pytest.raises(services.InspectionError, match="only for its own agency"):
        services.plan_draw_request(plan=plan, actor=outsider)
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=user)
    task = Task.objects.filter(plan=plan).first()
    with pytest.raises(services.InspectionError, match="only for its own agency"):
        services.task_result_record(task=task, result=Result.NO_PROBLEM, findings="",
                                    completed_on=dt.date(2026, 10, 28), actor=outsider)
    services.task_result_record(task=task, result=Result.NO_PROBLEM, findings="", completed_on=dt.date(2026, 10, 28),
                                actor=user)
    with pytest.raises(services.InspectionError, match="only for its own agency"):
        services.plan_results_publish(plan=plan, actor=outsider)
    assert services.plan_results_publish(plan=plan, actor=user) == 1
    unassigned = Task.objects.filter(plan=plan).first()
    Task.objects.filter(pk=unassigned.pk).update(inspector_codes="")
    with pytest.raises(services.InspectionError, match="only for its own agency"):
        services.task_assign_manual(task=unassigned, inspectors=[], actor=outsider)


def record(tasks, user):
    for task in tasks:
        services.task_result_record(task=task, result=Result.NO_PROBLEM, findings="",
                                    completed_on=dt.date(2026, 10, 20), actor=user)


def test_it_reveals_a_plan_on_publication_only_once_every_selected_firm_has_a_published_result(setup_plan):
    plan, _, user = drawn(setup_plan, reveal_policy="on_publication")
    tasks = list(Task.objects.filter(plan=plan).order_by("position"))
    record(tasks[:3], user)
    services.plan_results_publish(plan=plan, actor=user)
    record(tasks[3:-1], user)
    services.plan_results_publish(plan=plan, actor=user)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN and plan.published_at is None and plan.revealed_at is None
    assert [event.payload["revealed"] for event in
            AuditEvent.objects.filter(action="inspections.result.published").order_by("id")] == [False, False]
    record(tasks[-1:], user)
    services.plan_results_publish(plan=plan, actor=user)
    plan.refresh_from_db()
    assert plan.revealed_at is not None
    assert plan.state == PlanState.PUBLISHED and plan.published_at == plan.revealed_at
    assert AuditEvent.objects.filter(action="inspections.result.published").latest("id").payload["revealed"]


def test_it_keeps_an_immediately_revealed_plan_revealed_from_the_draw(setup_plan):
    plan, _, user = drawn(setup_plan, reveal_policy="immediate")
    revealed_at = plan.revealed_at
    assert revealed_at is not None
    record(Task.objects.filter(plan=plan)[:1], user)
    services.plan_results_publish(plan=plan, actor=user)
    plan.refresh_from_db()
    assert plan.revealed_at == revealed_at


def test_a_plan_whose_ratios_would_draw_no_firm_cannot_be_committed(setup_plan):
    # Formerly drawn and revealed at once with no task; now refused before the commitment.
    plan, _, user = setup_plan(reveal_policy="on_publication", ratio_a=0, ratio_b=0, ratio_c=0, ratio_d=0)
    with pytest.raises(services.InspectionError) as problem:
        services.plan_commit(plan=plan, actor=user)
    assert problem.value.code == "draws_no_firm"
    assert not PlanFile.objects.filter(plan=plan).exists()


def test_a_plan_that_would_draw_no_firm_cannot_be_committed(setup_plan):
    plan, _, user = setup_plan(regions=["659999"])  # no firm registered there
    with pytest.raises(services.InspectionError) as problem:
        services.plan_commit(plan=plan, actor=user)
    assert problem.value.code == "draws_no_firm" and "draw no firm" in str(problem.value)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT


def test_the_default_pool_leaves_out_deregistered_revoked_and_moved_out_firms(setup_plan):
    from credit.models import RegistrationStatus

    plan, _, _ = setup_plan()
    gone = [EnterpriseFactory(registration_authority=plan.agency, status=status) for status in (
        RegistrationStatus.DEREGISTERED, RegistrationStatus.REVOKED, RegistrationStatus.MOVED_OUT)]
    suspended = EnterpriseFactory(registration_authority=plan.agency, status=RegistrationStatus.SUSPENDED)
    plan.statuses = []
    scope = set(selectors.plan_scope(plan).values_list("pk", flat=True))
    assert suspended.pk in scope and not scope & {firm.pk for firm in gone}
    plan.statuses = [RegistrationStatus.DEREGISTERED]  # named explicitly: the agency's choice
    assert set(selectors.plan_scope(plan).values_list("pk", flat=True)) == {gone[0].pk}


def test_ratios_that_do_not_rise_with_the_risk_class_need_a_recorded_reason(setup_plan):
    from decimal import Decimal

    from django.core.exceptions import ValidationError

    plan, _, user = setup_plan()
    plan.regions = [services.agency_region_prefix(plan.agency)]
    plan.ratio_a, plan.ratio_d = Decimal("0.9"), Decimal("0.1")
    with pytest.raises(ValidationError) as problem:
        services.plan_save(plan=plan, actor=user)
    assert "ratio_reason" in problem.value.message_dict
    plan.ratio_reason = "本批次专项检查低风险企业集中的行业"
    services.plan_save(plan=plan, actor=user)
    plan.refresh_from_db()
    assert plan.ratio_reason.startswith("本批次")


def test_it_refuses_to_commit_without_a_future_entropy_time_naming_the_field(setup_plan, now):
    plan, _, user = setup_plan(entropy_available_at=None)
    with pytest.raises(services.InspectionError) as problem:
        services.plan_commit(plan=plan, actor=user)
    assert "entropy_available_at" in problem.value.error_dict
    assert problem.value.error_dict["entropy_available_at"][0].code == "entropy_time"
    # A time already past is refused too: the commitment must precede the value it names.
    type(plan).objects.filter(pk=plan.pk).update(entropy_available_at=now - dt.timedelta(minutes=1))
    with pytest.raises(services.InspectionError, match="must be later than the commitment"):
        services.plan_commit(plan=plan, actor=user)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT and not PlanFile.objects.filter(plan=plan).exists()


def test_it_names_the_entropy_time_in_the_committed_parameters(setup_plan, now):
    due = (now + dt.timedelta(days=2)).replace(hour=21, minute=30, second=0, microsecond=0)
    plan, _, user = committed(setup_plan, entropy_available_at=due)
    params = __import__("json").loads(bytes(PlanFile.objects.get(plan=plan, name="parameters.json").content))
    assert params["entropy_available_at"] == algorithm.time_string(due) == due.astimezone(dt.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    assert plan.committed_at < plan.entropy_available_at


def test_it_refuses_the_entropy_before_the_named_time_and_takes_it_after(setup_plan, clock):
    plan, _, user = committed(setup_plan)
    with pytest.raises(services.InspectionError) as problem:
        services.plan_entropy_enter(plan=plan, actor=user, public_entropy="1 2 3")
    error = problem.value.error_dict["public_entropy"][0]
    assert error.code == "entropy_early"
    assert "cannot be entered before then" in problem.value.messages[0]
    assert services._when(plan.entropy_available_at) in problem.value.messages[0]
    plan.refresh_from_db()
    assert plan.public_entropy == "" and plan.entropy_entered_at is None
    clock.move_to(plan.entropy_available_at)
    plan = services.plan_entropy_enter(plan=plan, actor=user, public_entropy="1 2 3")
    assert plan.entropy_entered_at >= plan.entropy_available_at > plan.committed_at


def test_a_plan_committed_before_entropy_times_existed_still_takes_its_entropy(setup_plan):
    plan, _, user = committed(setup_plan)
    type(plan).objects.filter(pk=plan.pk).update(entropy_available_at=None)
    plan = services.plan_entropy_enter(plan=plan, actor=user, public_entropy="4 5 6")
    assert plan.public_entropy == "4 5 6"


@pytest.mark.parametrize("field", services.SCOPE_FIELDS)
@pytest.mark.parametrize("value", [True, 1.5, 1e9, "11", [11], [None], None, {"a": "11"}, [""]])
def test_plan_save_refuses_a_scope_that_is_not_a_list_of_codes_naming_the_field(setup_plan, field, value):
    plan, _, user = setup_plan()
    setattr(plan, field, value)
    with pytest.raises(services.InspectionError) as problem:
        services.plan_save(plan=plan, actor=user)
    assert list(problem.value.error_dict) == [field]
    message = problem.value.messages[0]
    assert message.startswith(str(type(plan)._meta.get_field(field).verbose_name.capitalize()) + ":")
    assert problem.value.error_dict[field][0].code == "scope_list"
    plan.refresh_from_db()
    assert getattr(plan, field) != value


def test_plan_save_keeps_a_valid_scope(setup_plan):
    plan, _, user = setup_plan()
    plan.regions = [services.agency_region_prefix(plan.agency)]
    plan.entity_types, plan.industries = ["1100"], []
    services.plan_save(plan=plan, actor=user)
    plan.refresh_from_db()
    assert plan.entity_types == ["1100"] and plan.industries == []
def test_publishing_some_results_leaves_the_plan_drawn_with_n_of_m_published(setup_plan):
    """Issue 8: publishing 3 of the selected firms' results marked the whole plan "results published"."""
    plan, _, user = drawn(setup_plan, reveal_policy="immediate")
    tasks = list(Task.objects.filter(plan=plan).order_by("position"))
    record(tasks[:3], user)
    assert services.plan_results_publish(plan=plan, actor=user) == 3
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN and plan.published_at is None
    progress = selectors.plan_results_progress(plan)
    assert (progress.published, progress.total, progress.complete) == (3, len(tasks), False)
    assert AuditEvent.objects.filter(action="inspections.result.published").latest("id").payload["complete"] is False
    record(tasks[3:], user)
    services.plan_results_publish(plan=plan, actor=user)
    plan.refresh_from_db()
    assert plan.state == PlanState.PUBLISHED and plan.published_at is not None
    assert selectors.plan_results_progress(plan).complete


def test_it_publishes_only_the_selected_recorded_results(setup_plan):
    plan, _, user = drawn(setup_plan, reveal_policy="immediate")
    tasks = list(Task.objects.filter(plan=plan).order_by("position"))
    record(tasks[:4], user)
    # The second and a task without a result: only the recorded one is published.
    assert services.plan_results_publish(plan=plan, actor=user, tasks=[tasks[1], tasks[5].pk]) == 1
    assert list(Task.objects.filter(plan=plan, published_at__isnull=False)) == [tasks[1]]
    with pytest.raises(services.InspectionError, match="no recorded results"):
        services.plan_results_publish(plan=plan, actor=user, tasks=[tasks[5]])


def test_a_results_check_names_every_field_it_refuses(setup_plan, today):
    plan, _, user = drawn(setup_plan, reveal_policy="immediate")
    task = Task.objects.filter(plan=plan).exclude(inspector_codes="").first()
    with pytest.raises(services.InspectionError) as problem:
        services.task_result_record(task=task, result=Result.FALSE_DISCLOSURE, findings=" ",
                                    completed_on=today + dt.timedelta(days=1), actor=user)
    assert set(problem.value.error_dict) == {"completed_on", "findings"}
    task.refresh_from_db()
    assert task.result == ""
def test_it_records_a_batch_of_results_all_or_none_with_one_audit_event(setup_plan):
    plan, inspectors, user = drawn(setup_plan, workload_cap=1)
    assigned = list(Task.objects.filter(plan=plan).exclude(inspector_codes="").order_by("pk"))
    unassigned = Task.objects.filter(plan=plan, inspector_codes="").first()
    day = plan.checks_end_on
    # The rules of task_result_record hold for every task; one bad task records none.
    with pytest.raises(services.InspectionError) as problem:
        services.task_results_record(plan=plan, results={assigned[0].pk: (Result.NO_PROBLEM, "", day),
                                                          unassigned.pk: (Result.NO_PROBLEM, "", day)}, actor=user)
    assert "without a team" in str(problem.value)
    with pytest.raises(services.InspectionError):
        services.task_results_record(plan=plan, results={assigned[0].pk: (Result.CORRECTED, "", day)}, actor=user)
    assert not Task.objects.filter(plan=plan).exclude(result="").exists()
    results = {task.pk: (Result.CORRECTED, " 已整改 ", day) for task in assigned}
    assert services.task_results_record(plan=plan, results=results, actor=user) == len(assigned)
    recorded = Task.objects.filter(plan=plan, result=Result.CORRECTED)
    assert set(recorded.values_list("findings", flat=True)) == {"已整改"} and recorded.count() == len(assigned)
    event = AuditEvent.objects.get(action="inspections.results.recorded")
    assert event.actor == user and event.payload == {"results": len(assigned), "by_result": {"corrected": len(assigned)}}
    other = StaffFactory(agency=AgencyFactory(code="MR-OTHER"))
    with pytest.raises(Exception):  # noqa: B017, PT011 - another agency's staff is refused by portal.access
        services.task_results_record(plan=plan, results=results, actor=other.user)
