"""Who may change lists, memoranda and measures in the admin, and that every change is audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from credit.tests.factories import StaffFactory, UserFactory
from listings import services
from listings.models import CreditList, ListReason, Measure, Memorandum
from listings.tests.factories import MeasureFactory, MemorandumFactory, standard_agency
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

PERSONAS = ["superuser", "owner_staff", "other_staff", "staff_without_agency", "anonymous"]


def _grant_listings_permissions(user):
    # As the demo's staff group: every listings permission but delete, so only the agency rules decide.
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="listings").exclude(codename__startswith="delete_")
    )


@pytest.fixture
def world():
    """serious-illegal is SAMR's list; the memorandum is signed by SAMR and MOF, with one measure of each."""
    samr, sta, mof = standard_agency("SAMR"), standard_agency("STA"), standard_agency("MOF")
    users = {
        "superuser": UserFactory(is_staff=True, is_superuser=True),
        "owner_staff": StaffFactory(agency=samr).user,
        "other_staff": StaffFactory(agency=sta).user,
        "staff_without_agency": UserFactory(is_staff=True),
    }
    for name in ["owner_staff", "other_staff", "staff_without_agency"]:
        _grant_listings_permissions(users[name])
    memorandum = MemorandumFactory(signatories=[samr, mof], lists=[CreditList.objects.get(code="serious-illegal")])
    return {
        "users": users,
        "list": CreditList.objects.get(code="serious-illegal"),
        "memorandum": memorandum,
        "samr_measure": MeasureFactory(memorandum=memorandum, agency=samr, description="列为重点监管对象"),
        "mof_measure": MeasureFactory(memorandum=memorandum, agency=mof, description="限制参加政府采购"),
        "samr": samr,
        "sta": sta,
    }


def client_for(world, persona) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if persona != "anonymous":
        client.force_login(world["users"][persona])
    return client


def form_data(response) -> dict:
    """What the browser would send back unchanged from an admin change page (main form and inlines)."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def audit_actions():
    return sorted(AuditEvent.objects.filter(action__regex=r"^listings\.(list|reason|memorandum|measure)\.")
                  .values_list("action", flat=True))


def is_editable(body: str, field: str) -> bool:
    return f'name="{field}"' in body


# persona: (GET status, fields editable on the page)
LIST_GET = {
    "superuser": (200, True),
    "owner_staff": (200, True),
    "other_staff": (200, False),
    "staff_without_agency": (403, False),  # no agency link: the admin opens nothing
    "anonymous": (302, False),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_shows_the_list_change_page_editable_only_to_superusers_and_the_owner(world, persona):
    response = client_for(world, persona).get(f"/admin/listings/creditlist/{world['list'].pk}/change/")
    status, editable = LIST_GET[persona]
    assert response.status_code == status
    body = response.content.decode()
    assert is_editable(body, "max_publication_months") is editable
    # Who owns a list is for a superuser to change, even for the owning agency's staff.
    assert is_editable(body, "owner_agency") is (persona == "superuser")


# persona: (POST status, stored maximum, stored owner, audit actions)
LIST_POST = {
    "superuser": (302, 12, "STA", ["listings.list.changed"]),
    "owner_staff": (302, 12, "SAMR", ["listings.list.changed"]),
    "other_staff": (403, 36, "SAMR", []),
    "staff_without_agency": (403, 36, "SAMR", []),
    "anonymous": (302, 36, "SAMR", []),  # to the login page
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_the_superuser_and_the_owner_change_a_list(world, persona):
    address = f"/admin/listings/creditlist/{world['list'].pk}/change/"
    data = form_data(client_for(world, "superuser").get(address))
    assert data["max_publication_months"] == 36
    data.update(max_publication_months=12, owner_agency=world["sta"].pk)
    response = client_for(world, persona).post(address, data)
    status, maximum, owner, actions = LIST_POST[persona]
    assert response.status_code == status
    if persona == "anonymous":
        assert "/admin/login/" in response["Location"]
    stored = CreditList.objects.select_related("owner_agency").get(pk=world["list"].pk)
    assert (stored.max_publication_months, stored.owner_agency.code) == (maximum, owner)
    assert audit_actions() == actions
    if actions:
        event = AuditEvent.objects.get(action="listings.list.changed")
        assert event.actor == world["users"][persona]
        assert event.payload["changes"]["max_publication_months"] == {"old": 36, "new": 12}
        assert ("owner_agency" in event.payload["changes"]) is (persona == "superuser")


MEMORANDUM_GET = {
    "superuser": (200, True),
    "owner_staff": (200, False),  # a signatory: opens it for its measures, the memorandum stays read-only
    "other_staff": (200, False),
    "staff_without_agency": (403, False),
    "anonymous": (302, False),
}
MEMORANDUM_POST = {
    "superuser": (302, "Changed title", ["listings.memorandum.changed"]),
    "owner_staff": (302, None, []),  # saved without effect: the title is not theirs to change
    "other_staff": (403, None, []),
    "staff_without_agency": (403, None, []),
    "anonymous": (302, None, []),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_only_a_superuser_change_a_memorandum(world, persona):
    address = f"/admin/listings/memorandum/{world['memorandum'].pk}/change/"
    response = client_for(world, persona).get(address)
    status, editable = MEMORANDUM_GET[persona]
    assert response.status_code == status
    assert is_editable(response.content.decode(), "title") is editable
    title_before = world["memorandum"].title
    data = form_data(client_for(world, "superuser").get(address))
    if persona == "owner_staff":
        data = form_data(response)  # the signatory's own page: only its measures are fields
    data["title"] = "Changed title"
    response = client_for(world, persona).post(address, data)
    status, title, actions = MEMORANDUM_POST[persona]
    assert response.status_code == status
    memorandum = Memorandum.objects.get(pk=world["memorandum"].pk)
    assert memorandum.title == (title or title_before)
    assert sorted(memorandum.signatories.values_list("code", flat=True)) == ["MOF", "SAMR"]
    assert audit_actions() == actions


MEASURE_EDITABLE = {
    # persona: (own SAMR measure editable, MOF measure editable)
    "superuser": (True, True),
    "owner_staff": (True, False),
    "other_staff": (False, False),
    "staff_without_agency": (False, False),
    "anonymous": (False, False),
}
MEASURE_POST = {
    # persona: (status, SAMR measure changed, audit actions)
    "superuser": (302, True, ["listings.measure.changed"]),
    "owner_staff": (302, True, ["listings.measure.changed"]),
    "other_staff": (403, False, []),
    "staff_without_agency": (403, False, []),
    "anonymous": (302, False, []),
}


def _measure_field(response, measure) -> str | None:
    """The description field's name of `measure` in the page's editable inline, if there is one."""
    if response.status_code != 200:
        return None
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            if form.instance.pk == measure.pk and "description" in form.fields:
                return form.add_prefix("description")
    return None


@pytest.mark.parametrize("persona", PERSONAS)
def test_it_lets_a_signatory_s_staff_edit_only_their_own_agency_s_measures(world, persona):
    address = f"/admin/listings/memorandum/{world['memorandum'].pk}/change/"
    response = client_for(world, persona).get(address)
    own, other = MEASURE_EDITABLE[persona]
    assert (_measure_field(response, world["samr_measure"]) is not None) is own
    assert (_measure_field(response, world["mof_measure"]) is not None) is other

    editor = persona if persona in {"superuser", "owner_staff"} else "owner_staff"
    page = client_for(world, editor).get(address)
    data = form_data(page)
    data[_measure_field(page, world["samr_measure"])] = "列为重点监管对象，提高抽查比例"
    response = client_for(world, persona).post(address, data)
    status, changed, actions = MEASURE_POST[persona]
    assert response.status_code == status
    world["samr_measure"].refresh_from_db()
    assert (world["samr_measure"].description == "列为重点监管对象，提高抽查比例") is changed
    assert world["samr_measure"].agency == world["samr"]
    world["mof_measure"].refresh_from_db()
    assert world["mof_measure"].description == "限制参加政府采购"
    assert audit_actions() == actions


def test_it_adds_a_signatory_s_new_measure_under_its_own_agency(world):
    address = f"/admin/listings/memorandum/{world['memorandum'].pk}/change/"
    client = client_for(world, "owner_staff")
    page = client.get(address)
    data = form_data(page)
    own = next(inline.formset for inline in page.context["inline_admin_formsets"]
               if "description" in inline.formset.empty_form.fields)
    new = own.empty_form
    new.prefix = own.add_prefix(own.total_form_count())
    data[own.management_form.add_prefix("TOTAL_FORMS")] = own.total_form_count() + 1
    data.update({new.add_prefix("kind"): "restriction", new.add_prefix("description"): "不适用告知承诺制"})
    assert client.post(address, data).status_code == 302
    measure = Measure.objects.get(description="不适用告知承诺制")
    assert measure.agency == world["samr"]
    assert audit_actions() == ["listings.measure.created"]


def test_it_refuses_a_crafted_post_on_another_agency_s_measure(world):
    address = f"/admin/listings/memorandum/{world['memorandum'].pk}/change/"
    client = client_for(world, "owner_staff")
    page = client.get(address)
    data = form_data(page)
    field = _measure_field(page, world["samr_measure"])
    data[field.replace("description", "id")] = world["mof_measure"].pk
    data[field] = "改写财政部的措施"
    client.post(address, data)
    # The formset looks ids up among the agency's own measures only, and measure_save checks again.
    world["mof_measure"].refresh_from_db()
    assert world["mof_measure"].description == "限制参加政府采购"
    assert audit_actions() == []


def test_it_lets_the_owner_add_a_reason_and_keeps_min_and_max_consistent(world):
    address = f"/admin/listings/creditlist/{world['list'].pk}/change/"
    client = client_for(world, "owner_staff")
    page = client.get(address)
    data = form_data(page)
    data["min_publication_months"] = 40  # above the maximum of 36
    response = client.post(address, data)
    assert response.status_code == 200
    assert "is more than the maximum of 36 months" in response.content.decode()
    assert CreditList.objects.get(pk=world["list"].pk).min_publication_months == 12
    reasons = ListReason.objects.filter(credit_list=world["list"]).count()
    data = form_data(page)
    data["reasons-TOTAL_FORMS"] = reasons + 1
    data.update({f"reasons-{reasons}-code": "new-reason", f"reasons-{reasons}-name": "新增列入事由"})
    assert client.post(address, data).status_code == 302
    assert ListReason.objects.filter(credit_list=world["list"], code="new-reason").exists()
    assert audit_actions() == ["listings.reason.created"]


def test_it_never_deletes_lists_memoranda_or_measures_from_the_admin(world):
    client = client_for(world, "superuser")
    assert client.post(f"/admin/listings/creditlist/{world['list'].pk}/delete/", {"post": "yes"}).status_code == 403
    address = f"/admin/listings/memorandum/{world['memorandum'].pk}/delete/"
    assert client.post(address, {"post": "yes"}).status_code == 403
    assert CreditList.objects.filter(pk=world["list"].pk).exists()
    assert Memorandum.objects.filter(pk=world["memorandum"].pk).exists()
    page = client.get(f"/admin/listings/memorandum/{world['memorandum'].pk}/change/")
    assert "DELETE" not in page.content.decode()


def test_it_refuses_service_writes_by_the_wrong_agency(world):
    other = world["users"]["other_staff"]
    credit_list = CreditList.objects.get(pk=world["list"].pk)
    credit_list.max_publication_months = 1
    with pytest.raises(services.ListingError) as caught:
        services.credit_list_update(credit_list=credit_list, actor=other)
    assert caught.value.code == "not_owner"
    owner = world["users"]["owner_staff"]
    credit_list = CreditList.objects.get(pk=world["list"].pk)
    credit_list.owner_agency = world["sta"]
    with pytest.raises(services.ListingError) as caught:
        services.credit_list_update(credit_list=credit_list, actor=owner)
    assert (caught.value.code, caught.value.field) == ("not_allowed", "owner_agency")
    world["mof_measure"].description = "x"
    with pytest.raises(services.ListingError):
        services.measure_save(measure=world["mof_measure"], actor=owner)
    memorandum = Memorandum.objects.get(pk=world["memorandum"].pk)
    memorandum.title = "x"
    with pytest.raises(services.ListingError):
        services.memorandum_save(memorandum=memorandum, actor=owner)
    assert audit_actions() == []


def test_it_refuses_a_serious_list_maximum_above_36_months_and_keeps_the_input(world):
    address = f"/admin/listings/creditlist/{world['list'].pk}/change/"
    client = client_for(world, "owner_staff")
    data = form_data(client.get(address))
    data["max_publication_months"] = 120
    response = client.post(address, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Maximum publication (months): 120 is outside the 12 to 36 months allowed for Serious lists." in body
    assert response.context["adminform"].form["max_publication_months"].value() == "120"
    assert CreditList.objects.get(pk=world["list"].pk).max_publication_months == 36
    assert audit_actions() == []
