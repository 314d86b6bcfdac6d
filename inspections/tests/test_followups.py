"""Unreachable and non-disclosure results feed the abnormal-operations list."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from inspections import services
from inspections.models import Result, Task
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def drawn_tasks(setup_plan):
    plan, _, user = setup_plan()
    plan = services.plan_commit(plan=plan, actor=user)
    services.plan_entropy_enter(plan=plan, actor=user, public_entropy="42")
    with mock.patch("django.db.transaction.on_commit", side_effect=lambda fn, *a, **k: fn()):
        services.plan_draw_request(plan=plan, actor=user)
    return plan, user, list(Task.objects.filter(plan=plan).order_by("position"))


def test_it_lists_unreachable_and_undisclosed_firms_as_abnormal(setup_plan, today):
    plan, user, tasks = drawn_tasks(setup_plan)
    first, second, third = tasks[:3]
    for task, result in ((first, Result.UNREACHABLE), (second, Result.NOT_DISCLOSED), (third, Result.NO_PROBLEM)):
        services.task_result_record(task=task, result=result, findings="核查情况",
                                    completed_on=today - dt.timedelta(days=27), actor=user)
    services.plan_results_publish(plan=plan, actor=user)

    from listings.models import ListEntry

    entries = {e.enterprise_id: e for e in ListEntry.objects.filter(enterprise__in=[first.enterprise, second.enterprise,
                                                                                   third.enterprise])}
    assert set(entries) == {first.enterprise_id, second.enterprise_id}
    assert entries[first.enterprise_id].reason_code == "unreachable"
    assert entries[second.enterprise_id].reason_code == "disclosure_not_made"
    assert entries[first.enterprise_id].source_url == f"/inspections/plans/{plan.number}/"
    assert entries[first.enterprise_id].source_label == f"双随机抽查 {plan.number}"


def test_it_creates_one_list_entry_per_followup_through_the_listings_service(setup_plan, today):
    from inspections import followups
    from listings.models import EntryState, EntryStatus, ListEntry

    plan, _, tasks = drawn_tasks(setup_plan)
    task, untroubled = tasks[:2]
    completed_on = today - dt.timedelta(days=3)
    task.result, task.completed_on = Result.UNREACHABLE, completed_on
    untroubled.result, untroubled.completed_on = Result.NO_PROBLEM, completed_on

    assert followups.followups_create(plan=plan, tasks=[task, untroubled]) == 1
    entry = ListEntry.objects.select_related("credit_list", "reason").get(enterprise=task.enterprise)
    assert not ListEntry.objects.filter(enterprise=untroubled.enterprise).exists()
    assert (entry.credit_list.code, entry.reason_code) == ("abnormal-operations", "unreachable")
    assert entry.reason_text == "通过登记的住所（经营场所）无法联系"
    assert (entry.decision_number, entry.deciding_agency) == (task.number, plan.agency)
    assert entry.legal_basis == followups.LEGAL_BASIS
    # Decided the day the check ended, listed today; the abnormal list has no maximum period.
    assert (entry.decided_on, entry.listed_on, entry.publication_ends_on) == (completed_on, today, None)
    assert (entry.state, entry.status) == (EntryState.LISTED, EntryStatus.ACTIVE)
    assert (entry.source_label, entry.source_url) == (f"双随机抽查 {plan.number}", plan.get_absolute_url())
    # A system action: no staff member is named, in the history or the audit log.
    assert list(entry.events.values_list("kind", "actor_label")) == [("listed", "system")]
    created = AuditEvent.objects.get(action="listings.entry.created", object_id=str(entry.pk))
    assert created.actor is None and created.actor_label == "system"

    # The same follow-up again: the listings service refuses the duplicate and nothing is added.
    assert followups.followups_create(plan=plan, tasks=[task]) == 0
    assert ListEntry.objects.filter(enterprise=task.enterprise).count() == 1
