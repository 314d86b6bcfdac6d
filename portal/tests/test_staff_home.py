"""The staff home (/staff/, issue 8): every queue registered in portal.workbench, merged in
deadline order with working days left or overdue since, per agency."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.formats import date_format

from credit.tests.factories import EnterpriseFactory
from inspections.models import Plan, PlanState, Task
from inspections.selectors import result_deadline
from inspections.tests.factories import PlanFactory
from listings import services as listing_services
from listings.tests.factories import make_entry
from portal import workbench
from portal.workdays import working_days_between

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def objection_of(agency_firm_registrar, today):
    """An open objection to an abnormal-operations entry (the list SAMR, agency B, owns)."""
    firm = EnterpriseFactory(registration_authority=agency_firm_registrar)
    entry = make_entry(enterprise=firm, listed_on=today - dt.timedelta(days=5))
    return listing_services.objection_submit(entry=entry, grounds="地址可以联系", submitted_on=today, actor=None)


def drawn_plan(agency, *, checks_end_on, tasks: int) -> Plan:
    plan = PlanFactory(agency=agency, checks_end_on=checks_end_on)
    Plan.objects.filter(pk=plan.pk).update(state=PlanState.DRAWN)
    for index in range(tasks):
        firm = EnterpriseFactory(registration_authority=agency)
        Task.objects.create(plan=plan, enterprise=firm, number=f"{plan.number}-{index + 1:04d}", position=index + 1,
                            uscc=firm.uscc, risk_class=firm.risk_class, ticket=f"{index:064d}",
                            inspector_codes="INS-00001;INS-00002")
    plan.refresh_from_db()
    return plan


def test_it_merges_the_agencys_queues_in_deadline_order(personas, today, now):
    b = personas.agency_b
    objection = objection_of(b, today)
    overdue = drawn_plan(b, checks_end_on=today - dt.timedelta(days=60), tasks=2)
    far = drawn_plan(b, checks_end_on=today, tasks=1)  # results due in 20 working days: not yet in the queue
    drawn_plan(personas.agency_a, checks_end_on=today - dt.timedelta(days=60), tasks=1)  # another agency's
    Task.objects.filter(plan=overdue, position=2).update(published_at=now)  # published: done
    response = english(personas.client("staff_b")).get("/staff/")
    assert response.status_code == 200
    rows = response.context["page"].object_list
    assert [row.item.deadline for row in rows] == sorted(row.item.deadline for row in rows)
    assert [row.source.key for row in rows] == ["inspection_results", "objections"]
    body = response.content.decode()
    deadline = result_deadline(overdue).date
    since = date_format(deadline + dt.timedelta(days=1))
    assert f"overdue since {since} ({working_days_between(deadline, today)} working days)" in body
    left = working_days_between(today, objection.acceptance_due)
    assert f"{left} working days left" in body
    assert f"/lists/staff/objections/{objection.pk}/" in body
    assert f"/inspections/staff/plans/{overdue.number}/results/#task-" in body
    assert f"/inspections/staff/plans/{far.number}/results/#task-" not in body
    assert objection.entry.enterprise.uscc in body
    assert [(source.key, count) for source, count, _ in response.context["queue"].counts] == [
        ("objections", 1), ("removals", 0), ("repairs", 0), ("inspection_results", 1), ("disclosure_orders", 0)]
    # Every plan still taking results links its results table, due soon or not.
    assert f"/inspections/staff/plans/{far.number}/results/" in body


def test_another_agency_sees_only_its_own_queue_and_a_login_without_permissions_none(personas, today):
    objection_of(personas.agency_b, today)
    drawn_plan(personas.agency_b, checks_end_on=today - dt.timedelta(days=60), tasks=1)
    page = english(personas.client("staff_a")).get("/staff/")
    assert page.context["page"].paginator.count == 0
    assert "Nothing is waiting in your queues." in page.content.decode()
    bare = personas.client("staff_a_no_perms").get("/staff/")
    assert bare.status_code == 200 and bare.context["queue"].counts == []


def test_the_header_and_the_admin_index_link_the_staff_home(personas):
    client = english(personas.client("staff_a"))
    assert 'href="/staff/"' in client.get("/").content.decode()
    assert 'href="/staff/"' in client.get("/admin/").content.decode()
    assert 'href="/staff/"' not in english(personas.client("enterprise_a")).get("/").content.decode()


@pytest.mark.parametrize("objections, tasks", [(1, 2), (6, 60)])
def test_the_page_costs_the_same_queries_however_many_rows(personas, today, objections, tasks):
    for _ in range(objections):
        objection_of(personas.agency_b, today)
    drawn_plan(personas.agency_b, checks_end_on=today - dt.timedelta(days=60), tasks=tasks)
    drawn_plan(personas.agency_b, checks_end_on=today - dt.timedelta(days=90), tasks=tasks)
    client = personas.client("staff_b")
    client.get("/staff/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/staff/")
    assert response.context["page"].paginator.count == objections + 2 * tasks
    assert len(queries) == STAFF_HOME_QUERIES, [q["sql"][:100] for q in queries]
    if objections + 2 * tasks > 50:
        assert len(response.context["page"].object_list) == 50
        second = client.get("/staff/", {"page": 2})
        assert len(second.context["page"].object_list) == min(50, objections + 2 * tasks - 50)


# session, user, principal, permissions (user, groups), objections, removal applications, credit
# repair applications, plans, their tasks, the plans taking results (links), open orders to disclose.
STAFF_HOME_QUERIES = 12


def test_a_deadline_on_a_calendar_not_yet_published_is_marked_provisional(personas, today):
    later = dt.date(today.year + 2, 1, 15)
    source = workbench.QueueSource(key="test", title="Test", order=5, items=lambda principal, day: [
        workbench.QueueItem(kind="Test", title="Far", enterprise_name="某公司", enterprise_uscc="X", deadline=later,
                            url="/far/"),
        workbench.QueueItem(kind="Test", title="Past", enterprise_name="某公司", enterprise_uscc="X",
                            deadline=today - dt.timedelta(days=1), url="/past/", provisional=True),
    ])
    workbench.queue_source_register(source)
    try:
        # Only the test's queue (the apps' queues need permissions).
        queue = workbench.staff_queue(None, today, may=lambda perms: not perms)
    finally:
        workbench.queue_source_unregister("test")
    past, far = queue.rows
    assert (past.overdue, past.status.provisional, past.status.overdue_since) == (True, True, today)
    assert (far.overdue, far.status.provisional) == (False, True) and far.status.days_left > 200


def test_the_page_speaks_chinese_by_default(personas, today):
    objection_of(personas.agency_b, today)
    body = personas.client("staff_b").get("/staff/").content.decode()
    with translation.override("zh-hans"):
        for text in ("Staff home", "Work in deadline order", "Objections"):
            assert translation.gettext(text) != text and translation.gettext(text) in body
