"""The staff page's enterprise field is the one enterprise picker (credit.widgets)."""

from __future__ import annotations

import pytest
from django.test import Client

from credit.tests.factories import EnterpriseFactory, StaffFactory
from listings.models import ListEntry
from listings.tests.factories import standard_agency
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db
URL = "/lists/staff/abnormal-operations/add/"


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in text)


@pytest.fixture
def client():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(grant_staff_permissions(StaffFactory(agency=standard_agency("SAMR")).user))
    return client


def test_the_add_form_renders_the_autocomplete_picker_with_its_files(client):
    html = client.get(URL).content.decode()
    assert "admin-autocomplete" in html
    assert 'data-app-label="listings" data-model-name="listentry" data-field-name="enterprise"' in html
    assert 'data-ajax--url="/admin/autocomplete/"' in html
    # The admin's own static files, no inline script: the CSP (script-src 'self') holds.
    assert "admin/js/autocomplete.js" in html and "admin/js/vendor/select2/" in html
    assert "<script>" not in html


def test_the_picker_endpoint_answers_the_staff_pages_field(client):
    firm = EnterpriseFactory(name="星河测绘有限公司")
    response = client.get("/admin/autocomplete/", {
        "app_label": "listings", "model_name": "listentry", "field_name": "enterprise", "term": "星河",
    })
    assert response.json()["results"] == [{"id": str(firm.pk), "text": f"星河测绘有限公司 ({firm.uscc})"}]


def _form(enterprise_value, **extra):
    return {
        "uscc": enterprise_value, "reason_code": "unreachable", "decision_number": "京市监异〔2025〕9号",
        "deciding_agency": standard_agency("SAMR").pk, "decided_on": "2025-10-01", "listed_on": "2025-10-02",
        **extra,
    }


@pytest.mark.parametrize("how", ["id", "pasted", "full_width"])
def test_a_failed_validation_keeps_the_enterprise_shown_as_name_and_code(client, how):
    firm = EnterpriseFactory(name="星河测绘有限公司")
    value = {"id": str(firm.pk), "pasted": f"{firm.uscc[:9]} {firm.uscc[9:]}", "full_width": full_width(firm.uscc)}[how]
    response = client.post(URL, _form(value, decision_number=""))
    assert response.status_code == 200
    assert response.context["form"].errors["decision_number"]
    assert f'<option value="{firm.pk}" selected>星河测绘有限公司 ({firm.uscc})</option>' in response.content.decode()
    response = client.post(URL, _form(value))
    assert response.status_code == 302
    assert ListEntry.objects.filter(enterprise=firm).count() == 1


def test_a_pasted_code_that_breaks_a_rule_is_named_on_the_field(client):
    response = client.post(URL, _form("9111 0108"))
    assert response.status_code == 200
    assert "18 characters" in str(response.context["form"].errors["uscc"])
