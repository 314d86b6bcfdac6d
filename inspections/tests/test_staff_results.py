"""The per-plan results table (issue 8): one form row per task, saved row by row through the
services, published through plan_results_publish; "n of m published" until every result is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from credit.tests.factories import EnterpriseFactory
from inspections.models import Plan, PlanState, Result, Task
from inspections.tests.factories import PlanFactory
from portal.i18n import localized_name
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def plan_with_tasks(agency, count: int, *, unassigned: int = 0, **fields) -> Plan:
    """A drawn plan of `agency` with `count` selected firms (the last `unassigned` without a team)."""
    plan = PlanFactory(agency=agency, **fields)
    Plan.objects.filter(pk=plan.pk).update(state=PlanState.DRAWN)
    plan.refresh_from_db()
    for index in range(count):
        firm = EnterpriseFactory(registration_authority=agency)
        Task.objects.create(
            plan=plan, enterprise=firm, number=f"{plan.number}-{index + 1:04d}", position=index + 1, uscc=firm.uscc,
            risk_class=firm.risk_class, ticket=f"{index:064d}",
            inspector_codes="" if index >= count - unassigned else "INS-00001;INS-00002",
        )
    return plan


def url(plan) -> str:
    return f"/inspections/staff/plans/{plan.number}/results/"


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def rows_data(tasks, rows: dict[int, dict] | None = None, **extra) -> dict:
    """The formset's POST: every task's stored values, with `rows` (index -> fields) changed."""
    data = {"rows-TOTAL_FORMS": len(tasks), "rows-INITIAL_FORMS": len(tasks),
            "rows-MIN_NUM_FORMS": 0, "rows-MAX_NUM_FORMS": 1000, **extra}
    for index, task in enumerate(tasks):
        data[f"rows-{index}-task"] = task.pk
        fields = {"result": task.result, "completed_on": task.completed_on.isoformat() if task.completed_on else "",
                  "findings": task.findings, **(rows or {}).get(index, {})}
        for name, value in fields.items():
            if value is True:
                data[f"rows-{index}-{name}"] = "on"
            elif value not in (None, False):
                data[f"rows-{index}-{name}"] = value
    return data


def tasks_of(plan) -> list[Task]:
    return list(Task.objects.filter(plan=plan).order_by("position"))


def test_it_shows_one_row_per_task_with_the_firm_team_and_state(personas, today):
    plan = plan_with_tasks(personas.agency_a, 4, unassigned=1)
    page = english(personas.client("staff_a")).get(url(plan))
    assert page.status_code == 200
    body = page.content.decode()
    for task in tasks_of(plan):
        assert task.uscc in body and localized_name(task.enterprise, language="en") in body and f'id="task-{task.pk}"' in body
    assert "INS-00001;INS-00002" in body and "no team" in body
    assert "0 of 4 published" in body
    assert 'name="rows-0-result"' in body and 'name="csrfmiddlewaretoken"' in body


def test_it_saves_the_valid_rows_and_keeps_every_rows_input_on_errors(personas, today):
    plan = plan_with_tasks(personas.agency_a, 5, unassigned=1)
    tasks = tasks_of(plan)
    day = (today - dt.timedelta(days=3)).isoformat()
    data = rows_data(tasks, {
        0: {"result": Result.NO_PROBLEM, "completed_on": day},
        1: {"result": Result.PROBLEM_PENDING, "completed_on": day, "findings": "年报资产总额与账簿不符"},
        2: {"result": Result.FALSE_DISCLOSURE, "completed_on": day, "findings": "  "},  # findings required
        3: {"result": Result.NO_PROBLEM, "completed_on": "2026-13-45"},  # not a date
        4: {"result": Result.NO_PROBLEM, "completed_on": day},  # the draw left it without a team
    }, action="save")
    page = english(personas.client("staff_a")).post(url(plan), data)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Rows saved: 2. Rows with errors: 3." in body and "Nothing was published" not in body
    saved = tasks_of(plan)
    assert [task.result for task in saved] == [Result.NO_PROBLEM, Result.PROBLEM_PENDING, "", "", ""]
    assert saved[1].findings == "年报资产总额与账簿不符"
    forms = page.context["formset"].forms
    assert "findings" in forms[2].errors and "completed_on" in forms[3].errors and "result" in forms[4].errors
    assert "Findings: describe what was found" in body and "without a team" in body
    # Nothing entered is lost: the refused rows show what was typed.
    assert 'value="2026-13-45"' in body
    assert forms[2]["result"].value() == Result.FALSE_DISCLOSURE
    assert AuditEvent.objects.filter(action="inspections.result.recorded").count() == 2
    assert not Task.objects.filter(plan=plan, published_at__isnull=False).exists()


def test_publishing_the_selected_rows_shows_n_of_m_until_every_result_is_published(personas, today):
    plan = plan_with_tasks(personas.agency_a, 5, reveal_policy="immediate")
    tasks = tasks_of(plan)
    client = english(personas.client("staff_a"))
    day = (today - dt.timedelta(days=2)).isoformat()
    entered = {index: {"result": Result.NO_PROBLEM, "completed_on": day, "selected": index < 3} for index in range(4)}
    response = client.post(url(plan), rows_data(tasks, entered, action="publish_selected"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN and plan.published_at is None
    assert Task.objects.filter(plan=plan, published_at__isnull=False).count() == 3
    public = english(Client()).get(plan.get_absolute_url()).content.decode()
    assert "3 of 5 published" in public
    table = client.get(url(plan)).content.decode()
    assert "3 of 5 published" in table
    # Published rows are history: a crafted change to one is ignored.
    tasks = tasks_of(plan)
    crafted = rows_data(tasks, {0: {"result": Result.CLOSED, "findings": "x"},
                                4: {"result": Result.NO_PROBLEM, "completed_on": day}}, action="publish_all")
    assert client.post(url(plan), crafted).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.PUBLISHED and plan.published_at is not None
    assert Task.objects.get(pk=tasks[0].pk).result == Result.NO_PROBLEM
    assert "All 5 published" in english(Client()).get(plan.get_absolute_url()).content.decode()
    assert AuditEvent.objects.filter(action="inspections.result.published").count() == 2


def test_nothing_is_published_while_a_row_has_an_error(personas, today):
    plan = plan_with_tasks(personas.agency_a, 2)
    tasks = tasks_of(plan)
    day = (today - dt.timedelta(days=2)).isoformat()
    data = rows_data(tasks, {0: {"result": Result.NO_PROBLEM, "completed_on": day},
                             1: {"result": Result.UNREACHABLE, "completed_on": day}}, action="publish_all")
    page = english(personas.client("staff_a")).post(url(plan), data)
    assert page.status_code == 200
    assert "Nothing was published" in page.content.decode()
    assert Task.objects.get(pk=tasks[0].pk).result == Result.NO_PROBLEM
    assert not Task.objects.filter(plan=plan, published_at__isnull=False).exists()


def test_publishing_selected_rows_needs_a_selection(personas, today):
    plan = plan_with_tasks(personas.agency_a, 2)
    page = english(personas.client("staff_a")).post(url(plan), rows_data(tasks_of(plan), action="publish_selected"))
    assert page.status_code == 200
    assert "select the recorded rows to publish" in page.content.decode()


def test_a_page_loaded_before_the_tasks_changed_saves_nothing(personas, today):
    plan = plan_with_tasks(personas.agency_a, 2)
    tasks = tasks_of(plan)
    data = rows_data(tasks[:1], {0: {"result": Result.NO_PROBLEM, "completed_on": today.isoformat()}})
    page = english(personas.client("staff_a")).post(url(plan), data)
    assert page.status_code == 200 and "Nothing was saved" in page.content.decode()
    assert not Task.objects.filter(plan=plan).exclude(result="").exists()


def test_another_agencys_plan_is_not_found_and_publishing_needs_the_plan_permission(personas):
    from django.contrib.auth.models import Permission

    plan = plan_with_tasks(personas.agency_b, 1)
    assert personas.client("staff_a").get(url(plan)).status_code == 404
    user = personas.users["staff_a_no_perms"]
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_task", "change_task"]))
    own = plan_with_tasks(personas.agency_a, 1)
    client = personas.client("staff_a_no_perms")
    assert client.get(url(own)).status_code == 200
    assert "publish all recorded" not in english(client).get(url(own)).content.decode()
    assert client.post(url(own), rows_data(tasks_of(own), action="publish_all")).status_code == 403


def test_a_post_needs_the_csrf_token(personas, today):
    plan = plan_with_tasks(personas.agency_a, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.users["staff_a"])
    data = rows_data(tasks_of(plan), {0: {"result": Result.NO_PROBLEM, "completed_on": today.isoformat()}})
    assert client.post(url(plan), data).status_code == 403
    assert not Task.objects.filter(plan=plan).exclude(result="").exists()


def test_the_table_speaks_chinese_by_default(personas):
    plan = plan_with_tasks(personas.agency_a, 2)
    body = personas.client("staff_a").get(url(plan)).content.decode()
    assert "保存并公示全部已录入结果" in body and "已公示 0 / 共 2" in body and "计划的检查任务" in body
    with translation.override("zh-hans"):
        assert translation.gettext("Save and publish all recorded results") == "保存并公示全部已录入结果"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_recorded_completion_date_is_shown_as_the_date_input_reads_it(personas, today, language):
    """A date input drops any value not written YYYY-MM-DD: a localized date ("2026年11月16日")
    was shown empty, so saving the table again lost the recorded date and failed."""
    plan = plan_with_tasks(personas.agency_a, 1)
    Task.objects.filter(plan=plan).update(result=Result.NO_PROBLEM, completed_on=today)
    client = personas.client("staff_a")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    body = client.get(url(plan)).content.decode()
    assert f'name="rows-0-completed_on" value="{today.isoformat()}"' in body


@pytest.mark.parametrize("count", [3, 30])
def test_the_table_costs_the_same_queries_for_3_or_30_tasks(personas, count):
    plan = plan_with_tasks(personas.agency_a, count)
    client = personas.client("staff_a")
    client.get(url(plan))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(plan))
    assert response.status_code == 200 and len(response.context["rows"]) == count
    # session, user, principal (agency link), permissions (groups, user), plan, task count,
    # task page with firms, n of m published.
    assert len(queries) == TABLE_QUERIES, [q["sql"][:120] for q in queries]


TABLE_QUERIES = 9


def test_the_plan_admin_links_its_own_agencys_staff_to_the_table(personas):
    plan = plan_with_tasks(personas.agency_a, 1)
    own = english(personas.client("staff_a")).get(f"/admin/inspections/plan/{plan.pk}/change/").content.decode()
    assert url(plan) in own
    other = plan_with_tasks(personas.agency_b, 1)
    Plan.objects.filter(pk=other.pk).update(committed_at=other.created_at)
    theirs = personas.client("staff_a").get(f"/admin/inspections/plan/{other.pk}/change/").content.decode()
    assert url(other) not in theirs


def test_the_migration_returns_plans_published_too_early_to_drawn(personas, now):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("inspections.migrations.0006_plan_state_partly_published_drawn")
    partly = plan_with_tasks(personas.agency_a, 2)
    whole = plan_with_tasks(personas.agency_a, 1)
    Plan.objects.filter(pk__in=[partly.pk, whole.pk]).update(state=PlanState.PUBLISHED, published_at=now)
    Task.objects.filter(plan=partly, position=1).update(published_at=now, result=Result.NO_PROBLEM)
    Task.objects.filter(plan=whole).update(published_at=now, result=Result.NO_PROBLEM)
    migration.forwards(apps, None)
    partly.refresh_from_db()
    whole.refresh_from_db()
    assert (partly.state, partly.published_at) == (PlanState.DRAWN, None)
    assert (whole.state, whole.published_at) == (PlanState.PUBLISHED, now)
