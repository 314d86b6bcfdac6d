"""Who may do what in the inspections admin, as a matrix persona x address.

Personas: superuser; staff of agency A ("own"); staff of agency B ("other"); staff
without an agency; anonymous. Staff logins hold every inspections permission, so the
scoping under test is the agency rule, not Django's model permissions: without an agency
link nothing opens (403, portal.access). A row another agency keeps private is "not
found": Django's admin answers with a redirect to the admin index instead of a form.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission

from credit.models import AgencyLevel
from credit.tests.factories import AgencyFactory, EnterpriseFactory, StaffFactory, UserFactory
from inspections.models import Conflict, InspectionItem, Inspector, Result, SpotCheck
from inspections.tests.factories import InspectionItemFactory, InspectorFactory
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

PERSONAS = ["superuser", "own", "other", "no_agency", "anonymous"]


def grant(user):
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="inspections"))
    return user


@pytest.fixture
def world(db):
    agency_a, agency_b = AgencyFactory(code="AG-A"), AgencyFactory(code="AG-B")
    item = InspectionItemFactory(code="ITEM-1")
    enterprise = EnterpriseFactory()
    inspector_a = InspectorFactory(agency=agency_a, code="INS-A")
    inspector_b = InspectorFactory(agency=agency_b, code="INS-B")
    return {
        "agency_a": agency_a, "agency_b": agency_b, "item": item, "enterprise": enterprise,
        "inspector_a": inspector_a, "inspector_b": inspector_b,
        "conflict_a": Conflict.objects.create(inspector=inspector_a, enterprise=enterprise, reason="亲属",
                                              declared_on=dt.date(2026, 1, 5)),
        "conflict_b": Conflict.objects.create(inspector=inspector_b, enterprise=enterprise, reason="曾任职",
                                              declared_on=dt.date(2026, 1, 6)),
        "spot_a": SpotCheck.objects.create(enterprise=enterprise, agency=agency_a, kind="抽查A",
                                           checked_on=dt.date(2026, 2, 1), result=Result.NO_PROBLEM,
                                           published_at=dt.datetime(2026, 2, 2, tzinfo=dt.UTC)),
        "spot_b": SpotCheck.objects.create(enterprise=enterprise, agency=agency_b, kind="抽查B",
                                           checked_on=dt.date(2026, 2, 1), result=Result.NO_PROBLEM,
                                           published_at=dt.datetime(2026, 2, 2, tzinfo=dt.UTC)),
        "users": {
            "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
            "own": grant(StaffFactory(agency=agency_a).user),
            "other": grant(StaffFactory(agency=agency_b).user),
            "no_agency": grant(UserFactory(username="loose", is_staff=True)),
        },
    }


def login(client, world, persona):
    if persona != "anonymous":
        client.force_login(world["users"][persona])


def is_login_redirect(response, field=None):
    return response.status_code == 302 and response["Location"].startswith("/admin/login/")


def is_denied(response, field=None):
    return response.status_code == 403


def is_not_found(response, field=None):
    # Django's admin redirects a missing (here: hidden) object to the admin index.
    return response.status_code == 302 and response["Location"] == "/admin/"


def editable(response, field="name"):
    return response.status_code == 200 and f'name="{field}"' in response.content.decode()


def read_only(response, field="name"):
    return response.status_code == 200 and f'name="{field}"' not in response.content.decode()


# --- inspectors: own agency only; other agencies' rows are hidden ---------------------


@pytest.mark.parametrize(("persona", "listed"), [
    ("superuser", {"INS-A", "INS-B"}), ("own", {"INS-A"}), ("other", {"INS-B"}), ("no_agency", 403),
    ("anonymous", None),
])
def test_it_lists_only_the_own_agency_inspectors(client, world, persona, listed):
    login(client, world, persona)
    response = client.get("/admin/inspections/inspector/")
    if listed is None:
        assert is_login_redirect(response)
        return
    if listed == 403:
        assert is_denied(response)
        return
    assert response.status_code == 200
    shown = {row.code for row in response.context["cl"].result_list}
    assert shown == listed


@pytest.mark.parametrize(("persona", "expected"), [
    ("superuser", editable), ("own", editable), ("other", is_not_found), ("no_agency", is_denied),
    ("anonymous", is_login_redirect),
])
def test_it_opens_an_inspector_by_persona(client, world, persona, expected):
    login(client, world, persona)
    assert expected(client.get(f"/admin/inspections/inspector/{world['inspector_a'].pk}/change/"))


def inspector_data(world, agency, code="INS-NEW", active=True):
    data = {"agency": agency.pk, "code": code, "name": "新检查员", "user": "", "items": [world["item"].pk]}
    if active:
        data["active"] = "on"
    return data


@pytest.mark.parametrize(("persona", "status", "created"), [
    ("superuser", 302, True), ("own", 200, False), ("other", 302, True), ("no_agency", 403, False),
    ("anonymous", 302, False),
])
def test_it_adds_an_inspector_only_for_the_own_agency(client, world, persona, status, created):
    # Everybody posts agency B: the superuser may, B's staff own it, A's staff may not.
    login(client, world, persona)
    response = client.post("/admin/inspections/inspector/add/", inspector_data(world, world["agency_b"]))
    assert response.status_code == status
    assert Inspector.objects.filter(code="INS-NEW").exists() is created
    assert AuditEvent.objects.filter(action="inspections.inspector.created").count() == int(created)
    if persona == "own":
        assert "Select a valid choice" in response.content.decode()
        assert 'value="新检查员"' in response.content.decode()


def test_it_forces_the_own_agency_on_a_new_inspector(client, world):
    client.force_login(world["users"]["own"])
    form = client.get("/admin/inspections/inspector/add/").context["adminform"].form
    assert list(form.fields["agency"].queryset) == [world["agency_a"]]
    assert form.fields["agency"].initial == world["agency_a"].pk


def test_it_deactivates_instead_of_deleting_an_inspector_and_audits_it(client, world):
    client.force_login(world["users"]["own"])
    inspector = world["inspector_a"]
    url = f"/admin/inspections/inspector/{inspector.pk}/change/"
    assert client.get(f"/admin/inspections/inspector/{inspector.pk}/delete/").status_code == 403
    data = inspector_data(world, world["agency_a"], code=inspector.code, active=False)
    del data["agency"]
    assert client.post(url, data).status_code == 302
    inspector.refresh_from_db()
    assert inspector.active is False and list(inspector.items.all()) == [world["item"]]
    event = AuditEvent.objects.get(action="inspections.inspector.changed")
    assert event.actor == world["users"]["own"] and event.payload["active"] is False
    assert event.payload["items"] == ["ITEM-1"]


def test_it_ignores_another_agencys_change_post_for_an_inspector(client, world):
    client.force_login(world["users"]["other"])
    data = inspector_data(world, world["agency_b"], code="INS-A", active=False)
    response = client.post(f"/admin/inspections/inspector/{world['inspector_a'].pk}/change/", data)
    assert is_not_found(response)
    world["inspector_a"].refresh_from_db()
    assert world["inspector_a"].active is True
    assert not AuditEvent.objects.exists()


# --- declared conflicts: own agency's inspectors only; reasons stay private -----------


@pytest.mark.parametrize(("persona", "listed"), [
    ("superuser", {"INS-A", "INS-B"}), ("own", {"INS-A"}), ("other", {"INS-B"}), ("no_agency", 403),
    ("anonymous", None),
])
def test_it_lists_only_the_own_agency_conflicts(client, world, persona, listed):
    login(client, world, persona)
    response = client.get("/admin/inspections/conflict/")
    if listed is None:
        assert is_login_redirect(response)
        return
    if listed == 403:
        assert is_denied(response)
        return
    assert {row.inspector.code for row in response.context["cl"].result_list} == listed


@pytest.mark.parametrize(("persona", "expected"), [
    ("superuser", editable), ("own", editable), ("other", is_not_found), ("no_agency", is_denied),
    ("anonymous", is_login_redirect),
])
def test_it_opens_a_conflict_by_persona(client, world, persona, expected):
    login(client, world, persona)
    assert expected(client.get(f"/admin/inspections/conflict/{world['conflict_a'].pk}/change/"), "reason")


@pytest.mark.parametrize(("persona", "status", "created"), [
    ("superuser", 302, True), ("own", 200, False), ("other", 302, True), ("no_agency", 403, False),
    ("anonymous", 302, False),
])
def test_it_declares_a_conflict_only_for_the_own_agency_inspectors(client, world, persona, status, created):
    login(client, world, persona)
    enterprise = EnterpriseFactory()
    response = client.post("/admin/inspections/conflict/add/", {
        "inspector": world["inspector_b"].pk, "enterprise": enterprise.pk, "reason": "配偶任职",
        "declared_on": "2026-03-01"})
    assert response.status_code == status
    assert Conflict.objects.filter(enterprise=enterprise).exists() is created
    assert AuditEvent.objects.filter(action="inspections.conflict.declared").count() == int(created)
    if persona == "own":
        assert 'value="配偶任职"' in response.content.decode()


def test_it_corrects_an_own_conflict_through_the_service(client, world):
    client.force_login(world["users"]["own"])
    conflict = world["conflict_a"]
    assert client.get(f"/admin/inspections/conflict/{conflict.pk}/delete/").status_code == 403
    response = client.post(f"/admin/inspections/conflict/{conflict.pk}/change/",
                           {"reason": "近亲属任监事", "declared_on": "2099-01-01"})
    assert response.status_code == 200 and "the date cannot be in the future" in response.content.decode()
    response = client.post(f"/admin/inspections/conflict/{conflict.pk}/change/",
                           {"reason": "近亲属任监事", "declared_on": "2026-01-05"})
    assert response.status_code == 302
    conflict.refresh_from_db()
    assert conflict.reason == "近亲属任监事"
    assert AuditEvent.objects.get(action="inspections.conflict.changed").actor == world["users"]["own"]


# --- spot checks: published, readable by all staff, added only in the own name --------


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lists_spot_checks_read_only(client, world, persona):
    login(client, world, persona)
    response = client.get("/admin/inspections/spotcheck/")
    if persona == "anonymous":
        assert is_login_redirect(response)
        return
    if persona == "no_agency":
        assert is_denied(response)
        return
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 2
    for row in ("spot_a", "spot_b"):
        change = client.get(f"/admin/inspections/spotcheck/{world[row].pk}/change/")
        assert read_only(change, "kind")
        assert client.get(f"/admin/inspections/spotcheck/{world[row].pk}/delete/").status_code == 403


def spot_data(world, agency, checked_on="2026-03-02"):
    return {"enterprise": world["enterprise"].pk, "agency": agency.pk, "kind": "即时信息抽查",
            "checked_on": checked_on, "result": Result.NO_PROBLEM}


@pytest.mark.parametrize(("persona", "status", "created"), [
    ("superuser", 302, True), ("own", 200, False), ("other", 302, True), ("no_agency", 403, False),
    ("anonymous", 302, False),
])
def test_it_publishes_a_spot_check_only_in_the_own_agencys_name(client, world, persona, status, created):
    login(client, world, persona)
    response = client.post("/admin/inspections/spotcheck/add/", spot_data(world, world["agency_b"]))
    assert response.status_code == status
    assert SpotCheck.objects.filter(kind="即时信息抽查").exists() is created
    assert AuditEvent.objects.filter(action="inspections.spot_check.published").count() == int(created)


def test_it_sets_the_spot_check_publication_time_itself(client, world):
    client.force_login(world["users"]["own"])
    page = client.get("/admin/inspections/spotcheck/add/")
    assert "published_at" not in page.context["adminform"].form.fields
    assert list(page.context["adminform"].form.fields["agency"].queryset) == [world["agency_a"]]
    response = client.post("/admin/inspections/spotcheck/add/", spot_data(world, world["agency_a"], "2099-01-01"))
    assert response.status_code == 200 and "the date cannot be in the future" in response.content.decode()
    assert 'value="即时信息抽查"' in response.content.decode()
    response = client.post("/admin/inspections/spotcheck/add/", spot_data(world, world["agency_a"]))
    assert response.status_code == 302
    check = SpotCheck.objects.get(kind="即时信息抽查")
    assert check.agency == world["agency_a"] and check.published_at is not None
    assert AuditEvent.objects.get(action="inspections.spot_check.published").actor == world["users"]["own"]


# --- the one list: national maintenance only ------------------------------------------


@pytest.fixture
def national(world):
    samr = AgencyFactory(code="AG-NATIONAL", level=AgencyLevel.NATIONAL, region_code="100000")
    world["users"]["national"] = grant(StaffFactory(agency=samr).user)
    return world


@pytest.mark.parametrize(("persona", "expected", "may_add"), [
    ("superuser", editable, True), ("national", editable, True), ("own", read_only, False),
    ("other", read_only, False), ("no_agency", is_denied, False), ("anonymous", is_login_redirect, False),
])
def test_it_lets_only_the_national_level_edit_the_one_list(client, national, persona, expected, may_add):
    login(client, national, persona)
    item = national["item"]
    assert expected(client.get(f"/admin/inspections/inspectionitem/{item.pk}/change/"))
    response = client.post("/admin/inspections/inspectionitem/add/", {
        "code": "ITEM-NEW", "name": "新增事项", "name_en": "", "legal_basis": "条例", "kind": "general",
        "method": "desk", "active": "on"})
    assert InspectionItem.objects.filter(code="ITEM-NEW").exists() is may_add
    assert AuditEvent.objects.filter(action="inspections.item.created").count() == int(may_add)
    if persona not in ("anonymous",):
        assert response.status_code == (302 if may_add else 403)
        assert client.get(f"/admin/inspections/inspectionitem/{item.pk}/delete/").status_code == 403


def test_it_retires_an_item_by_deactivating_it_with_an_audit_event(client, national):
    client.force_login(national["users"]["national"])
    item = national["item"]
    response = client.post(f"/admin/inspections/inspectionitem/{item.pk}/change/", {
        "code": item.code, "name": item.name, "name_en": item.name_en, "legal_basis": item.legal_basis,
        "kind": item.kind, "method": item.method})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.active is False
    event = AuditEvent.objects.get(action="inspections.item.changed")
    assert event.payload == {"code": "ITEM-1", "active": False}


def test_it_links_an_inspector_only_to_a_login_of_its_agency(client, world):
    from inspections import services

    own_login = StaffFactory(agency=world["agency_a"]).user
    client.force_login(world["users"]["own"])
    form = client.get("/admin/inspections/inspector/add/").context["adminform"].form
    assert set(form.fields["user"].queryset) == {world["users"]["own"], own_login}
    data = inspector_data(world, world["agency_a"])
    data["user"] = world["users"]["other"].pk
    response = client.post("/admin/inspections/inspector/add/", data)
    assert response.status_code == 200 and not Inspector.objects.filter(code="INS-NEW").exists()
    stray = Inspector(agency=world["agency_a"], code="INS-STRAY", name="错挂", user=world["users"]["other"])
    with pytest.raises(services.InspectionError, match="login of the inspector's own agency"):
        services.inspector_save(inspector=stray, actor=None)
    data["user"] = own_login.pk
    assert client.post("/admin/inspections/inspector/add/", data).status_code == 302
    assert Inspector.objects.get(code="INS-NEW").user == own_login
