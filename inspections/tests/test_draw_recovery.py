"""A draw asked for while the broker is down is not lost, and a draw whose worker died is
retried, or failed visibly, within minutes (inspections.draws_requeue)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import threading
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from kombu.exceptions import OperationalError as BrokerError

from inspections import services, tasks
from inspections.models import Plan, PlanState
from inspections.tests.factories import entropy_due
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def ready_plan(setup_plan):
    plan, _, user = setup_plan()
    plan = services.plan_commit(plan=plan, actor=user)
    entropy_due(plan)
    plan = services.plan_entropy_enter(plan=plan, actor=user, public_entropy="2026-11-27 3D 4 1 7")
    return plan, user


def broker_down():
    return mock.patch.object(tasks.draw_plan, "apply_async",
                             side_effect=BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))


def requested_while_the_broker_is_down(setup_plan, capture):
    plan, user = ready_plan(setup_plan)
    with broker_down(), capture(execute=True):
        services.plan_draw_request(plan=plan, actor=user)
    plan.refresh_from_db()
    return plan, user


def test_a_draw_asked_for_while_the_broker_is_down_succeeds_and_stays_requested(
        setup_plan, django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.WARNING, logger="inspections.draws")
    plan, _ = requested_while_the_broker_is_down(setup_plan, django_capture_on_commit_callbacks)
    assert plan.state == PlanState.COMMITTED
    assert plan.draw_requested_at is not None
    assert AuditEvent.objects.filter(action="inspections.draw.requested").count() == 1
    assert "broker is unavailable" in caplog.text


def test_the_admin_action_answers_normally_while_the_broker_is_down(
        client, setup_plan, django_capture_on_commit_callbacks):
    plan, user = ready_plan(setup_plan)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="inspections"))
    client.force_login(user)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/inspections/plan/", {"action": "run_draws", "_selected_action": [plan.pk]},
                               follow=True)
    assert response.status_code == 200
    assert f"{plan.number}: draw queued." in response.content.decode()
    plan.refresh_from_db()
    assert plan.draw_requested_at is not None


def test_the_sweep_queues_the_request_when_the_broker_is_back(setup_plan, django_capture_on_commit_callbacks):
    plan, _ = requested_while_the_broker_is_down(setup_plan, django_capture_on_commit_callbacks)
    asked = plan.draw_requested_at
    # Not yet: the worker may simply not have started it.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.draws_requeue(now=asked + MINUTE) == {"requeued": [], "failed": []}
    # Minutes later, with the broker back, it is queued again; the (eager) worker draws it.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.draws_requeue(now=asked + 3 * MINUTE) == {"requeued": [plan.number], "failed": []}
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN
    assert plan.draw_attempts == 1
    assert AuditEvent.objects.filter(action="inspections.draw.requeued").count() == 1
    # Safe to run again: nothing is left to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.draws_requeue(now=asked + 10 * MINUTE) == {"requeued": [], "failed": []}


def test_the_sweep_runs_twice_without_queueing_twice(setup_plan, django_capture_on_commit_callbacks):
    plan, _ = requested_while_the_broker_is_down(setup_plan, django_capture_on_commit_callbacks)
    later = plan.draw_requested_at + 3 * MINUTE
    with broker_down():  # still down: the request stays, and is asked again only minutes later
        with django_capture_on_commit_callbacks(execute=True):
            assert services.draws_requeue(now=later)["requeued"] == [plan.number]
        with django_capture_on_commit_callbacks(execute=True):
            assert services.draws_requeue(now=later)["requeued"] == []
            assert services.draws_requeue(now=later + MINUTE)["requeued"] == []
    assert AuditEvent.objects.filter(action="inspections.draw.requeued").count() == 1
    plan.refresh_from_db()
    assert plan.state == PlanState.COMMITTED and plan.draw_requested_at == later


def crashed_mid_draw(plan, *, started: dt.datetime, attempts: int) -> None:
    """What a worker killed during the draw leaves: "drawing", nothing written, no lock."""
    Plan.objects.filter(pk=plan.pk).update(state=PlanState.DRAWING, draw_attempts=attempts,
                                           draw_started_at=started, draw_requested_at=started - MINUTE)


def test_a_draw_whose_worker_died_is_retried_within_minutes(setup_plan, django_capture_on_commit_callbacks):
    plan, _ = ready_plan(setup_plan)
    started = plan.committed_at + 10 * MINUTE
    crashed_mid_draw(plan, started=started, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.draws_requeue(now=started + MINUTE)["requeued"] == []
    with django_capture_on_commit_callbacks(execute=True):
        assert services.draws_requeue(now=started + 3 * MINUTE)["requeued"] == [plan.number]
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN
    assert plan.draw_attempts == 2


def test_a_draw_that_keeps_dying_fails_visibly(setup_plan, django_capture_on_commit_callbacks, settings):
    settings.DRAW_MAX_ATTEMPTS = 3
    plan, _ = ready_plan(setup_plan)
    started = plan.committed_at + 10 * MINUTE
    crashed_mid_draw(plan, started=started, attempts=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.draws_requeue(now=started + 3 * MINUTE) == {"requeued": [], "failed": [plan.number]}
    plan.refresh_from_db()
    assert plan.state == PlanState.COMMITTED
    assert "started 3 times and stopped each time" in plan.draw_error
    assert plan.draw_requested_at is None
    assert AuditEvent.objects.filter(action="inspections.draw.failed").count() == 1
    # It waits for staff now.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.draws_requeue(now=started + 60 * MINUTE) == {"requeued": [], "failed": []}


def test_a_failed_draw_is_not_retried_by_the_sweep(setup_plan, django_capture_on_commit_callbacks):
    plan, _ = ready_plan(setup_plan)
    started = plan.committed_at + 10 * MINUTE
    crashed_mid_draw(plan, started=started, attempts=1)
    services.draw_fail(plan_id=plan.pk, error="RuntimeError: disk full")  # what the task does on an error
    with django_capture_on_commit_callbacks(execute=True):
        assert services.draws_requeue(now=started + 60 * MINUTE) == {"requeued": [], "failed": []}
    plan.refresh_from_db()
    assert plan.state == PlanState.COMMITTED and plan.draw_error == "RuntimeError: disk full"


def test_the_sweep_is_on_the_beat_schedule_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["inspections-draws-requeue"]
    assert entry["task"] == "inspections.draws_requeue" == tasks.draws_requeue_task.name
    assert entry["schedule"] == 60.0


def draw_messages(plan_id: int, queue: str = "celery") -> list[bytes]:
    """The draw tasks for the plan waiting in the real broker's queue, as stored."""
    import redis
    from django.conf import settings

    found = []
    for raw in redis.Redis.from_url(settings.CELERY_BROKER_URL).lrange(queue, 0, -1):
        message = json.loads(raw)
        args = json.loads(base64.b64decode(message["body"]))[0]
        if message["headers"]["task"] == tasks.draw_plan.name and args == [plan_id]:
            found.append(raw)
    return found


def drop_broker_messages(raws: list[bytes], queue: str = "celery") -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    for raw in raws:
        client.lrem(queue, 0, raw)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_a_live_draw_alone_and_queues_a_dead_one_on_the_real_broker(setup_plan):
    """PostgreSQL: a worker that is drawing holds its plan's row lock; one that died does not."""
    plan, _ = ready_plan(setup_plan)
    started = plan.committed_at + 10 * MINUTE
    crashed_mid_draw(plan, started=started, attempts=1)
    locked, release = threading.Event(), threading.Event()

    def live_worker():
        try:
            with transaction.atomic():
                Plan.objects.select_for_update().get(pk=plan.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    worker = threading.Thread(target=live_worker)
    worker.start()
    try:
        assert locked.wait(10)
        assert services.draws_requeue(now=started + 60 * MINUTE)["requeued"] == []
    finally:
        release.set()
        worker.join(10)
    # The lock is gone with the "worker": the draw is queued again, on the real broker.
    assert services.draws_requeue(now=started + 60 * MINUTE)["requeued"] == [plan.number]
    ours = draw_messages(plan.pk)
    try:
        assert len(ours) == 1
    finally:
        drop_broker_messages(ours)
