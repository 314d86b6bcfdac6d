"""The draw through a real Celery worker on PostgreSQL and Redis (services run only)."""

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

from inspections import services
from inspections.draw import algorithm
from inspections.models import Draw, PlanFile, PlanState, Task
from inspections.tasks import draw_plan
from inspections.tests.factories import entropy_due
from portal.models import AuditEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)
WAIT_SECONDS = 90
# Loaded into a worker only to hold a draw's transaction open (see that module).
PAUSE_MODULE, PAUSE_VARIABLE = "inspections.tests.draw_pause", "DRAW_TEST_PAUSE_SECONDS"
VISIBILITY_TIMEOUT = 5


class Workers:
    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.procs: list[tuple[subprocess.Popen, Path]] = []
        self.queue = f"insp-test-{uuid.uuid4().hex[:8]}"

    def start(self, *, pause_seconds: float = 0, **extra_env: str) -> tuple[subprocess.Popen, Path]:
        """A worker on this test's queue; with `pause_seconds` it loads the test-only module
        PAUSE_MODULE, which holds each draw's transaction open that long."""
        db = connection.settings_dict
        env = {name: value for name, value in os.environ.items() if name != PAUSE_VARIABLE}
        env.update(
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            REDIS_URL=settings.REDIS_URL,
            CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        )
        env.update(extra_env)
        include = []
        if pause_seconds:
            env[PAUSE_VARIABLE] = str(pause_seconds)
            include = ["--include", PAUSE_MODULE]
        log = self.tmp_path / f"worker{len(self.procs)}.log"
        proc = subprocess.Popen(
            [str(ROOT / ".venv/bin/celery"), "-A", "portal", "worker", "--pool=prefork", "--concurrency=2",
             "-l", "info", "-Q", self.queue, "-n", f"{self.queue}-{len(self.procs)}@%h", "--without-gossip",
             "--without-mingle", "--without-heartbeat", *include],
            cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.procs.append((proc, log))
        wait_for(lambda: b" ready." in log.read_bytes() or proc.poll() is not None, "worker start", log)
        assert proc.poll() is None, log.read_text()
        return proc, log

    def kill(self, proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for proc, _ in self.procs:
            try:
                self.kill(proc)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        # The test's own queue and bindings (the cache fixture no longer flushes the database).
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=f"*{self.queue}*"):
            client.delete(key)


def wait_for(condition, what: str, log: Path | None = None, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    detail = log.read_text(errors="replace")[-3000:] if log else ""
    pytest.fail(f"timed out waiting for {what}\n{detail}")


@pytest.fixture
def workers(tmp_path):
    pool = Workers(tmp_path)
    yield pool
    pool.stop_all()


def ready_plan(setup_plan):
    plan, _, user = setup_plan()
    plan = services.plan_commit(plan=plan, actor=user)
    entropy_due(plan)
    return services.plan_entropy_enter(plan=plan, actor=user, public_entropy="2026-11-27 3D 4 1 7")


def plan_state(plan) -> str:
    plan.refresh_from_db()
    return plan.state


def test_it_draws_once_when_the_task_is_sent_twice_at_once(setup_plan, workers):
    plan = ready_plan(setup_plan)
    _, log = workers.start(pause_seconds=2)
    for _ in range(2):
        draw_plan.apply_async(args=[plan.pk], queue=workers.queue)
    wait_for(lambda: log.read_bytes().count(b"succeeded in") >= 2, "both deliveries to finish", log)
    # The test-only pause was loaded, and ran once: only one delivery wrote a draw.
    assert log.read_bytes().count(b"draw test pause") == 1
    assert plan_state(plan) == PlanState.DRAWN
    assert Draw.objects.filter(plan=plan).count() == 1
    assert Task.objects.filter(plan=plan).count() == Draw.objects.get(plan=plan).selected_count == 10
    assert PlanFile.objects.filter(plan=plan, name="result.csv").count() == 1
    assert AuditEvent.objects.filter(action="inspections.draw.completed").count() == 1
    assert plan.draw_attempts in (1, 2)


def test_it_completes_exactly_once_after_the_worker_is_killed_mid_draw(setup_plan, workers):
    plan = ready_plan(setup_plan)
    first, log = workers.start(pause_seconds=60)
    draw_plan.apply_async(args=[plan.pk], queue=workers.queue)
    wait_for(lambda: plan_state(plan) == PlanState.DRAWING, "the draw to start", log)

    def writing() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE a.datname = current_database() AND a.state = 'idle in transaction' AND l.mode = 'RowExclusiveLock'"
            )
            return cursor.fetchone()[0] > 0

    wait_for(lambda: b"draw test pause" in log.read_bytes(), "the draw to pause with its result written", log)
    wait_for(writing, "the worker to hold its open transaction", log)
    workers.kill(first)
    # Nothing of the half-written result is visible: the transaction died with the worker.
    wait_for(lambda: not writing(), "PostgreSQL to roll back the dead worker's transaction")
    assert Task.objects.filter(plan=plan).count() == 0
    assert not Draw.objects.filter(plan=plan).exists()
    assert not PlanFile.objects.filter(plan=plan, name__in=["result.csv", "reveal.json"]).exists()
    assert plan_state(plan) == PlanState.DRAWING

    # Kombu restores unacknowledged messages older than the visibility timeout when a
    # worker starts polling (and then only every ~100 s), so let the message age first.
    time.sleep(VISIBILITY_TIMEOUT + 1)
    _, log2 = workers.start()
    wait_for(lambda: plan_state(plan) == PlanState.DRAWN, "the redelivered draw", log2)
    wait_for(lambda: b"succeeded in" in log2.read_bytes(), "the redelivered task to be acknowledged", log2)
    assert Draw.objects.filter(plan=plan).count() == 1
    assert Task.objects.filter(plan=plan).count() == 10
    assert AuditEvent.objects.filter(action="inspections.draw.completed").count() == 1
    assert plan.draw_attempts == 2


def test_it_ranks_with_a_worker_pool_inside_the_prefork_worker(setup_plan, workers):
    plan = ready_plan(setup_plan)
    _, log = workers.start(DRAW_PROCESSES="2", DRAW_PARALLEL_MIN_PAIRS="0")
    draw_plan.apply_async(args=[plan.pk], queue=workers.queue)
    wait_for(lambda: plan_state(plan) == PlanState.DRAWN, "the draw", log)
    # The task runs in a daemonic billiard process: the pool must be billiard's.
    assert b"ranked by 2 worker processes (_BilliardExecutor)" in log.read_bytes()
    files = {f.name: bytes(f.content) for f in PlanFile.objects.filter(plan=plan)}
    reference = algorithm.run_draw_from_files(files, secret=bytes(plan.secret), public_entropy=plan.public_entropy)
    assert files["result.csv"] == reference.result_csv()
