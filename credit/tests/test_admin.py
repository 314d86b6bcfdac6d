"""Admin access for agency staff, as a matrix persona x address.

Personas: superuser; staff of agency A; staff of agency B; staff without an agency link
(with the same Django permissions, so only the missing link keeps them out); anonymous.
"""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit import models as m
from credit.tests.factories import (
    AgencyFactory,
    EnterpriseFactory,
    PenaltyFactory,
    StaffFactory,
    UserFactory,
    ago,
)
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

PENALTIES = "/admin/credit/administrativepenalty/"


def grant(user):
    perms = Permission.objects.filter(content_type__app_label="credit").exclude(codename__startswith="delete_")
    user.user_permissions.add(*perms)
    return user


@pytest.fixture
def world(client):
    agency_a = AgencyFactory(code="A", name="甲市场监督管理局")
    agency_b = AgencyFactory(code="B", name="乙市场监督管理局")
    enterprise_a = EnterpriseFactory(registration_authority=agency_a)
    enterprise_b = EnterpriseFactory(registration_authority=agency_b)
    users = {
        "superuser": UserFactory(username="root", is_staff=True, is_superuser=True),
        "staff_a": grant(StaffFactory(agency=agency_a, user__username="staff_a").user),
        "staff_b": grant(StaffFactory(agency=agency_b, user__username="staff_b").user),
        "staff_no_agency": grant(UserFactory(username="loose", is_staff=True)),
        "anonymous": None,
    }
    return {
        "a": agency_a,
        "b": agency_b,
        "enterprise_a": enterprise_a,
        "enterprise_b": enterprise_b,
        "penalty_a": PenaltyFactory(enterprise=enterprise_a, source_agency=agency_a),
        "penalty_b": PenaltyFactory(enterprise=enterprise_b, source_agency=agency_b),
        "users": users,
    }


def login(client, world, persona):
    user = world["users"][persona]
    if user is not None:
        client.force_login(user)


def penalty_post(world, *, enterprise, agency, **overrides):
    """A general penalty decided eight months ago: published for a year, so still shown."""
    decided_on = ago(months=8)
    data = {
        "enterprise": enterprise.pk,
        "source_agency": agency.pk,
        "document_number": f"京市监罚〔{decided_on.year}〕9号",
        "decided_on": decided_on.isoformat(),
        "violation_type": "发布虚假广告",
        "content": "罚款人民币二万元",
        "fine_amount": "20000",
        "severity": "general",
        "publication_ends_on": (decided_on + relativedelta(years=1, days=-1)).isoformat(),
        "_save": "Save",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "persona,expected",
    [("superuser", 200), ("staff_a", 200), ("staff_b", 200), ("staff_no_agency", 403), ("anonymous", 302)],
)
def test_it_shows_the_changelist_to_agency_staff_only(client, world, persona, expected):
    login(client, world, persona)
    response = client.get(PENALTIES)
    assert response.status_code == expected
    if expected == 302:
        assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    "persona,expected,editable",
    [
        ("superuser", 200, True),
        ("staff_a", 200, True),
        ("staff_b", 200, False),  # another agency's record: visible, read-only
        ("staff_no_agency", 403, None),
        ("anonymous", 302, None),
    ],
)
def test_it_lets_only_the_source_agency_edit_its_record(client, world, persona, expected, editable):
    login(client, world, persona)
    response = client.get(f"{PENALTIES}{world['penalty_a'].pk}/change/")
    assert response.status_code == expected
    if editable is not None:
        assert response.context["has_change_permission"] is editable


@pytest.mark.parametrize(
    "persona,expected,changed",
    [
        ("superuser", 302, True),
        ("staff_a", 302, True),
        ("staff_b", 403, False),
        ("staff_no_agency", 403, False),
        ("anonymous", 302, False),
    ],
)
def test_it_refuses_changes_to_another_agencys_record(client, world, persona, expected, changed):
    login(client, world, persona)
    penalty = world["penalty_a"]
    data = penalty_post(world, enterprise=world["enterprise_a"], agency=world["a"], violation_type="价格违法行为",
                        correction_note="原决定书违法类型录入有误")
    response = client.post(f"{PENALTIES}{penalty.pk}/change/", data)
    assert response.status_code == expected
    penalty.refresh_from_db()
    assert (penalty.violation_type == "价格违法行为") is changed
    assert AuditEvent.objects.filter(action="credit.penalty.corrected").exists() is changed


@pytest.mark.parametrize(
    "persona,expected,created",
    [
        ("superuser", 302, True),  # a superuser may record for any agency
        ("staff_a", 200, False),  # the form offers only agency A: B is not a valid choice
        ("staff_no_agency", 403, False),
        ("anonymous", 302, False),
    ],
)
def test_it_limits_new_records_to_the_staff_members_agency(client, world, persona, expected, created):
    login(client, world, persona)
    data = penalty_post(world, enterprise=world["enterprise_b"], agency=world["b"])
    response = client.post(f"{PENALTIES}add/", data)
    assert response.status_code == expected
    assert m.AdministrativePenalty.objects.filter(document_number=data["document_number"]).exists() is created
    if persona == "staff_a":
        assert "source_agency" in response.context["adminform"].form.errors


def test_it_offers_staff_only_their_own_agency_on_the_add_form(client, world):
    login(client, world, "staff_a")
    response = client.get(f"{PENALTIES}add/")
    field = response.context["adminform"].form.fields["source_agency"]
    assert list(field.queryset) == [world["a"]]
    assert field.initial == world["a"].pk


def test_it_publishes_a_new_record_with_an_audit_event_and_invalidates_the_file(
    client, world, django_capture_on_commit_callbacks
):
    login(client, world, "staff_a")
    enterprise = world["enterprise_b"]  # any enterprise; the source is what is scoped
    data = penalty_post(world, enterprise=enterprise, agency=world["a"])
    assert data["document_number"] not in client.get(enterprise.get_absolute_url()).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{PENALTIES}add/", data)
    assert response.status_code == 302
    penalty = m.AdministrativePenalty.objects.get(document_number=data["document_number"])
    assert penalty.source_agency == world["a"]
    assert penalty.published_at is not None
    event = AuditEvent.objects.get(action="credit.penalty.published")
    assert event.actor == world["users"]["staff_a"]
    assert event.object_id == str(penalty.pk)
    assert event.payload["enterprise_id"] == enterprise.pk
    # The file cached before the publication is not served: the next view shows the penalty.
    assert data["document_number"] in client.get(enterprise.get_absolute_url()).content.decode()


def test_it_forces_the_source_agency_even_for_a_crafted_save(rf, world):
    from django.contrib.admin.sites import site

    request = rf.post("/")
    request.user = world["users"]["staff_a"]
    model_admin = site._registry[m.AdministrativePenalty]
    penalty = m.AdministrativePenalty(enterprise=world["enterprise_a"], source_agency=world["b"], decided_on=dt.date(
        2026, 1, 5), violation_type="x", content="y", severity="minor")

    class Form:
        changed_data = ["source_agency"]

    model_admin.save_model(request, penalty, Form(), change=False)
    penalty.refresh_from_db()
    assert penalty.source_agency == world["a"]


@pytest.mark.parametrize("persona", ["superuser", "staff_a"])
def test_it_never_deletes_a_published_record(client, world, persona):
    login(client, world, persona)
    penalty = world["penalty_a"]
    response = client.post(f"{PENALTIES}{penalty.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert m.AdministrativePenalty.objects.filter(pk=penalty.pk).exists()
    changelist = client.get(PENALTIES)
    assert "delete_selected" not in changelist.context["action_form"].fields["action"].choices.__str__()


def test_it_withdraws_with_a_reason_and_keeps_the_record(client, world, django_capture_on_commit_callbacks):
    login(client, world, "staff_a")
    penalty = world["penalty_a"]
    action = {"action": "withdraw_records", "_selected_action": [penalty.pk]}
    confirm = client.post(PENALTIES, action)
    assert confirm.status_code == 200
    assert "reason" in confirm.context["form"].fields

    missing = client.post(PENALTIES, {**action, "apply": "1", "reason": ""})
    assert missing.status_code == 200
    assert "reason" in missing.context["form"].errors
    penalty.refresh_from_db()
    assert penalty.withdrawn_at is None

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(PENALTIES, {**action, "apply": "1", "reason": "经行政复议撤销"})
    assert done.status_code == 302
    penalty.refresh_from_db()
    assert penalty.withdrawn_at is not None
    assert penalty.withdrawal_reason == "经行政复议撤销"
    event = AuditEvent.objects.get(action="credit.penalty.withdrawn")
    assert event.payload["reason"] == "经行政复议撤销"
    # A withdrawn record is history: nobody edits it afterwards.
    page = client.get(f"{PENALTIES}{penalty.pk}/change/")
    assert page.context["has_change_permission"] is False


def test_it_skips_other_agencies_records_when_withdrawing(client, world):
    login(client, world, "staff_a")
    penalty_b = world["penalty_b"]
    client.post(PENALTIES, {"action": "withdraw_records", "_selected_action": [penalty_b.pk], "apply": "1",
                            "reason": "误录"})
    penalty_b.refresh_from_db()
    assert penalty_b.withdrawn_at is None
    assert not AuditEvent.objects.filter(action="credit.penalty.withdrawn").exists()


ENTERPRISES = "/admin/credit/enterprise/"


def enterprise_post(world, **overrides):
    data = {
        "uscc": "91110108551385082Q",
        "name": "北京测试科技有限公司",
        "name_en": "",
        "entity_type": "llc",
        "legal_representative": "",
        "legal_representative_name": "张三",
        "registered_capital": "100",
        "capital_currency": "CNY",
        "established_on": "2020-01-01",
        "registration_authority": world["a"].pk,
        "status": "active",
        "domicile": "北京市海淀区中关村大街1号",
        "business_scope": "技术开发",
        "region_code": "110108",
        "industry": "I",
        "risk_class": "B",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_it_rejects_a_bad_uscc_naming_the_rule(client, world):
    login(client, world, "staff_a")
    response = client.post(f"{ENTERPRISES}add/", enterprise_post(world, uscc="91110108551385082A"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors.as_data()["uscc"][0].code == "uscc_check"
    assert form["name"].value() == "北京测试科技有限公司"  # what was typed is kept
    assert not m.Enterprise.objects.filter(name="北京测试科技有限公司").exists()


def test_it_registers_an_enterprise_for_the_staff_members_authority(client, world):
    login(client, world, "staff_a")
    response = client.post(f"{ENTERPRISES}add/", enterprise_post(world, uscc="9111 0108-5513 8508 2q"))
    assert response.status_code == 302
    enterprise = m.Enterprise.objects.get(uscc="91110108551385082Q")
    assert enterprise.registration_authority == world["a"]
    assert enterprise.search_tokens
    assert AuditEvent.objects.filter(action="credit.enterprise.registered", object_id=str(enterprise.pk)).exists()


@pytest.mark.parametrize("persona,editable", [("superuser", True), ("staff_a", True), ("staff_b", False)])
def test_it_scopes_registration_data_to_the_registration_authority(client, world, persona, editable):
    login(client, world, persona)
    response = client.get(f"{ENTERPRISES}{world['enterprise_a'].pk}/change/")
    assert response.status_code == 200
    assert response.context["has_change_permission"] is editable


def test_it_keeps_the_penalty_changelist_query_count_flat(client, world):
    login(client, world, "staff_a")
    client.get(PENALTIES)  # warm the session and content types

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(PENALTIES).status_code == 200
        return len(ctx)

    few = count()
    for _ in range(15):
        PenaltyFactory(source_agency=world["b"])
    # session, user, agency link, count, page of penalties joined to enterprise and agency:
    # the same number of queries however many rows the page shows.
    assert count() == few


def test_it_shows_another_agencys_contributions_read_only(client, world):
    from credit.tests.factories import CapitalContributionFactory, ShareholderFactory

    shareholder = ShareholderFactory(enterprise=world["enterprise_a"], source_agency=world["a"])
    CapitalContributionFactory(shareholder=shareholder)
    url = f"/admin/credit/shareholder/{shareholder.pk}/change/"
    login(client, world, "staff_b")
    inline = client.get(url).context["inline_admin_formsets"][0]
    assert inline.has_change_permission is False and inline.has_add_permission is False
    client.force_login(world["users"]["staff_a"])
    inline = client.get(url).context["inline_admin_formsets"][0]
    assert inline.has_change_permission is True and inline.has_add_permission is True


def test_it_finds_an_enterprise_by_its_full_code(client, world):
    login(client, world, "staff_a")
    target = world["enterprise_b"]
    response = client.get(ENTERPRISES, {"q": target.uscc.lower()})
    assert list(response.context["cl"].result_list) == [target]


def test_it_refuses_a_barred_person_as_legal_representative_on_the_field(client, world, today):
    from listings.tests.factories import make_entry

    barred = m.Person.objects.create(name="李四", id_type="resident_id", id_number="110108198001010011")
    listed = EnterpriseFactory(legal_representative=barred)
    entry = make_entry(list_code="serious-illegal", enterprise=listed, reason_code="false_disclosure",
                       listed_on=today - dt.timedelta(days=30))
    login(client, world, "staff_a")
    enterprise = world["enterprise_a"]
    before = enterprise.legal_representative_id
    data = enterprise_post(world, uscc=enterprise.uscc, legal_representative=barred.pk, legal_representative_name="")
    response = client.post(f"{ENTERPRISES}{enterprise.pk}/change/", data)
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors["legal_representative"]
    assert "李四" in message and entry.bar_ends_on.isoformat() in message and "法定代表人" in message
    enterprise.refresh_from_db()
    assert enterprise.legal_representative_id == before  # refused, nothing saved


@pytest.mark.parametrize("persona", ["superuser", "staff_a"])
def test_it_keeps_the_uscc_of_a_registered_enterprise_read_only(client, world, persona):
    login(client, world, persona)
    enterprise = world["enterprise_a"]
    address = f"{ENTERPRISES}{enterprise.pk}/change/"
    assert "uscc" not in client.get(address).context["adminform"].form.fields
    response = client.post(address, enterprise_post(world, uscc="91110108551385082Q", name="改名后的公司"))
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.name == "改名后的公司"
    assert enterprise.uscc != "91110108551385082Q"


def test_it_lets_the_uscc_be_entered_when_registering(client, world):
    login(client, world, "staff_a")
    assert "uscc" in client.get(f"{ENTERPRISES}add/").context["adminform"].form.fields


def test_it_copies_a_persons_new_name_to_the_enterprises_they_represent(
    client, world, django_capture_on_commit_callbacks
):
    person = world["enterprise_a"].legal_representative
    other = EnterpriseFactory(registration_authority=world["b"], legal_representative=person)
    unrelated = world["enterprise_b"]
    def shown_name(enterprise):
        return "李更名" in client.get(enterprise.get_absolute_url()).content.decode()

    assert not any(shown_name(enterprise) for enterprise in (world["enterprise_a"], other, unrelated))
    login(client, world, "superuser")
    data = {"name": "李更名", "id_type": person.id_type, "id_number": person.id_number, "_save": "Save"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/credit/person/{person.pk}/change/", data)
    assert response.status_code == 302
    assert set(m.Enterprise.objects.filter(legal_representative_name="李更名")) == {world["enterprise_a"], other}
    # Both files cached before the rename show the new name on the next view.
    assert shown_name(world["enterprise_a"]) and shown_name(other) and not shown_name(unrelated)
    event = AuditEvent.objects.get(action="credit.person.changed", object_id=str(person.pk))
    assert event.payload["enterprises_renamed"] == 2


@pytest.mark.parametrize(
    "severity,ends_on,stored",
    [
        ("minor", "", dt.date(2026, 5, 31)),
        ("general", "", dt.date(2027, 2, 28)),
        ("serious", "", dt.date(2029, 2, 28)),
        ("serious", "2027-03-01", dt.date(2027, 3, 1)),  # shorter than the maximum is the agency's call
        ("serious", "2027-02-28", dt.date(2027, 2, 28)),  # exactly the 1-year minimum
        ("general", "2026-05-31", dt.date(2026, 5, 31)),  # exactly the 3-month minimum
        ("minor", "2026-03-01", dt.date(2026, 3, 1)),
    ],
)
def test_it_ties_the_penalty_publication_end_to_the_severity_class(client, world, severity, ends_on, stored):
    login(client, world, "staff_a")
    data = penalty_post(world, enterprise=world["enterprise_a"], agency=world["a"], severity=severity,
                        decided_on="2026-03-01", publication_ends_on=ends_on, document_number="期限测试")
    assert client.post(f"{PENALTIES}add/", data).status_code == 302
    assert m.AdministrativePenalty.objects.get(document_number="期限测试").publication_ends_on == stored


@pytest.mark.parametrize(
    "severity,ends_on,rule",
    [
        ("minor", "2026-06-01", "3 个月"),
        ("general", "2027-03-01", "1 年"),
        ("serious", "2029-03-01", "3 年"),
        ("serious", "2026-02-28", "决定日期"),
        ("general", "2026-05-30", "至少公示 3 个月"),
        ("serious", "2027-02-27", "至少公示 1 年"),
    ],
)
def test_it_refuses_a_penalty_publication_end_beyond_the_class_maximum(client, world, severity, ends_on, rule):
    login(client, world, "staff_a")
    data = penalty_post(world, enterprise=world["enterprise_a"], agency=world["a"], severity=severity,
                        decided_on="2026-03-01", publication_ends_on=ends_on, document_number="期限测试")
    response = client.post(f"{PENALTIES}add/", data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    message = form.errors["publication_ends_on"][0]
    assert "公示截止" in message and rule in message
    assert form["violation_type"].value() == "发布虚假广告"  # what was typed is kept
    assert not m.AdministrativePenalty.objects.filter(document_number="期限测试").exists()


def test_it_refuses_a_serious_penalty_published_forever_in_the_service(world):
    from django.core.exceptions import ValidationError

    from credit import services

    penalty = PenaltyFactory.build(enterprise=world["enterprise_a"], source_agency=world["a"], severity="serious",
                                   decided_on=dt.date(2026, 1, 10), publication_ends_on=dt.date(2030, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.credit_object_save(obj=penalty, actor=world["users"]["staff_a"])
    assert excinfo.value.error_dict["publication_ends_on"][0].code == "publication_too_long"
    penalty.publication_ends_on = None
    services.credit_object_save(obj=penalty, actor=world["users"]["staff_a"])
    assert penalty.publication_ends_on == dt.date(2029, 1, 9)


def test_it_refuses_a_publication_shorter_than_the_class_minimum_in_the_service(world):
    from django.core.exceptions import ValidationError

    from credit import services

    penalty = PenaltyFactory.build(enterprise=world["enterprise_a"], source_agency=world["a"], severity="general",
                                   decided_on=dt.date(2026, 1, 10), publication_ends_on=dt.date(2026, 2, 10))
    with pytest.raises(ValidationError) as excinfo:
        services.credit_object_save(obj=penalty, actor=world["users"]["staff_a"])
    assert excinfo.value.error_dict["publication_ends_on"][0].code == "publication_too_short"
    assert services.penalty_publication_earliest_end(severity="minor", decided_on=dt.date(2026, 1, 10)) is None


def test_a_warning_only_penalty_is_recorded_but_never_published(client, world):
    from credit import selectors, services
    from credit.selectors import credit_file

    login(client, world, "staff_a")
    ended = credit_file(enterprise=world["enterprise_a"])["penalties_ended"]
    data = penalty_post(world, enterprise=world["enterprise_a"], agency=world["a"], severity="minor",
                        decided_on=ago(days=10).isoformat(), publication_ends_on="", document_number="警告测试",
                        warning_only="on")
    assert client.post(f"{PENALTIES}add/", data).status_code == 302
    warning = m.AdministrativePenalty.objects.get(document_number="警告测试")
    assert warning.warning_only and warning.published_at is not None
    shown = credit_file(enterprise=world["enterprise_a"])
    assert warning.pk not in [p.pk for p in shown["penalties"]]
    assert shown["penalties_ended"] == ended  # never published, so not counted as ended either
    assert warning.pk not in [p.pk for p in selectors.latest_penalties(limit=100)]
    client.logout()
    assert "警告测试" not in client.get(f"/enterprises/{world['enterprise_a'].uscc}/").content.decode()
    warning.warning_only = False
    services.credit_object_save(obj=warning, actor=None, correction_reason="不仅是警告")
    assert warning.pk in [p.pk for p in credit_file(enterprise=world["enterprise_a"])["penalties"]]


def test_it_refuses_to_correct_a_published_record_without_a_reason(client, world):
    login(client, world, "staff_a")
    penalty = world["penalty_a"]
    data = penalty_post(world, enterprise=world["enterprise_a"], agency=world["a"], violation_type="价格违法行为")
    response = client.post(f"{PENALTIES}{penalty.pk}/change/", data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "更正原因" in form.errors["correction_note"][0]
    assert form["violation_type"].value() == "价格违法行为"  # what was typed is kept
    penalty.refresh_from_db()
    assert penalty.violation_type != "价格违法行为" and penalty.corrected_at is None


def test_it_asks_for_a_correction_reason_only_on_the_change_form(client, world):
    login(client, world, "staff_a")
    assert "correction_note" not in client.get(f"{PENALTIES}add/").context["adminform"].form.fields
    change = client.get(f"{PENALTIES}{world['penalty_a'].pk}/change/")
    assert "correction_note" in change.context["adminform"].form.fields


def test_it_keeps_old_and_new_values_and_the_reason_of_a_correction(client, world, django_capture_on_commit_callbacks):
    login(client, world, "staff_a")
    penalty = world["penalty_a"]
    old_violation = penalty.violation_type
    data = penalty_post(world, enterprise=world["enterprise_a"], agency=world["a"], violation_type="价格违法行为",
                        fine_amount="30000", correction_note="原决定书违法类型录入有误")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{PENALTIES}{penalty.pk}/change/", data).status_code == 302
    event = AuditEvent.objects.get(action="credit.penalty.corrected", object_id=str(penalty.pk))
    assert event.payload["reason"] == "原决定书违法类型录入有误"
    assert event.payload["changes"]["violation_type"] == {"old": old_violation, "new": "价格违法行为"}
    assert event.payload["changes"]["fine_amount"] == {"old": "50000.00", "new": "30000.00"}
    penalty.refresh_from_db()
    assert penalty.corrected_at is not None and penalty.correction_reason == "原决定书违法类型录入有误"
    # The public file says it, next to the record.
    response = client.get(f"/enterprises/{world['enterprise_a'].uscc}/")
    body = response.content.decode()
    assert "更正于" in body and "原决定书违法类型录入有误" in body


def test_it_refuses_a_silent_correction_in_the_service(world):
    from django.core.exceptions import ValidationError

    from credit import services

    penalty = world["penalty_a"]
    penalty.content = "改写的处罚内容"
    penalty.publication_ends_on = None  # the class maximum: only the missing reason is wrong
    with pytest.raises(ValidationError) as excinfo:
        services.credit_object_save(obj=penalty, actor=world["users"]["superuser"])
    assert "correction_reason" in excinfo.value.error_dict
    assert not AuditEvent.objects.filter(object_id=str(penalty.pk)).exists()
