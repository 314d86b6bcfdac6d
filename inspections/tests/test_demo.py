from __future__ import annotations

import io
import json

import pytest
from django.utils import timezone

from credit.models import Enterprise
from credit.tests.factories import AgencyFactory, EnterpriseFactory
from inspections.demo import seed_demo_data
from inspections.draw import algorithm
from inspections.models import Plan, PlanFile, PlanState, SpotCheck, Task

pytestmark = pytest.mark.django_db


def test_it_seeds_a_committed_and_a_revealed_plan_deterministically():
    agency = AgencyFactory(code="AG-DEMO")
    for index in range(60):
        EnterpriseFactory(risk_class="ABCD"[index % 4], registration_authority=agency, industry="FI"[index % 2])
    seed_demo_data(seed=7, stdout=io.StringIO())
    states = dict(Plan.objects.values_list("number", "state"))
    assert sorted(states.values()) == [PlanState.COMMITTED, PlanState.PUBLISHED]
    revealed = Plan.objects.get(state=PlanState.PUBLISHED)
    assert revealed.is_revealed and Task.objects.filter(plan=revealed, published_at__isnull=False).exists()
    first = {f.name: f.sha256 for f in PlanFile.objects.filter(plan=revealed)}
    assert "result.csv" in first
    from django.core.management import call_command

    out = io.StringIO()
    call_command("verify_draw", revealed.number, stdout=out)
    assert out.getvalue().startswith("MATCH")


def test_every_demo_plan_commits_before_its_entropy_exists_and_draws_after_it_is_entered():
    AgencyFactory(code="MR-110000", level="provincial", region_code="110000")
    AgencyFactory(code="MR-440300", level="municipal", region_code="440300")
    for index in range(60):
        EnterpriseFactory(risk_class="ABCD"[index % 4], region_code="110105" if index % 2 else "440305",
                          industry="FI"[index % 3 % 2])
    seed_demo_data(seed=7, stdout=io.StringIO())
    plans = list(Plan.objects.select_related("draw").order_by("number"))
    assert len(plans) == 2
    for plan in plans:
        params = json.loads(bytes(PlanFile.objects.get(plan=plan, name="parameters.json").content))
        assert params["entropy_available_at"] == algorithm.time_string(plan.entropy_available_at)
        assert plan.committed_at < plan.entropy_available_at, plan.number
        if plan.state == PlanState.COMMITTED:
            assert plan.entropy_entered_at is None and plan.entropy_available_at > timezone.now()
            continue
        times = [plan.entropy_available_at, plan.entropy_entered_at, plan.draw_started_at, plan.drawn_at,
                 plan.revealed_at]
        assert times == sorted(times), plan.number
        # The draw came before the checks whose results it published.
        assert plan.drawn_at.date() < min(plan.tasks.values_list("completed_on", flat=True))


def test_it_scopes_each_demo_plan_to_its_agencys_region():
    beijing = AgencyFactory(code="MR-110000", level="provincial", region_code="110000")
    shenzhen = AgencyFactory(code="MR-440300", level="municipal", region_code="440300")
    for index in range(40):
        risk = "ABCD"[index % 4]
        EnterpriseFactory(risk_class=risk, registration_authority=beijing, region_code="110105")
        EnterpriseFactory(risk_class=risk, registration_authority=shenzhen, region_code="440305", industry="FI"[index % 2])
        EnterpriseFactory(risk_class=risk, region_code="310115")
    seed_demo_data(seed=7, stdout=io.StringIO())
    revealed = Plan.objects.get(state=PlanState.PUBLISHED)
    committed = Plan.objects.get(state=PlanState.COMMITTED)
    assert (revealed.agency, revealed.regions) == (beijing, ["11"])
    assert (committed.agency, committed.regions) == (shenzhen, ["4403"])
    regions = set(Task.objects.filter(plan=revealed).values_list("enterprise__region_code", flat=True))
    assert regions == {"110105"} and Task.objects.filter(plan=revealed).count() >= 5
    pool = bytes(PlanFile.objects.get(plan=committed, name="pool.csv").content).decode().splitlines()[1:]
    shenzhen_usccs = set(Enterprise.objects.filter(region_code="440305").values_list("uscc", flat=True))
    assert pool and {line.split(",")[0] for line in pool} <= shenzhen_usccs
    assert set(SpotCheck.objects.values_list("enterprise__region_code", flat=True)) == {"110105"}


def test_it_falls_back_to_a_nationwide_national_plan_when_a_region_has_few_firms():
    AgencyFactory(code="MR-110000", level="provincial", region_code="110000")
    AgencyFactory(code="MR-440300", level="municipal", region_code="440300")
    samr = AgencyFactory(code="SAMR", level="national", region_code="100000")
    for index in range(30):
        EnterpriseFactory(risk_class="ABCD"[index % 4], region_code="310115", industry="FI"[index % 2])
    seed_demo_data(seed=7, stdout=io.StringIO())
    plans = list(Plan.objects.order_by("number").values_list("agency__code", "regions", "state"))
    assert plans == [("SAMR", [], PlanState.PUBLISHED), ("SAMR", [], PlanState.COMMITTED)]
    assert Task.objects.filter(plan__agency=samr).exists()


def test_the_draw_teams_every_firm_of_a_large_demo_plan():
    """More firms drawn than 8 inspectors can take (8 x cap 60 / team 2 = 240): the demo sizes
    the roster so the draw itself teams every firm, and records all results in one batch."""
    from inspections.models import Inspector
    from portal.models import AuditEvent

    beijing = AgencyFactory(code="MR-110000", level="provincial", region_code="110000")
    shenzhen = AgencyFactory(code="MR-440300", level="municipal", region_code="440300")
    for index in range(40):
        EnterpriseFactory(risk_class="ABCD"[index % 4], registration_authority=shenzhen, region_code="440305",
                          industry="FI"[index % 2])
    EnterpriseFactory.create_batch(850, risk_class="D", registration_authority=beijing, region_code="110105")
    seed_demo_data(seed=7, stdout=io.StringIO())
    revealed = Plan.objects.get(state=PlanState.PUBLISHED)
    tasks = Task.objects.filter(plan=revealed)
    assert tasks.count() > 240
    assert not tasks.filter(inspector_codes="").exists() and not tasks.filter(assigned_manually=True).exists()
    assert Inspector.objects.filter(agency=beijing).count() > 8
    assert not tasks.filter(published_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="inspections.results.recorded").count() == 2  # two publications
