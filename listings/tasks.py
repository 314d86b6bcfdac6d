from __future__ import annotations

from celery import shared_task

from listings import services
from portal.locks import single_run


@shared_task(name="listings.entries_expire")
@single_run("listings.entries_expire")
def list_entries_expire_task() -> int | None:
    """Daily (beat: CELERY_BEAT_SCHEDULE["listings-expire-daily"]); a second run the same day changes nothing,
    and a run started while another is in progress is skipped (None)."""
    return services.list_entries_expire()


@shared_task(name="listings.listed_notices_queue", ignore_result=True)
def listed_notices_queue_task(entry_ids: list[int] | None = None) -> int:
    """Every five minutes (beat: CELERY_BEAT_SCHEDULE["listings-listed-notices"]), and for one entry
    after list_entry_create: the "listed" e-mails not recorded yet, each sent once (listings/notices.py).
    Not single_run: two overlapping runs record each e-mail once, by its unique key."""
    from listings.notices import listed_notices_queue

    return listed_notices_queue(entry_ids=entry_ids)
@shared_task(name="listings.non_filers_sweep")
@single_run("listings.non_filers_sweep")
def non_filers_sweep_task() -> int | None:
    """Daily (beat: CELERY_BEAT_SCHEDULE["listings-non-filers-sweep"]): from the sweep day of the year
    on, lists last year's non-filers unless that year's sweep has run (listings.services.sweep)."""
    return services.non_filers_sweep_due()
