"""Inspection results, spot checks and renamed inspection items show on the next view
of every credit file they appear in (see credit/tests/test_invalidation.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from credit.tests.factories import UserFactory
from credit.tests.test_invalidation import file_html
from inspections import services
from inspections.models import InspectionItem, Result, Task
from inspections.tests.factories import entropy_due
from inspections.tests.test_views import drawn_plan, publish_all

pytestmark = pytest.mark.django_db


def test_a_published_spot_check_shows_on_the_next_view(setup_plan):
    plan, _, user = setup_plan()
    enterprise = plan.agency.registered_enterprises.first()
    assert "即时信息抽查（新）" not in file_html(enterprise)
    services.spot_check_publish(enterprise=enterprise, agency=plan.agency, kind="即时信息抽查（新）",
                                checked_on=dt.date(2026, 5, 1), result=Result.NO_PROBLEM, actor=user)
    assert "即时信息抽查（新）" in file_html(enterprise)


def test_a_renamed_inspection_item_shows_in_the_files_with_its_results(setup_plan):
    plan, user = drawn_plan(setup_plan)
    publish_all(plan, user)
    task = Task.objects.filter(plan=plan).first()
    item = InspectionItem.objects.get(code="ITEM-BASE")
    assert item.name_en and item.name_en in file_html(task.enterprise, "en")
    item.name_en = "Renamed inspection item"
    services.inspection_item_save(item=item, actor=UserFactory(is_staff=True, is_superuser=True))
    assert "Renamed inspection item" in file_html(task.enterprise, "en")


def anonymous_html(address: str) -> str:
    from django.test import Client

    response = Client(HTTP_ACCEPT_LANGUAGE="en").get(address)
    assert response.status_code == 200
    return response.content.decode()


def test_a_plan_committed_entered_and_drawn_shows_on_the_next_anonymous_views(setup_plan):
    """The inspections pages are cached whole for anonymous visitors (portal.pagecache):
    each public step of a plan raises the site's version."""
    from unittest import mock

    plan, _, user = setup_plan()
    assert plan.number not in anonymous_html("/inspections/")
    plan = services.plan_commit(plan=plan, actor=user)
    assert plan.number in anonymous_html("/inspections/")
    assert "11 22 33" not in anonymous_html(plan.get_absolute_url())
    entropy_due(plan)
    services.plan_entropy_enter(plan=plan, actor=user, public_entropy="11 22 33")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=user)
    plan.refresh_from_db()
    page = anonymous_html(plan.get_absolute_url())
    assert plan.is_revealed and plan.seed in page and "11 22 33" in page
