"""The filing reminders (credit/reminders.py): 30 and 7 days before 30 June, to the active liaisons
of every enterprise that has not filed, each e-mail recorded and sent exactly once, set-based."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from credit.models import RegistrationStatus
from credit.reminders import filing_reminder_due, filing_reminders_queue
from credit.tasks import filing_reminders_queue_task
from credit.tests import factories as f
from portal.models import Notice
from portal.testing.tasks import tasks_in_process

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_in_process():
    # The services run configures a broker; the tasks these tests hand over still run here.
    with tasks_in_process():
        yield


def at(clock, day: dt.date) -> None:
    clock.move_to(timezone.make_aware(dt.datetime.combine(day, dt.time(9))))


def liaison(enterprise=None, *, email: str = "", active: bool = True):
    account = f.EnterpriseAccountFactory(enterprise=enterprise or f.EnterpriseFactory())
    account.user.email = email or f"{account.user.username}@example.cn"
    account.user.is_active = active
    account.user.save()
    return account


@pytest.fixture
def june(today) -> dt.date:
    """30 June of this year's filing window (the report for last year)."""
    return dt.date(today.year, 6, 30)


@pytest.mark.parametrize(("days_before", "code"), [
    (31, None), (30, "30"), (20, "30"), (8, "30"), (7, "7"), (1, "7"), (0, "7"), (-1, None),
])
def test_the_windows_send_each_reminder_on_any_day_of_its_window(june, days_before, code):
    due = filing_reminder_due(june - dt.timedelta(days=days_before))
    assert (due.code if due else None) == code
    if due:
        assert due.year == june.year - 1 and due.deadline == june and due.days_left == days_before


def test_each_reminder_is_sent_once_even_when_the_task_runs_twice(clock, june, django_capture_on_commit_callbacks):
    account = liaison(f.EnterpriseFactory(name="甲{uscc}公司", name_en="Jia Ltd."), email="liaison@example.cn")
    at(clock, june - dt.timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        assert filing_reminders_queue_task() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert filing_reminders_queue_task() == 0
    at(clock, june - dt.timedelta(days=12))  # later in the same window: nothing new
    with django_capture_on_commit_callbacks(execute=True):
        assert filing_reminders_queue_task() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    year = june.year - 1
    assert message.to == ["liaison@example.cn"]
    assert Notice.objects.get().key == f"credit.filing_reminder:{year}:30:{account.user_id}"
    body = message.body
    assert body.index("年度报告") < body.index("annual report")  # Chinese first, then English
    assert body.startswith("甲{uscc}公司（") and "Jia Ltd. (unified social credit code" in body  # names kept as they are
    for text in (account.enterprise.name, account.enterprise.uscc, str(year), "30 days left", "/account/",
                 f"{june.year}年6月30日"):
        assert text in body, text
    # The "7 days" reminder is another e-mail, also once.
    at(clock, june - dt.timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        assert filing_reminders_queue() == 1
        assert filing_reminders_queue() == 0
    assert len(mail.outbox) == 2 and "7 days left" in mail.outbox[1].body
    assert Notice.objects.filter(sent_at__isnull=False).count() == 2


def test_only_active_liaisons_of_non_filers_are_reminded(clock, june, today):
    year = june.year - 1
    due = liaison(email="due@example.cn")
    second = liaison(due.enterprise, email="second@example.cn")  # several liaisons: each gets one
    filed = liaison(email="filed@example.cn")
    f.AnnualReportFactory(enterprise=filed.enterprise, year=year)
    revoked = liaison(email="revoked@example.cn", active=False)
    new = liaison(f.EnterpriseFactory(established_on=dt.date(june.year, 1, 10)), email="new@example.cn")
    gone = liaison(f.EnterpriseFactory(status=RegistrationStatus.DEREGISTERED), email="gone@example.cn")
    no_address = f.EnterpriseAccountFactory()  # no e-mail address: nothing to record
    at(clock, june - dt.timedelta(days=3))
    assert filing_reminders_queue() == 2
    assert set(Notice.objects.values_list("recipient", flat=True)) == {"due@example.cn", "second@example.cn"}
    assert not Notice.objects.filter(key__endswith=f":{revoked.user_id}").exists()
    assert {filed.user.email, new.user.email, gone.user.email, no_address.user.email}.isdisjoint(
        Notice.objects.values_list("recipient", flat=True))
    assert second.enterprise_id == due.enterprise_id


@pytest.mark.parametrize("day", [dt.timedelta(days=31), dt.timedelta(days=-1), dt.timedelta(days=-200)])
def test_nothing_is_sent_outside_the_windows(clock, june, day):
    liaison()
    at(clock, june - day)
    assert filing_reminders_queue() == 0
    assert not Notice.objects.exists()


@pytest.mark.parametrize("enterprises", [1, 30])
def test_the_query_count_does_not_grow_with_the_enterprises(enterprises, clock, june, django_assert_num_queries):
    for _ in range(enterprises):
        liaison()
    at(clock, june - dt.timedelta(days=20))
    # one INSERT ... SELECT of the liaisons not yet reminded, returning the new ids, and the
    # savepoint pair of the atomic block
    with django_assert_num_queries(3):
        assert filing_reminders_queue() == enterprises
    assert Notice.objects.count() == enterprises
