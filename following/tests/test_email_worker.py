"""E-mail alerts exactly once through a real Celery worker on PostgreSQL and Redis (services run
only): the dispatch task sent twice after a publication, and the e-mail hand-over of its alerts
sent twice at once, mail each follower once, naming the penalty and the follow."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.utils import timezone

from credit import services as credit_services
from credit.publication import published
from credit.tests import factories as f
from following.models import Alert, Follow, Target
from portal.models import Notice
from portal.tests.test_notice_worker import mail_recipients, wait_for, worker  # noqa: F401

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_dispatch_task_sent_twice_mails_each_follower_once(worker):  # noqa: F811
    from following import channels, dispatch
    from following.tasks import alerts_dispatch_task, email_deliver_task

    queue, mail_dir, log = worker
    enterprise = f.EnterpriseFactory()
    follows = [Follow.objects.create(target=Target.ENTERPRISE, enterprise=enterprise, channel="email",
                                     email=f"w{n}@example.cn", token=f"worker-token-{n}", created_at=timezone.now(),
                                     confirmed_at=timezone.now(), language="en") for n in range(2)]
    # This process publishes; the test's worker (on a queue of its own) dispatches.
    published.disconnect(dispatch_uid="following.dispatch")
    try:
        penalty = f.PenaltyFactory.build(enterprise=enterprise, source_agency=enterprise.registration_authority,
                                         publication_ends_on=None, document_number="杭市监罚〔2026〕7号")
        credit_services.credit_object_save(obj=penalty, actor=None)
    finally:
        published.connect(dispatch.on_published, dispatch_uid="following.dispatch")
    # This process records the alerts, its e-mail hand-over lost (no deliverer registered here) ...
    with mock.patch.dict(channels._CHANNELS, clear=True):
        dispatch.alerts_dispatch()
    ids = list(Alert.objects.filter(follow__in=follows, delivered_at=None).values_list("pk", flat=True))
    assert len(ids) == 2
    # ... and the worker's two processes run the e-mail hand-over of the same alerts twice at once
    # (a task delivered twice), then the dispatch task twice (it reads no new event).
    for _ in range(2):
        email_deliver_task.apply_async(args=[ids], queue=queue)
    for _ in range(2):
        alerts_dispatch_task.apply_async(queue=queue)
    wait_for(lambda: Notice.objects.filter(key__startswith="following.alert:", sent_at__isnull=False).count() >= 2
             and len(mail_recipients(mail_dir)) >= 2, "two alert mails", log)
    time.sleep(2)  # a second delivery, were there one, would have written by now
    assert mail_recipients(mail_dir) == sorted(f"To: {follow.email}" for follow in follows)
    assert Alert.objects.filter(follow__in=follows, delivered_at__isnull=False).count() == 2
    body = "".join(path.read_text() for path in mail_dir.iterdir())
    assert "杭市监罚" in body and "You receive this because you follow" in body
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in body
