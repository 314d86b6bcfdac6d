"""Unreachable and non-disclosure results feed the abnormal-operations list.

This test needs listings.services.list_entry_create, built on the listings branch; it
is expected to fail on the inspections branch alone and pass once both are merged."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from inspections import services
from inspections.models import Result, Task

pytestmark = pytest.mark.django_db


def test_it_lists_unreachable_and_undisclosed_firms_as_abnormal(setup_plan):
    plan, _, user = setup_plan()
    plan = services.plan_commit(plan=plan, actor=user)
    services.plan_entropy_enter(plan=plan, actor=user, public_entropy="42")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=user)
    first, second, third = Task.objects.filter(plan=plan).order_by("position")[:3]
    for task, result in ((first, Result.UNREACHABLE), (second, Result.NOT_DISCLOSED), (third, Result.NO_PROBLEM)):
        services.task_result_record(task=task, result=result, findings="核查情况", completed_on=dt.date(2026, 10, 20),
                                    actor=user)
    services.plan_results_publish(plan=plan, actor=user)

    from listings.models import ListEntry

    entries = {e.enterprise_id: e for e in ListEntry.objects.filter(enterprise__in=[first.enterprise, second.enterprise,
                                                                                   third.enterprise])}
    assert set(entries) == {first.enterprise_id, second.enterprise_id}
    assert entries[first.enterprise_id].reason_code == "unreachable"
    assert entries[second.enterprise_id].reason_code == "disclosure_not_made"
    assert entries[first.enterprise_id].source_url == f"/inspections/plans/{plan.number}/"
    assert entries[first.enterprise_id].source_label == f"双随机抽查 {plan.number}"


def test_it_calls_the_listings_service_once_per_followup_with_the_contract_arguments(setup_plan):
    from inspections import followups

    plan, _, user = setup_plan()
    plan = services.plan_commit(plan=plan, actor=user)
    services.plan_entropy_enter(plan=plan, actor=user, public_entropy="42")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=user)
    task = Task.objects.filter(plan=plan).first()
    task.result, task.completed_on = Result.UNREACHABLE, dt.date(2026, 10, 20)
    calls = []

    class Duplicate(Exception):
        code = "duplicate"

    fake = mock.MagicMock(ListingError=Duplicate, list_entry_create=lambda **kw: calls.append(kw))
    with mock.patch.dict("sys.modules", {"listings.services": fake}):
        assert followups.followups_create(plan=plan, tasks=[task]) == 1
    assert calls == [{
        "list_code": "abnormal-operations", "enterprise": task.enterprise, "reason_code": "unreachable",
        "reason_text": "通过登记的住所（经营场所）无法联系", "decision_number": task.number,
        "deciding_agency": plan.agency, "decided_on": dt.date(2026, 10, 20), "legal_basis": followups.LEGAL_BASIS,
        "source_label": f"双随机抽查 {plan.number}", "source_url": plan.get_absolute_url(), "actor": None,
    }]

    def duplicate(**kw):
        raise Duplicate()

    fake.list_entry_create = duplicate
    with mock.patch.dict("sys.modules", {"listings.services": fake}):
        assert followups.followups_create(plan=plan, tasks=[task]) == 0
