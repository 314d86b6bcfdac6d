"""Unreachable and non-disclosure results feed the abnormal-operations list."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest

from inspections import followups, services
from inspections.models import DisclosureOrder, Result, Task
from inspections.tests.factories import entropy_due
from portal.models import AuditEvent
from portal.workdays import add_working_days

pytestmark = pytest.mark.django_db


def drawn_tasks(setup_plan):
    plan, _, user = setup_plan()
    plan = services.plan_commit(plan=plan, actor=user)
    entropy_due(plan)
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
    # Unreachable lists the firm; not disclosed first orders disclosure (see the tests below).
    assert set(entries) == {first.enterprise_id}
    assert entries[first.enterprise_id].reason_code == "unreachable"
    order = DisclosureOrder.objects.get(task=second)
    assert (order.enterprise_id, order.ordered_on) == (second.enterprise_id, today)
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


def _travel_to(clock, day: dt.date) -> None:
    from django.utils import timezone

    clock.shift(dt.timedelta(days=(day - timezone.localdate()).days))


def test_an_order_to_disclose_lists_the_firm_only_once_its_working_day_deadline_passed_uncured(
    setup_plan, today, clock
):
    from listings.models import ListEntry

    plan, user, tasks = drawn_tasks(setup_plan)
    cured, uncured = tasks[:2]
    for task in (cured, uncured):
        services.task_result_record(task=task, result=Result.NOT_DISCLOSED, findings="未公示股权变更",
                                    completed_on=today - dt.timedelta(days=5), actor=user)
    services.plan_results_publish(plan=plan, actor=user)
    orders = {order.task_id: order for order in DisclosureOrder.objects.all()}
    assert set(orders) == {cured.pk, uncured.pk}
    due = add_working_days(today, followups.DISCLOSURE_ORDER_WORKING_DAYS)
    assert orders[uncured.pk].due_on == due.date
    assert not ListEntry.objects.exists()
    services.disclosure_order_cure(order=orders[cured.pk], cured_on=today, actor=user)

    _travel_to(clock, due.date)
    assert followups.disclosure_orders_lapse() == 0  # the last day still counts
    _travel_to(clock, due.date + dt.timedelta(days=1))
    assert followups.disclosure_orders_lapse() == 1
    entry = ListEntry.objects.get()
    assert (entry.enterprise_id, entry.reason_code) == (uncured.enterprise_id, "disclosure_not_made")
    assert entry.reason_text == followups.LAPSED_REASON_TEXT and entry.decided_on == due.date
    # Idempotent: a second run lists nobody again, and a closed order cannot be cured.
    assert followups.disclosure_orders_lapse() == 0
    assert ListEntry.objects.count() == 1
    with pytest.raises(services.InspectionError) as problem:
        services.disclosure_order_cure(order=orders[uncured.pk], cured_on=due.date, actor=user)
    assert "cured_on" in problem.value.message_dict
    # Publishing again adds no second order for the same result.
    assert followups.followups_create(plan=plan, tasks=[cured, uncured]) == 0


def test_spot_check_results_follow_the_same_rules(db, today, clock):
    from credit.tests.factories import AgencyFactory, EnterpriseFactory
    from listings.models import ListEntry

    agency = AgencyFactory()
    unreachable, undisclosed = EnterpriseFactory(), EnterpriseFactory()
    services.spot_check_publish(enterprise=unreachable, agency=agency, kind="即时信息抽查", checked_on=today,
                                result=Result.UNREACHABLE, actor=None)
    check = services.spot_check_publish(enterprise=undisclosed, agency=agency, kind="即时信息抽查",
                                        checked_on=today, result=Result.NOT_DISCLOSED, actor=None)
    assert list(ListEntry.objects.values_list("enterprise_id", "reason__code")) == [(unreachable.pk, "unreachable")]
    order = DisclosureOrder.objects.get()
    assert order.spot_check == check and order.enterprise == undisclosed
    _travel_to(clock, order.due_on + dt.timedelta(days=1))
    assert followups.disclosure_orders_lapse() == 1
    assert ListEntry.objects.filter(enterprise=undisclosed, reason__code="disclosure_not_made").exists()


def test_the_lapse_sweep_is_a_beat_task(settings):
    from inspections.tasks import disclosure_orders_lapse_task

    schedule = settings.CELERY_BEAT_SCHEDULE["inspections-disclosure-orders-lapse"]
    assert schedule["task"] == disclosure_orders_lapse_task.name == "inspections.disclosure_orders_lapse"
