"""E-mails sent exactly once through a real Celery worker on PostgreSQL and Redis (services run
only): the delivery task sent twice, and the batch task as well, leave one mail file."""

from __future__ import annotations

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


def test_a_notice_sent_twice_through_the_worker_is_one_mail(worker):
    queue, mail_dir, log = worker
    # Recorded as the reminders record them (no hand-over: this test sends the tasks itself).
    notice = Notice.objects.create(key="credit.filing_reminder:2025:7:1", recipient="liaison@example.cn",
                                   subject="年度报告 / Annual report", body="正文 Body")
    for _ in range(2):
        notice_deliver_task.apply_async(args=[notice.pk], queue=queue)
    notices_deliver_task.apply_async(args=[[notice.pk]], queue=queue)
    wait_for(lambda: log.read_bytes().count(b"succeeded in") >= 3, "the three deliveries to finish", log)
    files = list(mail_dir.iterdir())
    assert len(files) == 1, [file.name for file in files]
    assert "liaison@example.cn" in files[0].read_text()
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.attempts == 1
