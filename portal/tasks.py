from __future__ import annotations

from celery import shared_task

from portal import notices
from portal.locks import single_run


@shared_task(name="portal.notice_deliver", acks_late=True, ignore_result=True)
def notice_deliver_task(notice_id: int) -> bool:
    """Send one recorded e-mail; a second delivery of the task finds it sent and does nothing."""
    return notices.notice_deliver(notice_id=notice_id)


@shared_task(name="portal.notices_deliver_pending", ignore_result=True)
@single_run("portal.notices_deliver_pending")
def notices_deliver_pending_task() -> int | None:
    """Every few minutes (beat: CELERY_BEAT_SCHEDULE["portal-notices-retry"]): send what the
    broker or the mail server left unsent."""
    return notices.notices_deliver_pending()


@shared_task(name="portal.notices_deliver", acks_late=True, ignore_result=True)
def notices_deliver_task(notice_ids: list[int]) -> int:
    """Send a batch of recorded e-mails (portal.notices.notices_hand_over); safe to run twice."""
    return notices.notices_deliver(notice_ids=notice_ids)
