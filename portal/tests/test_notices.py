"""E-mails recorded before sending and sent exactly once (portal/notices.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from portal import notices
from portal.models import Notice
from portal.testing.tasks import tasks_in_process

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_in_process():
    # The services run configures a broker; the tasks these tests hand over still run here.
    with tasks_in_process():
        yield


def _queue(key="test.notice:1", to="liaison@example.cn"):
    return notices.notice_queue(key=key, to=to, subject="主题 Subject", body="正文 Body")


def test_a_notice_is_sent_once_when_queued_twice(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _queue()
        second = _queue()
    assert first is not None and second is None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["liaison@example.cn"]
    first.refresh_from_db()
    assert first.sent_at is not None and first.attempts == 1


def test_delivering_a_sent_notice_again_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = _queue()
    assert notices.notice_deliver(notice_id=notice.pk) is False
    assert len(mail.outbox) == 1


def test_a_notice_without_a_recipient_is_not_recorded():
    assert _queue(to="") is None
    assert not Notice.objects.exists()


def test_a_broker_outage_leaves_the_notice_for_the_retry_sweep(monkeypatch, django_capture_on_commit_callbacks, now):
    from portal import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.notice_deliver_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        notice = _queue()
    assert mail.outbox == []
    assert notices.notices_deliver_pending(now=now) == 0  # too recent: maybe still on its way
    assert notices.notices_deliver_pending(now=now + dt.timedelta(minutes=11)) == 1
    assert len(mail.outbox) == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None


def test_a_refused_send_is_kept_with_its_error_and_retried(monkeypatch, django_capture_on_commit_callbacks, now):
    def refuse(*args, **kwargs):
        raise OSError("mail server refused")

    monkeypatch.setattr(notices.EmailMessage, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        notice = _queue()
    notice.refresh_from_db()
    assert notice.sent_at is None and notice.attempts == 1 and "refused" in notice.last_error
    monkeypatch.undo()
    assert notices.notices_deliver_pending(now=now + dt.timedelta(minutes=11)) == 1
    notice.refresh_from_db()
    assert notice.sent_at is not None and notice.last_error == ""


def test_a_notice_carries_its_headers_to_the_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notices.notice_queue(key="test.headers:1", to="a@example.cn", subject="S", body="B",
                             headers={"List-Unsubscribe": "<https://example.cn/u/1/>"})
    assert mail.outbox[-1].extra_headers == {"List-Unsubscribe": "<https://example.cn/u/1/>"}
    assert "List-Unsubscribe: <https://example.cn/u/1/>" in mail.outbox[-1].message().as_string()
