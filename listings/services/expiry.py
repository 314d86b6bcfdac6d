"""The daily expiry sweep: entries past their publication end, set-based."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from credit.publication import publication_record
from listings.models import (
    EntryState,
    ListEntry,
    ListEntryEvent,
    SystemText,
    local_today,
)

EXPIRY_REASON = SystemText.EXPIRED.value


def list_entries_expire(*, today: dt.date | None = None) -> int:
    """End publication of every listed entry whose last day of publication is before `today`.

    Set-based and idempotent:
    1. one UPDATE moves the due entries to "expired" and stamps them with this run's time;
    2. one INSERT ... SELECT writes their history events (the removal notice: date, reason, authority);
    3. one SELECT DISTINCT finds the enterprises whose files must be re-rendered.
    A second run finds no listed entry past its end and changes nothing. Concurrent runs
    are safe: the second UPDATE waits for the first's row locks and then skips those rows.
    """
    today = today or local_today()
    run_at = timezone.now()
    run_at_db = connection.ops.adapt_datetimefield_value(run_at)
    today_db = connection.ops.adapt_datefield_value(today)
    entry_table = ListEntry._meta.db_table
    event_table = ListEntryEvent._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {entry_table}
                   SET state = %s, state_changed_at = %s, removed_on = {_day_after_end_sql()},
                       removal_reason = %s, removing_agency_id = deciding_agency_id
                 WHERE state = %s AND publication_ends_on < %s""",  # noqa: S608 - table names are ours
            [EntryState.EXPIRED, run_at_db, EXPIRY_REASON, EntryState.LISTED, today_db],
        )
        expired = cursor.rowcount
        if not expired:
            return 0
        cursor.execute(
            f"""INSERT INTO {event_table} (entry_id, kind, occurred_at, actor_label, note)
                SELECT id, %s, %s, %s, %s FROM {entry_table}
                 WHERE state_changed_at = %s AND state = %s""",  # noqa: S608
            [ListEntryEvent.Kind.EXPIRED, run_at_db, "system", EXPIRY_REASON, run_at_db, EntryState.EXPIRED],
        )
        publication_record(
            action="listings.entry.expired",
            actor_label="system",
            payload={"today": today.isoformat(), "entries": expired, "run_at": run_at.isoformat()},
            enterprises=ListEntry.objects.filter(state_changed_at=run_at, state=EntryState.EXPIRED).values(
                "enterprise_id"
            ),
            # One feed event per expired entry, streamed in id order (credit.changes).
            changed=[ListEntry.objects.filter(state_changed_at=run_at, state=EntryState.EXPIRED)],
        )
    return expired


def _day_after_end_sql() -> str:
    if connection.vendor == "sqlite":
        return "date(publication_ends_on, '+1 day')"
    return "publication_ends_on + 1"
