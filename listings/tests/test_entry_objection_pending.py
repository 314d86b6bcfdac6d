"""The public entry page says when an objection is being handled, never what it says."""

from __future__ import annotations

import pytest
from django.test import Client

from credit.tests.factories import StaffFactory, ago
from listings import services
from listings.tests.factories import make_entry, standard_agency
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db

PENDING = "An objection to this entry is being handled."


def test_the_entry_page_says_an_objection_is_pending_without_its_grounds(today):
    entry = make_entry(listed_on=ago(days=5))
    body = Client().get(entry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert PENDING not in body
    objection = services.objection_submit(entry=entry, grounds="地址可以联系，请核实", submitted_on=today)
    body = Client().get(entry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert PENDING in body and 'role="status"' in body
    assert "地址可以联系" not in body
    zh = Client().get(entry.get_absolute_url()).content.decode()
    assert "异议正在处理中" in zh
    staff = grant_staff_permissions(StaffFactory(agency=standard_agency("SAMR")).user)
    services.objection_decide(objection=objection, upheld=False, reason="理由不成立", actor=staff)
    body = Client().get(entry.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert PENDING not in body
