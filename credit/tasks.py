from __future__ import annotations

import datetime as dt

from celery import shared_task

from credit.selectors.home import home_counts_refresh
from portal.locks import single_run


@shared_task(name="credit.home_counts_refresh")
@single_run("credit.home_counts_refresh")
def home_counts_refresh_task() -> dict | None:
    """Count the home page's totals again (beat: CELERY_BEAT_SCHEDULE["credit-home-counts"],
    and queued by a home page that found them old). Safe to run twice; a run started while
    another is in progress is skipped (None)."""
    return home_counts_refresh()


@shared_task(name="credit.filing_reminders_queue", ignore_result=True)
@single_run("credit.filing_reminders_queue")
def filing_reminders_queue_task(today: str | None = None) -> int | None:
    """Daily (beat: CELERY_BEAT_SCHEDULE["credit-filing-reminders"]): the filing reminders due today,
    each recorded and sent once however often the task runs (credit/reminders.py). `today` (ISO
    date) stands for the local date: the beat leaves it out; a caller whose clock is not the
    worker's (the services test) names the day."""
    from credit.reminders import filing_reminders_queue

    return filing_reminders_queue(today=dt.date.fromisoformat(today) if today else None)


@shared_task(name="credit.change_head_record", ignore_result=True)
@single_run("credit.change_head_record")
def change_head_record_task(day: str | None = None) -> int | None:
    """Daily at midnight (beat: CELERY_BEAT_SCHEDULE["credit-change-head-daily"]): record the change
    feed's head at the end of the day that just ended (or of `day`, ISO). Returns its sequence."""
    from django.utils import timezone

    from credit.changes import change_head_record

    when = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    return change_head_record(day=when).sequence


@shared_task(name="credit.bulk_export", ignore_result=True)
@single_run("credit.bulk_export")
def bulk_export_task(day: str | None = None) -> int | None:
    """Daily (beat: CELERY_BEAT_SCHEDULE["credit-bulk-export-daily"]): the day's bulk files and
    manifest (credit/bulk.py), streamed; a second run the same day changes nothing. Returns the
    number of files written (0 when the day was already exported)."""
    from credit.bulk import export_bulk

    manifest, written = export_bulk(day=dt.date.fromisoformat(day) if day else None)
    return len(manifest["files"]) if written else 0


@shared_task(name="credit.penalties_expire", ignore_result=True)
@single_run("credit.penalties_expire")
def penalties_expire_task() -> int | None:
    """Daily after midnight (beat: CELERY_BEAT_SCHEDULE["credit-penalties-expire-daily"]): the
    penalties whose publication period ended yesterday leave the feed's public state
    (credit.services.penalties_publication_end; idempotent). Returns how many."""
    from credit.services import penalties_publication_end

    return penalties_publication_end()
