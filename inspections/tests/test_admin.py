from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection

from credit.models import Agency
from credit.tests.factories import AgencyFactory, StaffFactory, UserFactory, local_time
from inspections import services
from inspections.models import Plan, PlanState, Task
from inspections.tests.factories import PlanFactory, entropy_due
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


@pytest.mark.parametrize(("persona", "draft_status", "committed_status"), [
    ("anonymous", 302, 302), ("owner", 200, 200), ("other", 302, 200)])
def test_it_shows_the_plan_change_page_by_persona(client, world, persona, draft_status, committed_status):
    plan, owner, other = world
    if persona != "anonymous":
        client.force_login(owner if persona == "owner" else other)
    url = f"/admin/inspections/plan/{plan.pk}/change/"
    response = client.get(url)
    # Another agency's draft is not public: the admin treats it as missing.
    assert response.status_code == draft_status
    if persona == "owner":
        assert 'name="name"' in response.content.decode()
    services.plan_commit(plan=plan, actor=owner)
    response = client.get(url)
    assert response.status_code == committed_status
    if persona == "other":
        assert 'name="name"' not in response.content.decode() and plan.name in response.content.decode()
        assert client.post(url, {"name": "changed"}).status_code == 403


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
    # Before the named source announces its value the form refuses it, the input kept.
    assert response.status_code == 200 and "cannot be entered before then" in response.content.decode()
    assert "01 02 03 04 05 06 + 07" in response.content.decode()
    entropy_due(plan)
    response = client.post(url, data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.public_entropy == "01 02 03 04 05 06 + 07"


def test_it_highlights_overdue_tasks(client, world, clock):
    from inspections import selectors

    plan, owner, _ = world
    plan = services.plan_commit(plan=plan, actor=owner)
    entropy_due(plan)
    services.plan_entropy_enter(plan=plan, actor=owner, public_entropy="5")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=owner)
    deadline = selectors.result_deadline(plan).date
    client.force_login(owner)
    clock.move_to(local_time(deadline + dt.timedelta(days=1)))
    response = client.get("/admin/inspections/task/", {"overdue": "yes"})
    assert response.status_code == 200
    assert response.content.decode().count('class="overdue"') == Task.objects.filter(plan=plan).count() == 10
    # On the last day itself nothing is overdue yet.
    clock.move_to(local_time(deadline))
    response = client.get("/admin/inspections/task/")
    assert response.status_code == 200 and response.content.decode().count("<tr") > 10
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


def drawn_unrevealed(world):
    plan, owner, other = world
    type(plan).objects.filter(pk=plan.pk).update(reveal_policy="on_publication")
    plan = services.plan_commit(plan=plan, actor=owner)
    entropy_due(plan)
    services.plan_entropy_enter(plan=plan, actor=owner, public_entropy="7 7 7")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=owner)
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN and not plan.is_revealed
    return plan


@pytest.mark.parametrize(("persona", "sees"), [("superuser", True), ("owner", True), ("other", False),
                                               ("no_agency", False)])
def test_it_shows_the_seed_before_the_reveal_only_to_the_plans_agency(client, world, persona, sees):
    plan = drawn_unrevealed(world)
    users = {"owner": world[1], "other": world[2], "superuser": UserFactory(is_staff=True, is_superuser=True),
             "no_agency": grant(UserFactory(is_staff=True))}
    client.force_login(users[persona])
    if persona == "no_agency":
        # Without an agency link the admin opens nothing (portal.access).
        assert client.get(f"/admin/inspections/plan/{plan.pk}/change/").status_code == 403
        assert client.get("/admin/inspections/task/").status_code == 403
        return
    body = client.get(f"/admin/inspections/plan/{plan.pk}/change/").content.decode()
    assert plan.commitment in body
    assert (plan.seed in body) is sees and ("7 7 7" in body) is sees
    tasks = client.get("/admin/inspections/task/")
    assert tasks.status_code == 200
    assert len(tasks.context["cl"].result_list) == (10 if sees else 0)
    task = Task.objects.filter(plan=plan).first()
    response = client.get(f"/admin/inspections/task/{task.pk}/change/")
    if sees:
        assert response.status_code == 200 and task.inspector_codes in response.content.decode()
    else:
        assert response.status_code == 302 and response["Location"] == "/admin/"


def test_it_shows_other_agencies_published_results_then_the_selection_once_every_result_is_published(
        client, world):
    plan, owner, other = world
    plan = drawn_unrevealed(world)
    tasks = list(Task.objects.filter(plan=plan).order_by("position"))
    for task in tasks[:5]:
        services.task_result_record(task=task, result="unreachable", findings="住所无法联系",
                                    completed_on=dt.date(2026, 10, 28), actor=owner)
    services.plan_results_publish(plan=plan, actor=owner)
    services.task_result_record(task=tasks[5], result="false_disclosure", findings="年报虚假",
                                completed_on=dt.date(2026, 10, 28), actor=owner)
    client.force_login(other)
    plan.refresh_from_db()
    # Published in part: the draw stays secret, only the published firms are visible.
    assert not plan.is_revealed
    assert plan.seed not in client.get(f"/admin/inspections/plan/{plan.pk}/change/").content.decode()
    listing = client.get("/admin/inspections/task/")
    assert sorted(task.pk for task in listing.context["cl"].result_list) == sorted(t.pk for t in tasks[:5])
    text = listing.content.decode()
    assert text.count('<td class="field-result_shown">Unreachable at the registered address</td>') == 5
    assert client.get(f"/admin/inspections/task/{tasks[5].pk}/change/").status_code == 302
    assert "住所无法联系" in client.get(f"/admin/inspections/task/{tasks[0].pk}/change/").content.decode()
    client.force_login(owner)
    text = client.get("/admin/inspections/task/").content.decode()
    assert text.count('<td class="field-result_shown">Disclosed information false</td>') == 1
    assert "年报虚假" in client.get(f"/admin/inspections/task/{tasks[5].pk}/change/").content.decode()
    for task in tasks[6:]:
        services.task_result_record(task=task, result="no_problem", findings="",
                                    completed_on=dt.date(2026, 10, 28), actor=owner)
    services.plan_results_publish(plan=plan, actor=owner)
    client.force_login(other)
    body = client.get(f"/admin/inspections/plan/{plan.pk}/change/").content.decode()
    plan.refresh_from_db()
    assert plan.is_revealed and plan.seed in body
    assert len(client.get("/admin/inspections/task/").context["cl"].result_list) == 10


def test_it_shows_other_agencies_a_revealed_selection_but_not_unpublished_results(client, world):
    plan, owner, other = world
    plan = services.plan_commit(plan=plan, actor=owner)
    entropy_due(plan)
    services.plan_entropy_enter(plan=plan, actor=owner, public_entropy="7 7 7")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=owner)
    plan.refresh_from_db()
    assert plan.reveal_policy == "immediate" and plan.is_revealed
    task = Task.objects.filter(plan=plan).order_by("position").first()
    services.task_result_record(task=task, result="false_disclosure", findings="年报虚假",
                                completed_on=dt.date(2026, 10, 28), actor=owner)
    client.force_login(other)
    listing = client.get("/admin/inspections/task/")
    assert len(listing.context["cl"].result_list) == 10
    assert '<td class="field-result_shown">Disclosed information false</td>' not in listing.content.decode()
    unpublished = client.get(f"/admin/inspections/task/{task.pk}/change/").content.decode()
    assert task.inspector_codes in unpublished and "年报虚假" not in unpublished


def test_it_proposes_the_agency_region_and_refuses_a_plan_outside_it(client, world):
    _, owner, _ = world
    client.force_login(owner)
    page = client.get("/admin/inspections/plan/add/")
    form = page.context["adminform"].form
    assert form["regions"].value() == ["11"]
    # The region picker offers the agency's own region and its prefectures only.
    assert [code for code, _label in form.fields["regions"].choices] == ["11"]
    data = {
        "agency": form.fields["agency"].initial, "number": "SJ-NEW", "name": "新计划",
        "name_en": "", "year": "2026", "batch": "1", "items": [Plan.objects.first().items.first().pk],
        "regions": ["31"], "ratio_a": "10",
        "ratio_b": "10", "ratio_c": "10", "ratio_d": "10", "team_size": "2", "workload_cap": "5",
        "conflict_period_days": "365", "entropy_source": "lottery", "reveal_policy": "immediate",
        "checks_end_on": "2026-12-01",
    }
    response = client.post("/admin/inspections/plan/add/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["regions"] and "新计划" in response.content.decode()
    assert not Plan.objects.filter(number="SJ-NEW").exists()
    # The service's rule still holds for a form that offered the choice (a superuser's, a crafted one).
    with pytest.raises(ValidationError, match="may draw only within its region"):
        services.plan_regions_check(agency=Agency.objects.get(pk=data["agency"]), regions=["31"])
    data["regions"] = ["11"]
    assert client.post("/admin/inspections/plan/add/", data).status_code == 302
    saved = Plan.objects.get(number="SJ-NEW")
    assert saved.regions == ["11"] and saved.entity_types == [] and saved.ratio_a == Decimal("0.1")


@pytest.mark.parametrize("typed", ["true", "1.5", "1e9", '"11"', "[11]", "[null]", "\u0000"[:0] or "ZZ"])
def test_the_plan_form_refuses_a_scope_value_it_does_not_offer_on_that_field(client, world, typed):
    """The scope is picked from choices; a crafted value is an error on its own field, nothing saved."""
    plan, owner, _ = world
    client.force_login(owner)
    url = f"/admin/inspections/plan/{plan.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for name in ("regions", "entity_types", "industries", "statuses"):
        data.pop(name, None)
    data.update({"entropy_available_at_0": "", "entropy_available_at_1": "", "regions": ["11"],
                 "industries": [typed]})
    data.pop("entropy_available_at", None)
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["industries"]
    plan.refresh_from_db()
    assert plan.industries == []


def test_it_deletes_only_an_own_draft_plan_and_audits_it(client, world):
    plan, owner, other = world
    url = f"/admin/inspections/plan/{plan.pk}/delete/"
    client.force_login(other)
    assert client.post(url, {"post": "yes"})["Location"] == "/admin/"
    assert Plan.objects.filter(pk=plan.pk).exists()
    client.force_login(owner)
    services.plan_commit(plan=plan, actor=owner)
    assert client.post(url, {"post": "yes"}).status_code == 403
    draft = PlanFactory(agency=plan.agency, number="SJ-DRAFT")
    assert client.post(f"/admin/inspections/plan/{draft.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Plan.objects.filter(number="SJ-DRAFT").exists()
    event = AuditEvent.objects.get(action="inspections.plan.draft_deleted")
    assert event.actor == owner and event.payload == {"number": "SJ-DRAFT"}


@pytest.mark.parametrize(("model", "params"), [
    ("inspectionitem", {"q": "A\x00"}), ("inspectionitem", {"kind__exact": "key\x00"}),
    ("inspector", {"q": "\x00"}), ("inspector", {"active__exact": "1\x00"}),
    ("conflict", {"q": "\x00"}), ("spotcheck", {"result": "\x00"}),
    ("plan", {"q": "A\x00"}), ("plan", {"state": "committed\x00"}), ("plan", {"number\x00": "x"}),
    ("task", {"q": "A\x00"}), ("task", {"result": "no_problem\x00"}), ("task", {"plan__state": "\x00"}),
])
def test_it_refuses_a_nul_character_in_an_admin_list_before_the_database_sees_it(client, world, model, params):
    plan, owner, _ = world
    services.plan_commit(plan=plan, actor=owner)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    sent = []

    def record(execute, sql, query_params, many, context):
        sent.extend(str(param) for param in (query_params or ()) if not many)
        return execute(sql, query_params, many, context)

    # On PostgreSQL a NUL in a text parameter raised DataError: a 500. portal.middleware answers 400.
    with connection.execute_wrapper(record):
        response = client.get(f"/admin/inspections/{model}/", params)
    assert response.status_code == 400
    assert not [param for param in sent if "\x00" in param]


def test_it_marks_overdue_tasks_with_a_stylesheet_class_and_localized_dates(client, world, clock):
    from django.contrib.staticfiles import finders
    from django.utils import translation
    from django.utils.formats import date_format

    from inspections import selectors

    plan, owner, _ = world
    plan = services.plan_commit(plan=plan, actor=owner)
    entropy_due(plan)
    services.plan_entropy_enter(plan=plan, actor=owner, public_entropy="5")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=owner)
    deadline = selectors.result_deadline(plan).date
    task = Task.objects.filter(plan=plan).first()
    client.force_login(owner)
    clock.move_to(local_time(deadline + dt.timedelta(days=1)))
    listing = client.get("/admin/inspections/task/").content.decode()
    change = client.get(f"/admin/inspections/task/{task.pk}/change/").content.decode()
    plan_page = client.get(f"/admin/inspections/plan/{plan.pk}/change/").content.decode()
    # The CSP (style-src 'self') drops inline style attributes: the colour comes from a stylesheet.
    for body in (listing, change):
        assert f'<strong class="overdue">{date_format(deadline)} (overdue)</strong>' in body
        assert "/static/css/admin-inspections.css" in body
        assert 'style="' not in body.split('class="overdue"')[1].split("</strong>")[0]
    assert listing.count('class="overdue"') == Task.objects.filter(plan=plan).count()
    assert ".overdue" in open(finders.find("css/admin-inspections.css"), encoding="utf-8").read()
    due_field = plan_page.split("Results due:</label>")[1].split("</div>")[0]
    assert date_format(deadline) in due_field and deadline.isoformat() not in due_field
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    chinese = client.get("/admin/inspections/task/").content.decode()
    with translation.override("zh-hans"):
        assert f"{date_format(deadline)} (" in chinese and f"{deadline.year}年" in date_format(deadline)
    assert deadline.isoformat() not in chinese


def test_the_result_filter_does_not_tell_another_agency_an_unpublished_result(client, world, now):
    from inspections.models import Result

    plan, owner, other = world
    plan = services.plan_commit(plan=plan, actor=owner)
    Plan.objects.filter(pk=plan.pk).update(revealed_at=now)  # revealed: its tasks are public, results not yet
    from credit.models import Enterprise

    firm = Enterprise.objects.filter(registration_authority=plan.agency).first()
    task = Task.objects.create(plan=plan, enterprise=firm, number=f"{plan.number}-0001", position=1, uscc=firm.uscc,
                               risk_class=firm.risk_class, ticket="0" * 64, result=Result.UNREACHABLE,
                               findings="不在登记住所", completed_on=now.date())
    url = "/admin/inspections/task/"
    client.force_login(other)
    assert task in client.get(url).context["cl"].result_list  # the task itself is public
    for value in (Result.UNREACHABLE, Result.NO_PROBLEM):
        assert task not in client.get(url, {"result": value}).context["cl"].result_list
    client.force_login(owner)
    assert task in client.get(url, {"result": Result.UNREACHABLE}).context["cl"].result_list
    Task.objects.filter(pk=task.pk).update(published_at=now)
    client.force_login(other)
    assert task in client.get(url, {"result": Result.UNREACHABLE}).context["cl"].result_list
