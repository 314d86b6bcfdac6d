"""The staff page of open orders to disclose, /inspections/staff/disclosure-orders/, and recording
the disclosure (services.disclosure_order_cure) from /inspections/staff/disclosure-orders/<id>/cure/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from credit.tests.factories import AgencyFactory, EnterpriseFactory, StaffFactory, ago
from inspections.models import DisclosureOrder
from portal.models import AuditEvent
from portal.testing.personas import grant_staff_permissions
from portal.workdays import add_working_days, working_days_between

pytestmark = pytest.mark.django_db

URL = "/inspections/staff/disclosure-orders/"
# Session, user, agency link, user and group permissions, the count and the page of orders with their
# enterprises: constant as rows grow.
ORDERS_QUERIES = 7


def _order(agency, *, ordered_days_ago: int, **extra) -> DisclosureOrder:
    ordered_on = ago(days=ordered_days_ago)
    due = add_working_days(ordered_on, 10)
    return DisclosureOrder.objects.create(
        enterprise=EnterpriseFactory(), agency=agency, number=f"责令-{DisclosureOrder.objects.count() + 1}",
        ordered_on=ordered_on, due_on=due.date, due_provisional=due.provisional, **extra,
    )


@pytest.fixture
def agency():
    return AgencyFactory(code="MR-110105", level="county", region_code="110105")


def _client(agency) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(grant_staff_permissions(StaffFactory(agency=agency).user))
    return client


def test_it_lists_the_agency_s_open_orders_by_deadline(agency, today):
    late = _order(agency, ordered_days_ago=30)
    fresh = _order(agency, ordered_days_ago=0)
    _order(agency, ordered_days_ago=40, cured_on=ago(days=35))
    _order(agency, ordered_days_ago=50, listed_at=timezone.now())
    _order(AgencyFactory(), ordered_days_ago=1)  # another agency's
    response = _client(agency).get(URL)
    assert response.status_code == 200
    assert [order.pk for order in response.context["orders"]] == [late.pk, fresh.pk]
    page = response.content.decode()
    with translation.override("en"):
        assert f"overdue since {date_format(late.due_on + dt.timedelta(days=1))}" in page
    assert f"{working_days_between(today, fresh.due_on)} working days left" in page
    assert f"/inspections/staff/disclosure-orders/{fresh.pk}/cure/" in page


def test_its_query_count_stays_constant_as_rows_grow(agency):
    client = _client(agency)
    _order(agency, ordered_days_ago=3)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for days in range(4, 10):
        _order(agency, ordered_days_ago=days)
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(response.context["orders"]) == 7
    assert len(few) == len(many) == ORDERS_QUERIES


def test_the_ordering_agency_records_the_disclosure_audited(agency):
    order = _order(agency, ordered_days_ago=5)
    client = _client(agency)
    url = f"/inspections/staff/disclosure-orders/{order.pk}/cure/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"cured_on": ago(days=1).isoformat()})
    assert response.status_code == 302 and response["Location"] == URL
    order.refresh_from_db()
    assert order.cured_on == ago(days=1)
    assert AuditEvent.objects.filter(action="inspections.disclosure_order.cured", object_id=str(order.pk)).exists()
    assert client.get(URL).context["orders"] == []
    # Closed: a second recording is refused on the field, nothing changes.
    response = client.post(url, {"cured_on": ago(days=1).isoformat()})
    assert response.status_code == 200 and "cured_on" in response.context["form"].errors


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01", "2026-02-30", "", "x"])
def test_a_bad_disclosure_date_is_a_form_error_naming_the_field(agency, value):
    order = _order(agency, ordered_days_ago=5)
    response = _client(agency).post(f"/inspections/staff/disclosure-orders/{order.pk}/cure/", {"cured_on": value})
    assert response.status_code == 200
    errors = response.context["form"].errors["cured_on"]
    assert errors[0].startswith("Disclosed on:")
    order.refresh_from_db()
    assert order.cured_on is None


def test_another_agency_s_order_is_not_found(agency):
    order = _order(agency, ordered_days_ago=5)
    other = _client(AgencyFactory())
    assert other.get(f"/inspections/staff/disclosure-orders/{order.pk}/cure/").status_code == 404
    assert other.post(f"/inspections/staff/disclosure-orders/{order.pk}/cure/",
                      {"cured_on": ago(days=1).isoformat()}).status_code == 404
    assert other.get(URL).context["orders"] == []


def test_the_staff_home_queue_gives_the_open_orders_by_deadline(agency, today):
    from inspections import parts
    from portal.access import Kind, Principal

    late, fresh = _order(agency, ordered_days_ago=30), _order(agency, ordered_days_ago=0)
    with CaptureQueriesContext(connection) as queries, translation.override("en"):
        items = parts.disclosure_order_queue_items(Principal(Kind.AGENCY_STAFF, agency=agency), today)
    assert len(queries) == 1
    assert [(item.deadline, item.url) for item in items] == [
        (late.due_on, f"{URL}#order-{late.pk}"),
        (fresh.due_on, f"{URL}#order-{fresh.pk}"),
    ]
    assert late.number in items[0].title
