"""Where a rendered page is cached, and why it is never stale: the one home of the
version tokens the cache keys carry.

credit.publication raises, in the same transaction as the change, the version of each
affected credit file (`Enterprise.file_version`), for changes shown in every file the
site's publication `generation`, and for every publication at all the site's count of
`changes`. A key carries the token of what its page shows, so the first request after
the commit asks for a key nobody has filled yet; old entries simply expire.

- a credit file: `<file_version>.<generation>` (`credit_file_version`);
- every other public page (home, search, lists, entries, inspections, plans), which
  shows rows of many enterprises: `<generation>.<changes>` (`site_version`).

The local day is part of every key (credit.cache users and portal.pagecache) because
publication periods end at local midnight: a page rendered at 23:59 must not keep
showing a penalty or entry the next day.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from credit.models import Enterprise, PublicationState


def publication_generation() -> int:
    """The site's publication generation (credit.publication.site_generation_raise)."""
    return PublicationState.objects.filter(pk=1).values_list("generation", flat=True).first() or 0


def site_version() -> str:
    """The version of every public page that is not one enterprise's file (one query)."""
    row = PublicationState.objects.filter(pk=1).values_list("generation", "changes").first() or (0, 0)
    return f"{row[0]}.{row[1]}"


def credit_file_version(enterprise: Enterprise) -> str:
    """The version of the file of `enterprise` as credit.selectors.enterprise_get loads it
    (with `publication_generation` read in the same query)."""
    generation = getattr(enterprise, "publication_generation", None)
    if generation is None:
        generation = publication_generation()
    return f"{enterprise.file_version}.{generation}"


def credit_file_cache_key(enterprise: Enterprise, language: str, day: dt.date | None = None) -> str:
    """The key of the rendered sections of the file of `enterprise` (for signed-in
    visitors, whose whole page is not cached)."""
    day = day or timezone.localdate()
    return f"creditfile:{enterprise.pk}:{credit_file_version(enterprise)}:{language}:{day.isoformat()}"
