"""The agency's yearly coverage against the 3% minimum (selectors.agency_year_coverage)."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache

from credit.tests.factories import AgencyFactory, EnterpriseFactory, StaffFactory
from inspections import selectors, services
from inspections.models import Plan, Result, Task
from inspections.tests.factories import InspectionItemFactory, InspectorFactory, PlanFactory, entropy_due
from inspections.tests.test_admin import grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def beijing():
    agency = AgencyFactory(code="AG-BJ", region_code="110000")
    item = InspectionItemFactory(code="ITEM-BASE")
    for _ in range(4):
        InspectorFactory(agency=agency, items=[item])
    return agency, item, StaffFactory(agency=agency).user


def draw(agency, item, user, *, year=None, statuses=("active",), reveal="immediate", ratio="1", **fields):
    plan = PlanFactory(agency=agency, items=[item], regions=["11"], statuses=list(statuses), reveal_policy=reveal,
                       ratio_a=ratio,
                       ratio_b=ratio, ratio_c=ratio, ratio_d=ratio, workload_cap=1000,
                       **({"year": year} if year else {}), **fields)
    plan = services.plan_commit(plan=plan, actor=user)
    entropy_due(plan)
    services.plan_entropy_enter(plan=plan, actor=user, public_entropy="1 2 3")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=user)
    plan.refresh_from_db()
    return plan


def test_it_counts_distinct_drawn_firms_of_the_year_over_the_firms_on_the_register_in_the_region(beijing, today):
    agency, item, user = beijing
    active = [EnterpriseFactory(region_code="110105", risk_class="ABCD"[i % 4]) for i in range(8)]
    EnterpriseFactory(region_code="110105", status="suspended")  # on the register, not in these plans' scope
    EnterpriseFactory(region_code="110105", status="deregistered")  # off the register
    EnterpriseFactory(region_code="310115")  # another region
    first = draw(agency, item, user)  # all 8 active firms
    second = draw(agency, item, user)  # the same 8 again: counted once
    assert first.tasks.count() == second.tasks.count() == 8
    draw(agency, item, user, year=today.year - 1)  # another year
    committed = services.plan_commit(plan=PlanFactory(agency=agency, items=[item]), actor=user)  # not drawn
    assert committed.tasks.count() == 0
    coverage = selectors.agency_year_coverage(agency, today.year, public=False)
    assert (coverage.drawn, coverage.registered) == (8, 9)
    assert coverage.percent == Decimal("88.89") and coverage.meets_minimum
    assert coverage.minimum == Decimal("0.03") and coverage.minimum_percent == 3
    assert {task.enterprise for task in first.tasks.all()} == set(active)


def test_it_compares_with_the_3_percent_minimum_exactly(beijing, today):
    agency, item, user = beijing
    for index in range(100):
        EnterpriseFactory(region_code="110105", risk_class="A", industry="X" if index < 3 else "Y")
    draw(agency, item, user, industries=["X"])  # 3 of 100: exactly 3%
    coverage = selectors.agency_year_coverage(agency, today.year, public=False)
    assert (coverage.drawn, coverage.registered, coverage.percent) == (3, 100, Decimal("3.00"))
    assert coverage.meets_minimum
    EnterpriseFactory(region_code="110105")  # 3 of 101 is below
    coverage = selectors.agency_year_coverage(agency, today.year, public=False)
    assert coverage.percent == Decimal("2.97") and not coverage.meets_minimum
    empty = selectors.agency_year_coverage(AgencyFactory(region_code="650000"), today.year, public=False)
    assert (empty.drawn, empty.registered, empty.meets_minimum) == (0, 0, False)


def test_the_public_count_leaves_out_unrevealed_selections_except_published_results(beijing, today):
    agency, item, user = beijing
    for index in range(8):
        EnterpriseFactory(region_code="110105", risk_class="ABCD"[index % 4])
    plan = draw(agency, item, user, reveal="on_publication")
    assert not plan.is_revealed
    assert selectors.agency_year_coverage(agency, today.year, public=False).drawn == 8
    assert selectors.agency_year_coverage(agency, today.year, public=True).drawn == 0
    for task in Task.objects.filter(plan=plan).order_by("position")[:3]:
        services.task_result_record(task=task, result=Result.NO_PROBLEM, findings="", completed_on=today,
                                    actor=user)
    services.plan_results_publish(plan=plan, actor=user)
    assert selectors.agency_year_coverage(agency, today.year, public=True).drawn == 3


def test_a_national_agency_covers_all_of_china(today):
    samr = AgencyFactory(code="SAMR", level="national", region_code="100000")
    EnterpriseFactory(region_code="110105")
    EnterpriseFactory(region_code="440305")
    assert selectors.agency_year_coverage(samr, today.year, public=True).registered == 2


def test_it_takes_two_queries_whatever_the_number_of_plans_and_tasks(beijing, today, django_assert_num_queries):
    agency, item, user = beijing
    for index in range(6):
        EnterpriseFactory(region_code="110105", risk_class="ABCD"[index % 4])
    for plans in (1, 3):
        while Plan.objects.filter(agency=agency).count() < plans:
            draw(agency, item, user)
        for public in (True, False):
            with django_assert_num_queries(2):
                selectors.agency_year_coverage(agency, today.year, public=public)


def test_the_plan_page_keeps_its_query_count_as_plans_and_tasks_grow(client, beijing, django_assert_num_queries):
    agency, item, user = beijing
    for index in range(6):
        EnterpriseFactory(region_code="110105", risk_class="ABCD"[index % 4])
    plan = draw(agency, item, user)
    with django_assert_num_queries(10):
        client.get(plan.get_absolute_url())
    for index in range(6):
        EnterpriseFactory(region_code="110105", risk_class="ABCD"[index % 4])
    draw(agency, item, user)
    draw(agency, item, user)
    cache.clear()  # factories register firms without the publication services
    with django_assert_num_queries(10):
        body = client.get(plan.get_absolute_url()).content.decode()
    assert "12 of the 12 firms on the register" in body


def test_the_staff_change_page_shows_the_coverage_to_the_agency_and_the_public_count_to_others(client, beijing):
    agency, item, user = beijing
    for index in range(8):
        EnterpriseFactory(region_code="110105", risk_class="ABCD"[index % 4])
    plan = draw(agency, item, user, reveal="on_publication")
    url = f"/admin/inspections/plan/{plan.pk}/change/"
    client.force_login(grant(user))
    body = client.get(url).content.decode()
    assert f"8 of the 8 firms on the register in the agency's region were drawn by its plans of {plan.year}: " \
           "100.00%." in body and "That meets the minimum of 3% a year." in body
    assert "Counted from the selections already public" not in body
    other = grant(StaffFactory(agency=AgencyFactory(code="AG-SH", region_code="310000")).user)
    client.force_login(other)
    body = client.get(url).content.decode()
    assert "0 of the 8 firms" in body and "below the minimum of 3% a year" in body
    assert "Counted from the selections already public" in body


def test_the_minimum_is_the_one_the_admin_warns_with():
    from inspections import admin

    assert selectors.MINIMUM_YEARLY_SHARE is admin.MINIMUM_YEARLY_SHARE
