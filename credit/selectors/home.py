"""The home page: totals and the latest publications."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from credit.models import AdministrativeLicence, AdministrativePenalty, Enterprise, RegistrationStatus

logger = logging.getLogger("credit.home")

HOME_COUNTS_CACHE_KEY = "portal:home:counts:v2"
# Counted again (by credit.home_counts_refresh, every few minutes from beat, or queued by
# a request that found them older) after this many seconds...
HOME_COUNTS_SECONDS = 300
# ...and until then, and while a new count runs, the last ones are shown for up to a day.
HOME_COUNTS_KEEP_SECONDS = 24 * 3600
_REFRESH_QUEUED_KEY = "portal:home:counts:queued"


def _penalty_shown_q() -> Q:
    """Penalties the public sees: not a warning only, not withdrawn, publication period not over,
    and not of a deregistered enterprise (SAMR Order 107 Art. 20: its negative records are no
    longer published)."""
    today = timezone.localdate()
    return (
        Q(warning_only=False, withdrawn_at__isnull=True)
        & (Q(publication_ends_on__isnull=True) | Q(publication_ends_on__gte=today))
        & ~Q(enterprise__status=RegistrationStatus.DEREGISTERED)
    )


def home_counts_compute() -> dict[str, int]:
    """The exact totals: a COUNT over each table, a scan of millions of rows on PostgreSQL.
    Run by credit.home_counts_refresh, never by a page on PostgreSQL."""
    return {
        "enterprises": Enterprise.objects.count(),
        "penalties": AdministrativePenalty.objects.filter(_penalty_shown_q()).count(),
        "licences": AdministrativeLicence.objects.filter(withdrawn_at__isnull=True).count(),
    }


def home_counts_refresh() -> dict[str, int]:
    counts = home_counts_compute()
    cache.set(HOME_COUNTS_CACHE_KEY, {"counts": counts, "at": timezone.now().timestamp()}, HOME_COUNTS_KEEP_SECONDS)
    cache.delete(_REFRESH_QUEUED_KEY)
    return counts


def _estimates() -> dict[str, int]:
    """PostgreSQL's own row estimates of the three tables (one catalogue query, no scan):
    the planner's statistics, at most the rows of each table."""
    tables = {
        "enterprises": Enterprise._meta.db_table,
        "penalties": AdministrativePenalty._meta.db_table,
        "licences": AdministrativeLicence._meta.db_table,
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [list(tables.values())])
        found = {name: max(int(value), 0) for name, value in cursor.fetchall()}
    return {key: found.get(table, 0) for key, table in tables.items()}


def _refresh_queue() -> None:
    """Ask for a new count once (the marker stops every request of the next minute asking)."""
    if not cache.add(_REFRESH_QUEUED_KEY, 1, 60):
        return
    from credit.tasks import home_counts_refresh_task

    try:
        home_counts_refresh_task.delay()
    except Exception as error:  # noqa: BLE001 - a broker that is down leaves the last counts shown
        cache.delete(_REFRESH_QUEUED_KEY)
        logger.warning("home counts refresh not queued: %s: %s", type(error).__name__, error)


def home_counts() -> dict:
    """Totals for the home page, never counted by the request on PostgreSQL: the last count
    (refreshed in the background once it is HOME_COUNTS_SECONDS old) or, before the first
    count, the planner's estimates, flagged `approximate` (the page says "about"). With
    SQLite (the demo) the first request counts, the tables being small."""
    stored = cache.get(HOME_COUNTS_CACHE_KEY)
    if isinstance(stored, dict) and "counts" in stored:
        if timezone.now().timestamp() - stored.get("at", 0) > HOME_COUNTS_SECONDS:
            _refresh_queue()
        return {**stored["counts"], "approximate": False}
    if connection.vendor != "postgresql":
        return {**home_counts_refresh(), "approximate": False}
    _refresh_queue()
    stored = cache.get(HOME_COUNTS_CACHE_KEY)  # filled already when tasks run in process
    if isinstance(stored, dict) and "counts" in stored:
        return {**stored["counts"], "approximate": False}
    return {**_estimates(), "approximate": True}


def latest_penalties(*, limit: int = 5) -> list[AdministrativePenalty]:
    # ORDER BY published_at DESC LIMIT n walks the published_at index (migration 0002).
    return list(
        AdministrativePenalty.objects.filter(_penalty_shown_q())
        .select_related("enterprise", "source_agency")
        .order_by("-published_at", "-id")[:limit]
    )


def latest_licences(*, limit: int = 5) -> list[AdministrativeLicence]:
    return list(
        AdministrativeLicence.objects.filter(withdrawn_at__isnull=True)
        .select_related("enterprise", "source_agency")
        .order_by("-published_at", "-id")[:limit]
    )
