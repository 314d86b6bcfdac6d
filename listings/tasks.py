from __future__ import annotations

from celery import shared_task

from listings import services


@shared_task(name="listings.entries_expire")
def list_entries_expire_task() -> int:
    """Daily (beat: CELERY_BEAT_SCHEDULE["listings-expire-daily"]); a second run the same day changes nothing."""
    return services.list_entries_expire()
