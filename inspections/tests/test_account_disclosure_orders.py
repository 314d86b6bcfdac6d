"""The enterprise's open orders to disclose on its own /account/: what must be disclosed, the
working-day deadline (portal.workdays.deadline_status) and the way to disclose."""

from __future__ import annotations

import pytest
from django.test import Client

from credit.tests.factories import AgencyFactory, EnterpriseAccountFactory, EnterpriseFactory, ago
from inspections.models import DisclosureOrder
from portal.workdays import add_working_days, working_days_between

pytestmark = pytest.mark.django_db


def _order(enterprise, *, ordered_days_ago: int, number: str, **extra) -> DisclosureOrder:
    ordered_on = ago(days=ordered_days_ago)
    due = add_working_days(ordered_on, 10)
    return DisclosureOrder.objects.create(
        enterprise=enterprise, agency=AgencyFactory(), number=number, source_label="双随机抽查 SJ-1",
        source_url="/inspections/plans/SJ-1/", ordered_on=ordered_on, due_on=due.date,
        due_provisional=due.provisional, **extra,
    )


def _body(account, language: str = "en") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(account.user)
    return client.get("/account/").content.decode()


def test_it_shows_the_open_orders_with_their_deadlines_and_the_way_to_disclose(today, now):
    account = EnterpriseAccountFactory()
    fresh = _order(account.enterprise, ordered_days_ago=1, number="责令-近")
    late = _order(account.enterprise, ordered_days_ago=30, number="责令-逾")
    _order(account.enterprise, ordered_days_ago=40, number="责令-已公示", cured_on=ago(days=20))
    _order(account.enterprise, ordered_days_ago=40, number="责令-已列入", listed_at=now)
    _order(EnterpriseFactory(), ordered_days_ago=1, number="责令-别家")
    body = _body(account)
    assert 'id="disclosure-orders-h"' in body
    assert body.index("责令-逾") < body.index("责令-近")  # the nearest deadline first
    assert "责令-已公示" not in body and "责令-已列入" not in body and "责令-别家" not in body
    assert f"{working_days_between(today, fresh.due_on)} working days left" in body
    assert "overdue since" in body and late.due_on < today
    assert '<a href="/inspections/plans/SJ-1/">双随机抽查 SJ-1</a>' in body
    assert 'href="/account/disclosures/"' in body
    assert "abnormal operations list" in body
    chinese = _body(account, "zh-hans")
    assert "责令公示" in chinese or "应公示的内容" in chinese


def test_it_shows_no_order_panel_when_there_is_none():
    account = EnterpriseAccountFactory()
    _order(account.enterprise, ordered_days_ago=40, number="责令-已公示", cured_on=ago(days=20))
    assert 'id="disclosure-orders-h"' not in _body(account)
