"""The home page: totals and the latest publications."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from credit.models import AdministrativeLicence, AdministrativePenalty, Enterprise

HOME_COUNTS_CACHE_KEY = "portal:home:counts"
HOME_COUNTS_SECONDS = 300


def _penalty_shown_q() -> Q:
    """Penalties the public sees: not a warning only, not withdrawn, publication period not over."""
    today = timezone.localdate()
    return Q(warning_only=False, withdrawn_at__isnull=True) & (Q(publication_ends_on__isnull=True) | Q(publication_ends_on__gte=today))


def home_counts() -> dict[str, int]:
    """Totals for the home page. COUNT(*) over millions of rows scans the table on
    PostgreSQL, so the numbers are cached for a few minutes."""
    counts = cache.get(HOME_COUNTS_CACHE_KEY)
    if counts is None:
        counts = {
            "enterprises": Enterprise.objects.count(),
            "penalties": AdministrativePenalty.objects.filter(_penalty_shown_q()).count(),
            "licences": AdministrativeLicence.objects.filter(withdrawn_at__isnull=True).count(),
        }
        cache.set(HOME_COUNTS_CACHE_KEY, counts, HOME_COUNTS_SECONDS)
    return counts


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


