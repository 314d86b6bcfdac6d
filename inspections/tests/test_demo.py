from __future__ import annotations

import io

import pytest

from credit.tests.factories import AgencyFactory, EnterpriseFactory
from inspections.demo import seed_demo_data
from inspections.models import Plan, PlanFile, PlanState, Task

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
