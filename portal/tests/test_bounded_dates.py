"""Every staff date (the /lists/staff/ forms, the objection decision, the admin's date fields) takes
only real dates from 1900-01-01 to 2100-12-31 (portal.forms.BoundedDateField over
credit.models.PLAUSIBLE_YEARS), with a form error naming the field and the rule, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.utils import translation
from django.utils.translation import gettext_lazy

from credit.tests.factories import StaffFactory, ago
from listings import services
from listings.models import EntryState, ListEntry, Objection
from listings.tests.factories import make_entry, standard_agency
from portal.forms import BoundedDateField
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db

BAD = ["9999-12-31", "0001-01-01", "1899-12-31", "2101-01-01", "2026-02-30", "x", "99999-01-01", "2026-13-01"]


@pytest.mark.parametrize("value", BAD)
def test_the_field_refuses_an_implausible_or_unreal_date_naming_the_field_and_the_rule(value):
    field = BoundedDateField(label="Decision date")
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            field.clean(value)
        message = caught.value.messages[0]
    assert message.startswith("Decision date:")
    assert "1900-01-01" in message and "2100-12-31" in message


def test_the_field_takes_the_bounds_and_names_a_missing_date():
    field = BoundedDateField(label=gettext_lazy("Decision date"))
    assert field.clean("1900-01-01") == dt.date(1900, 1, 1)
    assert field.clean("2100-12-31") == dt.date(2100, 12, 31)
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            field.clean("")
        assert caught.value.messages == ["Decision date: this date is required."]
    with translation.override("zh-hans"):
        assert caught.value.messages == ["决定日期：必须填写日期。"]
    assert BoundedDateField(label="Listing date", required=False).clean("") is None


@pytest.fixture
def staff_client():
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(grant_staff_permissions(StaffFactory(agency=standard_agency("SAMR")).user))
    return client


@pytest.mark.parametrize("value", [*BAD, ""])
def test_the_staff_list_forms_refuse_a_bad_date_and_keep_the_input(staff_client, value):
    entry = make_entry(listed_on=ago(days=10))
    objection = services.objection_submit(entry=entry, grounds="地址可以联系", submitted_on=ago(days=5))
    cases = [
        ("/lists/staff/abnormal-operations/add/", "decided_on", {
            "uscc": entry.enterprise.uscc, "reason_code": "no_annual_report", "decision_number": "X-1",
            "deciding_agency": standard_agency("SAMR").pk, "decided_on": value,
        }),
        ("/lists/staff/abnormal-operations/add/", "listed_on", {
            "uscc": entry.enterprise.uscc, "reason_code": "no_annual_report", "decision_number": "X-1",
            "deciding_agency": standard_agency("SAMR").pk, "decided_on": ago(days=1).isoformat(), "listed_on": value,
        }),
        (f"/lists/staff/abnormal-operations/{entry.pk}/remove/", "removed_on", {"removed_on": value, "reason": "已整改"}),
        (f"/lists/staff/abnormal-operations/{entry.pk}/revoke/", "revoked_on", {"revoked_on": value, "reason": "错误"}),
        (f"/lists/staff/objections/{objection.pk}/", "decided_on", {"decision": "accept", "decided_on": value}),
    ]
    for url, field, data in cases:
        if field in ("listed_on", "decided_on") and value == "" and "objections" in url:
            continue  # the decision date may be left empty: today
        if field == "listed_on" and value == "":
            continue  # empty: today
        response = staff_client.post(url, data)
        assert response.status_code == 200, (url, field)
        errors = response.context["form"].errors
        assert field in errors, (url, field, errors)
        assert errors[field][0].split(":")[0] in {"Decision date", "Listing date", "Removal date", "Revocation date"}
        if value:
            assert f'value="{value}"' in response.content.decode(), (url, field)  # nothing entered is lost
    entry.refresh_from_db()
    objection.refresh_from_db()
    assert entry.state == EntryState.LISTED and objection.state == Objection.State.SUBMITTED
    assert ListEntry.objects.count() == 1


def test_the_objection_decision_date_cannot_precede_the_submission(staff_client):
    entry = make_entry(listed_on=ago(days=10))
    objection = services.objection_submit(entry=entry, grounds="地址可以联系", submitted_on=ago(days=5))
    url = f"/lists/staff/objections/{objection.pk}/"
    assert staff_client.post(url, {"decision": "accept", "decided_on": ago(days=2).isoformat()}).status_code == 302
    response = staff_client.post(url, {"decision": "reject", "reason": "x", "decided_on": ago(days=3).isoformat()})
    assert response.status_code == 200 and "decided_on" in response.context["form"].errors
    response = staff_client.post(url, {"decision": "reject", "reason": "x", "decided_on": ago(days=1).isoformat()})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert (objection.accepted_on, objection.decided_on) == (ago(days=2), ago(days=1))


@pytest.mark.parametrize("value", BAD)
def test_the_admin_date_fields_use_the_same_rule(personas, value):
    from credit.models import AdministrativePenalty, Severity

    request = RequestFactory().get("/admin/credit/administrativepenalty/add/")
    request.user = personas.users["staff_b"]
    form_class = admin.site._registry[AdministrativePenalty].get_form(request)
    assert isinstance(form_class.base_fields["decided_on"], BoundedDateField)
    with translation.override("en"):
        form = form_class(data={
            "enterprise": personas.firm_b.pk, "source_agency": personas.agency_b.pk, "document_number": "X-1",
            "decided_on": value, "violation_type": "虚假宣传", "content": "罚款", "fine_amount": "1",
            "severity": Severity.SERIOUS,
        })
        assert not form.is_valid()
        assert form.errors["decided_on"][0].startswith("Decision date:")
