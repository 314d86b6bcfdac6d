"""Where a rendered credit file is cached, and why it is never stale.

The key names the enterprise, its credit-file version, the site's publication
generation, the language and the local day. credit.publication raises the version (or
the generation) in the same transaction as the change, so the first request after the
commit asks for a key nobody has filled yet; old entries simply expire. The local day is
part of the key because publication periods end at local midnight: a fragment rendered
at 23:59 must not keep showing a penalty or entry the next day.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from credit.models import Enterprise, PublicationState


def publication_generation() -> int:
    """The site's publication generation (credit.publication.site_generation_raise)."""
    return PublicationState.objects.filter(pk=1).values_list("generation", flat=True).first() or 0


def credit_file_cache_key(enterprise: Enterprise, language: str, day: dt.date | None = None) -> str:
    """The key of the rendered file of `enterprise` as credit.selectors.enterprise_get
    loads it (with `publication_generation` read in the same query)."""
    generation = getattr(enterprise, "publication_generation", None)
    if generation is None:
        generation = publication_generation()
    day = day or timezone.localdate()
    return f"creditfile:{enterprise.pk}:{enterprise.file_version}.{generation}:{language}:{day.isoformat()}"
