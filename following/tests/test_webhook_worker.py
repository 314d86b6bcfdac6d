"""Webhooks delivered exactly once through a real Celery worker on PostgreSQL and Redis (services
run only): one event, two follows on two endpoints; every delivery task is sent three times
(the hand-over twice and the retry sweep once, at once, on two worker processes), and the local
receiver sees exactly one request per follow, each with a valid signature."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from credit.tests.factories import EnterpriseFactory
from following import webhooks
from following.dispatch import alerts_dispatch
from following.models import Alert, Target, WebhookDelivery
from following.tasks import webhook_deliver_task, webhooks_retry_task
from following.tests.receivers import start_receiver
from following.tests.test_webhooks import make_key, penalty, verify
from portal.testing.celery_worker import celery_worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def worker(tmp_path):
    """A worker on a queue of this test's own, allowed to call 127.0.0.1."""
    with celery_worker(tmp_path, "webhook-test", WEBHOOK_ALLOW_LOCAL="1") as running:
        yield running


def test_each_event_reaches_each_follower_once_with_tasks_delivered_twice(worker, settings, now):
    queue, log = worker
    settings.WEBHOOK_ALLOW_LOCAL = True
    receiver, server = start_receiver()
    try:
        enterprise = EnterpriseFactory()
        endpoints, follows = [], []
        for _ in range(2):
            api_key, _key = make_key(now)
            endpoint = webhooks.webhook_endpoint_create(api_key=api_key, url=receiver.url)
            endpoints.append(endpoint)
            follows.append(webhooks.webhook_follow_create(endpoint=endpoint, target=Target.ENTERPRISE,
                                                          enterprise=enterprise))
        # The hand-over is left to this test: record the alerts without queueing anything.
        from following import channels

        original = channels._CHANNELS.get("webhook")
        channels._CHANNELS["webhook"] = lambda ids: None
        try:
            penalty(enterprise)
            alerts_dispatch()
        finally:
            channels._CHANNELS["webhook"] = original
        alert_ids = list(Alert.objects.filter(follow__in=follows).values_list("pk", flat=True))
        assert len(alert_ids) == 2
        # deliver_new twice (a dispatcher task delivered twice); its queueing after commit is the
        # broker's: each delivery's task reaches the worker twice, and the sweep queues them again.
        from following import webhooks as module

        sent: list[int] = []
        original_queue = module.deliveries_queue
        module.deliveries_queue = lambda ids: sent.extend(ids) or len(ids)
        try:
            webhooks.deliver_new(alert_ids)
            webhooks.deliver_new(alert_ids)
        finally:
            module.deliveries_queue = original_queue
        deliveries = list(WebhookDelivery.objects.filter(alert_id__in=alert_ids).values_list("pk", flat=True))
        assert len(deliveries) == 2 and sorted(sent) == sorted(deliveries * 2)
        # Due by the worker's clock too (it is not pinned, nor shifted with --clock-shift-years).
        WebhookDelivery.objects.filter(pk__in=deliveries).update(next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        for pk in sent:
            webhook_deliver_task.apply_async(args=[pk], queue=queue)
        webhooks_retry_task.apply_async(queue=queue)
        wait_for(lambda: WebhookDelivery.objects.filter(pk__in=deliveries, status="delivered").count() == 2,
                 "both deliveries", log)
        wait_for(lambda: log.read_bytes().count(b"following.webhook_deliver[") >= 2 * 4, "every task to run", log)
        time.sleep(2)  # a second request, were there one, would have arrived by now
        by_endpoint = {}
        for request in receiver.requests:
            by_endpoint.setdefault(request.headers["webhook-id"], []).append(request)
        assert len(receiver.requests) == 2, [r.headers["webhook-id"] for r in receiver.requests]
        assert sorted(by_endpoint) == sorted(f"msg_{pk}" for pk in alert_ids)
        secrets_by_message = {f"msg_{a.pk}": a.follow.endpoint.secret
                              for a in Alert.objects.filter(pk__in=alert_ids).select_related("follow__endpoint")}
        for message_id, [request] in by_endpoint.items():
            assert verify(secrets_by_message[message_id], request.headers, request.body,
                          int(request.headers["webhook-timestamp"]))
        assert not WebhookDelivery.objects.filter(pk__in=deliveries, attempts__gt=1).exists()
    finally:
        server.shutdown()
        server.server_close()
