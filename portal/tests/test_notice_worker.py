"""E-mails sent exactly once through a real Celery worker on PostgreSQL and Redis (services run
only): the delivery task sent twice, and the batch task as well, leave one mail file; the filing
reminder beat task run twice leaves one mail per liaison."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from portal.models import Notice
from portal.tasks import notice_deliver_task, notices_deliver_task
from portal.testing.celery_worker import celery_worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def worker(tmp_path):
    """A worker on a queue of this test's own, writing e-mails as files into `mail_dir`."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    with celery_worker(tmp_path, "notice-test", EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
                       EMAIL_FILE_PATH=str(mail_dir)) as (queue, log):
        yield queue, mail_dir, log


def mail_recipients(mail_dir: Path) -> list[str]:
    """The To: line of every mail written. The file backend names a file by the second and the
    backend object's id(), so two mails sent in one second can share a file: count mails, not files."""
    return sorted(line for path in mail_dir.iterdir() for line in path.read_text().splitlines()
                  if line.startswith("To: "))


def test_a_notice_sent_twice_through_the_worker_is_one_mail(worker):
    queue, mail_dir, log = worker
    # Recorded as the reminders record them (no hand-over: this test sends the tasks itself).
    notice = Notice.objects.create(key="credit.filing_reminder:2025:7:1", recipient="liaison@example.cn",
                                   subject="年度报告 / Annual report", body="正文 Body")
    for _ in range(2):
        notice_deliver_task.apply_async(args=[notice.pk], queue=queue)
    notices_deliver_task.apply_async(args=[[notice.pk]], queue=queue)
    wait_for(lambda: log.read_bytes().count(b"succeeded in") >= 3, "the three deliveries to finish", log)
    assert mail_recipients(mail_dir) == ["To: liaison@example.cn"]
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.attempts == 1


def test_the_filing_reminder_task_run_twice_through_the_worker_mails_each_liaison_once(worker, today, now):
    from credit.tasks import filing_reminders_queue_task
    from credit.tests import factories as f

    queue, mail_dir, log = worker
    # 20 days before 30 June: the "30 days" reminder for last year's report. The worker's clock is
    # the real one, so the day is named to the task.
    day = dt.date(today.year, 6, 10)
    year = day.year - 1
    non_filer = f.EnterpriseFactory()
    liaisons = [f.EnterpriseAccountFactory(enterprise=non_filer) for _ in range(2)]
    revoked = f.EnterpriseAccountFactory(enterprise=non_filer, revoked_at=now)
    filer = f.EnterpriseFactory()
    filer_liaison = f.EnterpriseAccountFactory(enterprise=filer)
    f.AnnualReportFactory(enterprise=filer, year=year)
    for account in [*liaisons, revoked, filer_liaison]:
        account.user.email = f"{account.user.username}@example.cn"
        account.user.save()
    for _ in range(2):
        filing_reminders_queue_task.apply_async(kwargs={"today": day.isoformat()}, queue=queue)
    wait_for(lambda: log.read_bytes().count(b"credit.filing_reminders_queue[") >= 4, "both reminder runs", log)
    wait_for(lambda: Notice.objects.filter(sent_at=None).count() == 0 and len(mail_recipients(mail_dir)) >= 2,
             "two mails", log)
    time.sleep(2)  # a second delivery, were there one, would have written by now
    recipients = mail_recipients(mail_dir)
    assert recipients == sorted(f"To: {account.user.email}" for account in liaisons), recipients
    assert sorted(Notice.objects.values_list("key", flat=True)) == sorted(
        f"credit.filing_reminder:{year}:30:{account.user_id}" for account in liaisons)
    assert not Notice.objects.filter(attempts__gt=1).exists()
