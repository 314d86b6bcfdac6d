"""The staff objection queue /lists/staff/objections/: the objections the agency decides, open ones
by default, the nearest decision deadline first, each with working days left or overdue since."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.formats import date_format

from credit.tests.factories import EnterpriseFactory, StaffFactory, ago
from listings import services
from listings.models import ListEntry, Objection
from listings.tests.factories import make_entry, standard_agency
from portal.testing.personas import grant_staff_permissions
from portal.workdays import working_days_between

pytestmark = pytest.mark.django_db

URL = "/lists/staff/objections/"
# The page's queries whatever the number of rows: session, user, its agency link, user and group permissions,
# the count and the page of objections with their entries, lists and enterprises.
QUEUE_QUERIES = 7


def _objection(*, submitted_days_ago: int, listed_days_ago: int | None = None) -> Objection:
    entry = make_entry(enterprise=EnterpriseFactory(), listed_on=ago(days=listed_days_ago or submitted_days_ago + 2))
    return services.objection_submit(entry=entry, grounds="地址可以联系", submitted_on=ago(days=submitted_days_ago))


@pytest.fixture
def staff():
    return grant_staff_permissions(StaffFactory(agency=standard_agency("SAMR")).user)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_it_lists_open_objections_by_deadline_with_days_left_or_overdue(staff, today):
    late = _objection(submitted_days_ago=20)
    fresh = _objection(submitted_days_ago=0)
    accepted = _objection(submitted_days_ago=3)
    services.objection_accept(objection=accepted, actor=staff, accepted_on=ago(days=2))
    old = make_entry(enterprise=EnterpriseFactory(), listed_on=ago(years=4))
    decided = services.objection_submit(entry=old, grounds="x", submitted_on=ago(years=4) + dt.timedelta(days=3))
    services.objection_decide(objection=decided, upheld=False, reason="不予支持", actor=staff,
                              decided_on=ago(years=4) + dt.timedelta(days=5))

    response = _client(staff).get(URL)
    assert response.status_code == 200
    rows = response.context["objections"]
    accepted.refresh_from_db()
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert [row.pk for row in rows] == [late.pk, fresh.pk, accepted.pk]  # decided ones are left out
    page = response.content.decode()
    with translation.override("en"):
        assert f"overdue since {date_format(late.acceptance_due + dt.timedelta(days=1))}" in page
    left = working_days_between(today, fresh.acceptance_due)
    assert f"{left} working days left" in page
    assert rows[2].deadline.days_left == working_days_between(today, accepted.verification_due)

    decided_rows = _client(staff).get(URL, {"state": "decided"}).context["objections"]
    assert [row.pk for row in decided_rows] == [decided.pk]
    assert decided_rows[0].deadline is None
    # A value the filter does not know falls back to the open ones, never a 500.
    assert len(_client(staff).get(URL, {"state": "x"}).context["objections"]) == 3


def test_it_shows_only_the_objections_the_agency_decides(staff):
    _objection(submitted_days_ago=1)
    other = grant_staff_permissions(StaffFactory(agency=standard_agency("STA")).user)
    assert _client(other).get(URL).context["objections"] == []


def test_its_query_count_stays_constant_as_rows_grow(staff):
    client = _client(staff)
    _objection(submitted_days_ago=1)
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for days in range(2, 8):
        _objection(submitted_days_ago=days)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(response.context["objections"]) == 7
    assert len(few) == len(many) == QUEUE_QUERIES


def test_the_staff_home_queue_gives_the_objections_the_agency_decides_by_deadline(staff, today):
    from listings import parts
    from portal.access import Kind, Principal

    late, fresh = _objection(submitted_days_ago=20), _objection(submitted_days_ago=0)
    late.refresh_from_db()
    samr = standard_agency("SAMR")
    with CaptureQueriesContext(connection) as queries, translation.override("en"):
        items = parts.objection_queue_items(Principal(Kind.AGENCY_STAFF, agency=samr), today)
    assert len(queries) == 1
    assert [(item.deadline, item.url) for item in items] == [
        (late.acceptance_due, f"/lists/staff/objections/{late.pk}/"),
        (fresh.acceptance_due, f"/lists/staff/objections/{fresh.pk}/"),
    ]
    assert items[0].title.startswith("Decide whether to accept the objection")
    assert parts.objection_queue_items(Principal(Kind.AGENCY_STAFF, agency=standard_agency("STA")), today) == []
    assert ListEntry.objects.count() == 2
