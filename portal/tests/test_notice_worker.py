"""E-mails sent exactly once through a real Celery worker on PostgreSQL and Redis (services run
only): the delivery task sent twice, and the batch task as well, leave one mail file; the filing
reminder beat task run twice leaves one mail per liaison."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from portal.models import Notice
from portal.tasks import notice_deliver_task, notices_deliver_task

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)
WAIT_SECONDS = 90


def wait_for(condition, what: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def worker(tmp_path):
    """A worker on a queue of this test's own, writing e-mails as files into `mail_dir`."""
    db = connection.settings_dict
    queue = f"notice-test-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        # What the worker's tasks hand on (the reminders to portal.notices_deliver) stays on this queue.
        CELERY_TASK_DEFAULT_QUEUE=queue,
    )
    log = tmp_path / "worker.log"
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "portal", "worker", "--pool=prefork", "--concurrency=2", "-l", "info",
         "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    wait_for(lambda: b" ready." in log.read_bytes() or proc.poll() is not None, "worker start", log)
    assert proc.poll() is None, log.read_text()
    yield queue, mail_dir, log
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)


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
