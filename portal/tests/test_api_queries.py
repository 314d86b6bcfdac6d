"""Every list and detail endpoint of /api/v1/ costs the same number of queries for 1 row as for
50 (the rows of a page, the sections of a file): no query per row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit.models import Severity
from credit.tests import factories as f

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    cache.clear()  # neither the kept body nor a cached count may hide a query
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured.captured_queries)


def same_cost(client, build, url) -> None:
    small, large = build(1), build(50)
    # Once first: what a process reads once (the search's copy of the planner's statistics).
    queries(client, url(small))
    counts = (queries(client, url(small)), queries(client, url(large)))
    assert counts[0] == counts[1], counts


def test_the_credit_file_with_rows_in_every_section(client):
    from inspections.models import Result, SpotCheck
    from listings.tests.factories import make_entry

    def build(n):
        enterprise = f.EnterpriseFactory()
        for i in range(n):
            holder = f.ShareholderFactory(enterprise=enterprise)
            f.CapitalContributionFactory(shareholder=holder)
            f.KeyPersonFactory(enterprise=enterprise)
            f.BranchFactory(enterprise=enterprise)
            f.ChangeRecordFactory(enterprise=enterprise)
            f.ChattelMortgageFactory(enterprise=enterprise)
            f.EquityPledgeFactory(enterprise=enterprise)
            f.LicenceFactory(enterprise=enterprise)
            f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None, severity=Severity.SERIOUS)
            f.JudicialAssistanceFactory(enterprise=enterprise)
            f.InstantDisclosureFactory(enterprise=enterprise)
            f.CommitmentLetterFactory(enterprise=enterprise)
            SpotCheck.objects.create(enterprise=enterprise, agency=enterprise.registration_authority, kind="抽查",
                                     checked_on=f.ago(days=30 + i), result=Result.NO_PROBLEM,
                                     published_at=f.local_time(f.ago(days=20)))
        f.AnnualReportFactory(enterprise=enterprise)
        make_entry(enterprise=enterprise)
        return enterprise

    same_cost(client, build, lambda e: f"/api/v1/enterprises/{e.uscc}/")


def test_the_search(client):
    def build(n):
        tag = f"查{n}询"
        for i in range(n):
            f.EnterpriseFactory(name=f"北京{tag}科技{i}有限公司")
        return tag

    same_cost(client, build, lambda tag: f"/api/v1/enterprises/?q={tag}")


def test_annual_reports_disclosures_and_letters(client):
    def build(n):
        enterprise = f.EnterpriseFactory()
        for i in range(n):
            f.AnnualReportFactory(enterprise=enterprise, year=f.today().year - 1 - (i % 3), version=1 + i // 3)
            f.InstantDisclosureFactory(enterprise=enterprise)
            f.CommitmentLetterFactory(enterprise=enterprise)
        return enterprise

    same_cost(client, build, lambda e: f"/api/v1/enterprises/{e.uscc}/annual-reports/")
    same_cost(client, build, lambda e: f"/api/v1/disclosures/?uscc={e.uscc}")
    same_cost(client, build, lambda e: f"/api/v1/commitment-letters/?uscc={e.uscc}")


def test_lists_and_entries(client):
    from listings.tests.factories import make_entry

    def build(n):
        return [make_entry(listed_on=f.ago(days=10 + i)) for i in range(n)][-1]

    same_cost(client, build, lambda e: "/api/v1/lists/")
    same_cost(client, build, lambda e: f"/api/v1/list-entries/?list={e.credit_list.code}")
    same_cost(client, build, lambda e: f"/api/v1/lists/{e.credit_list.code}/")
    same_cost(client, build, lambda e: f"/api/v1/list-entries/{e.pk}/")


def committed_plan_maker():
    from inspections import services
    from inspections.tests.factories import InspectionItemFactory, InspectorFactory, PlanFactory
    from portal.testing.personas import build_personas

    personas = build_personas()
    item = InspectionItemFactory(code="ITEM-API")
    for _ in range(3):
        InspectorFactory(agency=personas.agency_b, items=[item])

    def make(**kwargs):
        return services.plan_commit(plan=PlanFactory(agency=personas.agency_b, items=[item], **kwargs),
                                    actor=personas.users["staff_b"])

    return make


def test_plans_and_their_tasks(client):
    from inspections.models import Result, Task

    make = committed_plan_maker()

    def build(n):
        plans = [make() for _ in range(n)]
        plan = plans[-1]
        for i in range(n):
            enterprise = f.EnterpriseFactory()
            Task.objects.create(plan=plan, enterprise=enterprise, number=f"{plan.number}-{i:04d}", position=i + 1,
                                uscc=enterprise.uscc, risk_class="B", ticket=f"{i:064d}", result=Result.NO_PROBLEM,
                                completed_on=f.ago(days=3), published_at=f.local_time(f.ago(days=1)))
        return plan

    same_cost(client, build, lambda plan: "/api/v1/plans/")
    same_cost(client, build, lambda plan: f"/api/v1/plans/{plan.number}/")
    same_cost(client, build, lambda plan: f"/api/v1/plans/{plan.number}/tasks/")


def test_the_tasks_before_the_reveal_are_only_those_with_a_published_result(client):
    from inspections.models import Result, RevealPolicy, Task

    plan = committed_plan_maker()(reveal_policy=RevealPolicy.ON_PUBLICATION)
    shown, hidden = f.EnterpriseFactory(), f.EnterpriseFactory()
    for i, (enterprise, published) in enumerate([(shown, True), (hidden, False)]):
        Task.objects.create(plan=plan, enterprise=enterprise, number=f"{plan.number}-{i}", position=i + 1,
                            uscc=enterprise.uscc, risk_class="B", ticket=f"{i:064d}", result=Result.NO_PROBLEM,
                            completed_on=f.ago(days=3),
                            published_at=f.local_time(f.ago(days=1)) if published else None)
    tasks = client.get(f"/api/v1/plans/{plan.number}/tasks/").json()["results"]
    assert [t["enterprise"]["uscc"] for t in tasks] == [shown.uscc]
    detail = client.get(f"/api/v1/plans/{plan.number}/").json()
    assert detail["reveal"] is None and detail["revealed"] is False
    assert {file["name"] for file in detail["files"]} == {"parameters.json", "pool.csv", "roster.csv", "exclusions.csv"}
    assert dt.date.fromisoformat(detail["results_due"])
