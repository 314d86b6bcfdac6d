from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.contrib.auth.models import Permission

from credit.tests.factories import AgencyFactory, StaffFactory
from inspections import services
from inspections.models import PlanState, Task
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def grant(user):
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="inspections"))
    return user


@pytest.fixture
def world(setup_plan):
    plan, inspectors, user = setup_plan()
    other = grant(StaffFactory(agency=AgencyFactory(code="AG-B")).user)
    return plan, grant(user), other


def test_it_commits_only_own_agency_plans_from_the_admin_action(client, world):
    plan, owner, other = world
    url = "/admin/inspections/plan/"
    client.force_login(other)
    client.post(url, {"action": "commit_plans", "_selected_action": [plan.pk]}, follow=True)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAFT
    client.force_login(owner)
    response = client.post(url, {"action": "commit_plans", "_selected_action": [plan.pk]}, follow=True)
    plan.refresh_from_db()
    assert plan.state == PlanState.COMMITTED
    assert AuditEvent.objects.get(action="inspections.plan.committed").actor == owner
    assert response.status_code == 200


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 302), ("owner", 200), ("other", 200)])
def test_it_shows_the_plan_change_page_by_persona(client, world, persona, status):
    plan, owner, other = world
    if persona != "anonymous":
        client.force_login(owner if persona == "owner" else other)
    response = client.get(f"/admin/inspections/plan/{plan.pk}/change/")
    assert response.status_code == status
    if persona == "other":
        assert 'name="name"' not in response.content.decode()
    if persona == "owner":
        assert 'name="name"' in response.content.decode()


def test_it_takes_the_public_entropy_in_the_change_form_and_keeps_bad_input(client, world):
    plan, owner, _ = world
    plan = services.plan_commit(plan=plan, actor=owner)
    client.force_login(owner)
    url = f"/admin/inspections/plan/{plan.pk}/change/"
    page = client.get(url)
    assert 'name="public_entropy"' in page.content.decode()
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["public_entropy"] = "双色球 01 02"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "printable ASCII" in response.content.decode() and "双色球 01 02" in response.content.decode()
    data["public_entropy"] = "01 02 03 04 05 06 + 07"
    response = client.post(url, data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.public_entropy == "01 02 03 04 05 06 + 07"


def test_it_highlights_overdue_tasks(client, world):
    plan, owner, _ = world
    plan = services.plan_commit(plan=plan, actor=owner)
    services.plan_entropy_enter(plan=plan, actor=owner, public_entropy="5")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=owner)
    client.force_login(owner)
    with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2026, 12, 31)):
        response = client.get("/admin/inspections/task/", {"overdue": "yes"})
    assert response.status_code == 200
    assert response.content.decode().count('class="overdue"') == Task.objects.filter(plan=plan).count()
    with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2026, 11, 2)):
        response = client.get("/admin/inspections/task/")
    assert 'class="overdue"' not in response.content.decode()


def test_it_warns_when_the_expected_share_is_below_three_percent(client, world):
    plan, owner, _ = world
    type(plan).objects.filter(pk=plan.pk).update(ratio_a=0, ratio_b=0, ratio_c=0, ratio_d=0)
    client.force_login(owner)
    response = client.post("/admin/inspections/plan/", {"action": "commit_plans", "_selected_action": [plan.pk]},
                           follow=True)
    text = response.content.decode()
    assert "below the 3% a year the rules ask for" in text and "0.00%" in text


def test_it_renders_the_public_pages_in_chinese(client, world):
    plan, owner, _ = world
    services.plan_commit(plan=plan, actor=owner)
    client.cookies["django_language"] = "zh-hans"
    body = client.get("/inspections/").content.decode()
    assert "双随机抽查" in body and "抽查计划编号" in body
