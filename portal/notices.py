"""E-mails that are sent exactly once: recorded before sending, by a unique key.

    notice_queue(key="credit.filing_reminder:2026:7d:42", to="liaison@example.cn",
                 subject=..., body=...)

`notice_queue` inserts a `portal.Notice` row (a second call with the same key changes
nothing and returns None) and, once the caller's transaction commits, hands the row's id to
the task `portal.notice_deliver`. Delivery locks the row, sends only if `sent_at` is empty and
stamps it in the same transaction, so a task delivered twice sends once. A broker outage
delays the mail, it does not lose it: the beat task `portal.notices_deliver_pending` picks up
rows left unsent for NOTICE_RETRY_MINUTES, and gives up after NOTICE_MAX_ATTEMPTS failed sends
(the error stays on the row, in the admin).

Subjects and bodies are rendered by the caller (in both languages where the reader's is
unknown); this module knows nothing of what the notices say.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import Notice

logger = logging.getLogger("portal.notices")


def notice_queue(*, key: str, to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> Notice | None:
    """Record the notice `key` for `to` and queue its delivery; None if `key` was recorded before."""
    if not to:
        return None
    try:
        with transaction.atomic():
            notice = Notice.objects.create(key=key[:200], recipient=to, subject=subject[:300], body=body,
                                           headers=dict(headers or {}))
    except IntegrityError:
        return None
    transaction.on_commit(lambda: _hand_over(notice.pk))
    return notice


def _hand_over(notice_id: int) -> None:
    from portal.tasks import notice_deliver_task

    try:
        notice_deliver_task.delay(notice_id)
    except Exception:  # a broker outage: notices_deliver_pending sends it later
        logger.warning("notice %s not handed to the broker; it is sent by the next retry sweep", notice_id)


def notice_deliver(*, notice_id: int) -> bool:
    """Send one recorded notice unless it was sent; True if this call sent it."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id, sent_at=None).first()
        if notice is None:
            return False
        notice.attempts += 1
        try:
            EmailMessage(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [notice.recipient],
                         headers=notice.headers or None).send()
        except Exception as problem:  # kept on the row; retried by the sweep
            notice.last_error = f"{type(problem).__name__}: {problem}"[:300]
            notice.save(update_fields=["attempts", "last_error"])
            logger.warning("notice %s not sent: %s", notice_id, notice.last_error)
            return False
        notice.sent_at = timezone.now()
        notice.last_error = ""
        notice.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


def notices_deliver_pending(*, now: dt.datetime | None = None) -> int:
    """Send the notices left unsent for NOTICE_RETRY_MINUTES (a broker outage, a mail server
    that refused); the number sent."""
    now = now or timezone.now()
    due = Notice.objects.filter(
        sent_at=None,
        created_at__lte=now - dt.timedelta(minutes=settings.NOTICE_RETRY_MINUTES),
        attempts__lt=settings.NOTICE_MAX_ATTEMPTS,
    ).order_by("created_at").values_list("pk", flat=True)[:500]
    return sum(notice_deliver(notice_id=pk) for pk in list(due))


# Ids per delivery task when many notices are recorded at once (the filing reminders).
BATCH_SIZE = 200


def notices_hand_over(notice_ids: list[int]) -> None:
    """Once the caller's transaction commits, hand notices recorded in bulk (bulk_create with a
    unique key, ignore_conflicts) to `portal.notices_deliver` in batches."""
    ids = list(notice_ids)
    if ids:
        transaction.on_commit(lambda: _hand_over_batches(ids))


def _hand_over_batches(ids: list[int]) -> None:
    from portal.tasks import notices_deliver_task

    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        try:
            notices_deliver_task.delay(batch)
        except Exception:  # a broker outage: notices_deliver_pending sends them later
            logger.warning("%s notices not handed to the broker; the retry sweep sends them", len(batch))
            return


def notices_deliver(*, notice_ids: list[int]) -> int:
    """Send each of the recorded notices not sent yet (one by one, each exactly once); the number sent."""
    return sum(notice_deliver(notice_id=pk) for pk in notice_ids)
