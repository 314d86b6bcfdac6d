"""A real Celery worker for the services tests: its own queue on the test database and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
WAIT_SECONDS = 90


def wait_for(condition, what: str, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def celery_worker(tmp_path: Path, prefix: str, **env_extra: str) -> Iterator[tuple[str, Path]]:
    """A prefork worker (2 processes) on a queue of its own, which its tasks' hand-overs stay on;
    yields (queue, log); killed and its queue's Redis keys removed afterwards."""
    db = connection.settings_dict
    queue = f"{prefix}-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ)
    env.update(DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
               REDIS_URL=settings.REDIS_URL, CELERY_TASK_DEFAULT_QUEUE=queue, **env_extra)
    log = tmp_path / "worker.log"
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/celery"), "-A", "portal", "worker", "--pool=prefork", "--concurrency=2", "-l", "info",
         "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        wait_for(lambda: b" ready." in log.read_bytes() or proc.poll() is not None, "worker start", log)
        assert proc.poll() is None, log.read_text()
        yield queue, log
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
