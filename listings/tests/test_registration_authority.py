"""The registration authority lists the firms it registered on the abnormal-operations list and
decides their objections and removals (listings.models.CreditList.may_list, ListEntry.actionable_by;
docs/rules.md section 4); the list's owner keeps its powers."""

from __future__ import annotations

import pytest
from django.test import Client

from credit.models import AgencyKind, AgencyLevel
from credit.tests.factories import AgencyFactory, EnterpriseAccountFactory, EnterpriseFactory, StaffFactory, ago
from listings import services
from listings.models import EntryState, ListEntry, Objection
from listings.tests.factories import make_entry, standard_agency
from portal.models import AuditEvent
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db

ADD = "/lists/staff/abnormal-operations/add/"


def _bureau(code: str, region: str):
    return AgencyFactory(code=code, name=f"{code}区市场监督管理局", level=AgencyLevel.COUNTY, region_code=region,
                         kind=AgencyKind.MARKET_REGULATION)


def _client(agency) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(grant_staff_permissions(StaffFactory(agency=agency).user))
    return client


@pytest.fixture
def bureaus():
    chaoyang, pudong = _bureau("MR-110105", "110105"), _bureau("MR-310115", "310115")
    return {
        "chaoyang": chaoyang,
        "pudong": pudong,
        "own_firm": EnterpriseFactory(registration_authority=chaoyang, region_code="110105"),
        "other_firm": EnterpriseFactory(registration_authority=pudong, region_code="310115"),
    }


def _form(enterprise, agency, **extra) -> dict:
    return {"uscc": enterprise.uscc, "reason_code": "unreachable", "decision_number": "朝市监异〔2026〕3号",
            "deciding_agency": agency.pk, "decided_on": ago(days=3).isoformat(), "listed_on": ago(days=2).isoformat(),
            **extra}


def test_a_district_bureau_lists_a_firm_it_registered(bureaus):
    client = _client(bureaus["chaoyang"])
    assert client.get(ADD).status_code == 200
    response = client.post(ADD, _form(bureaus["own_firm"], bureaus["chaoyang"]))
    assert response.status_code == 302
    entry = ListEntry.objects.get(enterprise=bureaus["own_firm"])
    assert response["Location"] == entry.get_absolute_url()
    assert (entry.deciding_agency, entry.state) == (bureaus["chaoyang"], EntryState.LISTED)
    assert entry.is_active
    assert AuditEvent.objects.filter(action="listings.entry.created", object_id=str(entry.pk)).exists()
    # Its staff see the entry's staff links on the public page.
    page = client.get(entry.get_absolute_url()).content.decode()
    assert f"/lists/staff/abnormal-operations/{entry.pk}/remove/" in page


def test_a_district_bureau_may_not_list_a_firm_registered_elsewhere(bureaus):
    client = _client(bureaus["chaoyang"])
    response = client.post(ADD, _form(bureaus["other_firm"], bureaus["chaoyang"]))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["uscc"]
    assert "registered by" in errors["uscc"][0] and bureaus["pudong"].name in errors["uscc"][0]
    assert not ListEntry.objects.exists()
    # The service says the same on the enterprise, whatever form was used.
    with pytest.raises(services.ListingError) as caught:
        make_entry(enterprise=bureaus["other_firm"], actor=StaffFactory(agency=bureaus["chaoyang"]).user,
                   deciding_agency=bureaus["chaoyang"])
    assert (caught.value.code, caught.value.field) == ("not_registration_authority", "enterprise")


def test_only_the_abnormal_operations_list_is_opened_to_registration_authorities(bureaus):
    client = _client(bureaus["chaoyang"])
    assert client.get("/lists/staff/serious-illegal/add/").status_code == 404
    # A tax office registers no firm: the abnormal-operations page is not its own.
    assert _client(standard_agency("STA")).get(ADD).status_code == 404


def test_the_listing_bureau_decides_objections_and_removal_another_bureau_gets_404(bureaus):
    chaoyang, pudong = bureaus["chaoyang"], bureaus["pudong"]
    own_staff = grant_staff_permissions(StaffFactory(agency=chaoyang).user)
    entry = make_entry(enterprise=bureaus["own_firm"], deciding_agency=chaoyang, actor=own_staff,
                       listed_on=ago(days=10))
    account = EnterpriseAccountFactory(enterprise=bureaus["own_firm"]).user
    objection = services.objection_submit(entry=entry, grounds="地址可以联系", actor=account)
    other = _client(pudong)
    for url in (f"/lists/staff/objections/{objection.pk}/", f"/lists/staff/abnormal-operations/{entry.pk}/remove/",
                f"/lists/staff/abnormal-operations/{entry.pk}/revoke/", f"{entry.get_absolute_url()}object/"):
        assert other.get(url).status_code == 404, url
    assert objection.pk not in [o.pk for o in other.get("/lists/staff/objections/").context["objections"]]

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(own_staff)
    url = f"/lists/staff/objections/{objection.pk}/"
    page = client.get(url).content.decode()
    assert "地址可以联系" in page  # the grounds are the deciding agency's to read
    assert client.post(url, {"decision": "accept"}).status_code == 302
    assert client.post(url, {"decision": "reject", "reason": "实地核查仍无法联系"}).status_code == 302
    objection.refresh_from_db()
    assert (objection.state, objection.deciding_agency) == (Objection.State.REJECTED, chaoyang)
    assert AuditEvent.objects.filter(action="listings.objection.rejected", object_id=str(objection.pk)).exists()

    response = client.post(f"/lists/staff/abnormal-operations/{entry.pk}/remove/",
                           {"removed_on": ago(days=1).isoformat(), "reason": "已变更住所"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.removing_agency) == (EntryState.REMOVED, chaoyang)
    assert AuditEvent.objects.filter(action="listings.entry.removed", object_id=str(entry.pk)).exists()


def test_the_owner_keeps_its_powers_over_a_bureau_s_entry(bureaus):
    entry = make_entry(enterprise=bureaus["own_firm"], deciding_agency=bureaus["chaoyang"], listed_on=ago(days=10))
    samr = _client(standard_agency("SAMR"))
    assert samr.get(f"/lists/staff/abnormal-operations/{entry.pk}/revoke/").status_code == 200
    assert entry.actionable_by(standard_agency("SAMR")) and entry.actionable_by(bureaus["chaoyang"])
    assert not entry.actionable_by(bureaus["pudong"])
    assert set(ListEntry.objects.actionable_by(bureaus["chaoyang"])) == {entry}
    assert not ListEntry.objects.actionable_by(bureaus["pudong"]).exists()


def test_the_admin_shows_the_grounds_to_the_listing_bureau_only(bureaus):
    entry = make_entry(enterprise=bureaus["own_firm"], deciding_agency=bureaus["chaoyang"], listed_on=ago(days=10))
    objection = services.objection_submit(entry=entry, grounds="住所可以联系到")
    url = f"/admin/listings/objection/{objection.pk}/change/"
    assert "住所可以联系到" in _client(bureaus["chaoyang"]).get(url).content.decode()
    assert "住所可以联系到" not in _client(bureaus["pudong"]).get(url).content.decode()
    changelist = _client(bureaus["chaoyang"]).get("/admin/listings/objection/?decided_by=mine")
    assert changelist.status_code == 200
    assert f"/lists/staff/objections/{objection.pk}/" in changelist.content.decode()
    other = _client(bureaus["pudong"]).get("/admin/listings/objection/")
    assert f"/lists/staff/objections/{objection.pk}/" not in other.content.decode()


def test_the_demo_registration_authorities_hold_the_staff_permissions():
    from credit.demo import STAFF_LOGINS, _staff_group

    group = _staff_group()
    codes = set(group.permissions.values_list("content_type__app_label", "codename"))
    for needed in ("add_listentry", "change_listentry", "add_objection", "change_objection"):
        assert ("listings", needed) in codes
    assert ("inspections", "change_disclosureorder") in codes
    assert {"MR-110105", "MR-310115", "MR-440305"} <= {code for _, code, _ in STAFF_LOGINS}
