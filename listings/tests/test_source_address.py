from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from credit.tests.factories import EnterpriseFactory, StaffFactory
from listings import services
from listings.models import ListEntry, validate_source_address
from listings.tests.factories import make_entry, standard_agency
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["/inspections/plans/DEMO-2026-01/", "https://www.samr.gov.cn/notice/1.html",
                                   "http://example.org/a?b=1"])
def test_it_accepts_an_absolute_address_or_a_site_path(value):
    validate_source_address(value)


@pytest.mark.parametrize("value", ["//evil.example/x", "javascript:alert(1)", "ftp://example.org/x",
                                   "inspections/plans/1/", "/a path/"])
def test_it_refuses_anything_else_naming_the_field(value):
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            validate_source_address(value)
        message = caught.value.messages[0]  # lazy: read while English is active
    assert message.startswith("Source address")


def test_it_stores_an_inspection_plan_path_that_passes_model_validation_and_links_it():
    entry = make_entry(listed_on=dt.date(2025, 9, 15), source_label="双随机抽查 DEMO-2026-01",
                       source_url="/inspections/plans/DEMO-2026-01/")
    entry = ListEntry.objects.get(pk=entry.pk)
    entry.full_clean()
    body = Client().get(entry.get_absolute_url()).content.decode()
    assert '<a href="/inspections/plans/DEMO-2026-01/" rel="noopener">双随机抽查 DEMO-2026-01</a>' in body
    other = make_entry(listed_on=dt.date(2025, 9, 15), source_url="https://www.samr.gov.cn/notice/1.html")
    body = Client().get(other.get_absolute_url()).content.decode()
    assert '<a href="https://www.samr.gov.cn/notice/1.html" rel="noopener">' in body


def test_it_refuses_a_bad_source_address_in_the_service():
    with pytest.raises(services.ListingError) as caught:
        make_entry(listed_on=dt.date(2025, 9, 15), source_url="javascript:alert(1)")
    assert (caught.value.code, caught.value.field) == ("invalid_source_address", "source_url")
    assert not ListEntry.objects.exists()


def test_it_takes_a_site_path_in_the_staff_form_and_keeps_a_bad_one_with_the_error():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(grant_staff_permissions(StaffFactory(agency=standard_agency("SAMR")).user))
    enterprise = EnterpriseFactory()
    form = {
        "uscc": enterprise.uscc, "reason_code": "unreachable", "decision_number": "京市监异〔2025〕9号",
        "deciding_agency": standard_agency("SAMR").pk, "decided_on": "2025-10-01", "listed_on": "2025-10-02",
        "source_url": "ftp://example.org/x",
    }
    response = client.post("/lists/staff/abnormal-operations/add/", form)
    assert response.status_code == 200
    assert "Source address: give an address" in response.content.decode()
    assert 'value="ftp://example.org/x"' in response.content.decode()
    response = client.post("/lists/staff/abnormal-operations/add/", {**form, "source_url": "/inspections/plans/P-1/"})
    assert response.status_code == 302
    assert ListEntry.objects.get(enterprise=enterprise).source_url == "/inspections/plans/P-1/"
