"""The rendered credit file is cached per enterprise, language and local day; any service
that publishes or changes a record shown on the file calls credit_file_invalidate."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone


def credit_file_cache_key(enterprise_id: int, language: str, day: dt.date | None = None) -> str:
    # The local day is part of the key: publication periods end at local midnight, so a
    # fragment rendered at 23:59 must not keep showing a penalty or entry the next day.
    day = day or timezone.localdate()
    return f"creditfile:{enterprise_id}:{language}:{day.isoformat()}"


def credit_file_invalidate(*, enterprise_id: int) -> None:
    today = timezone.localdate()
    # Yesterday's key too: a request that began just before midnight may have cached it.
    days = (today, today - dt.timedelta(days=1))
    cache.delete_many(
        [credit_file_cache_key(enterprise_id, code, day) for code, _ in settings.LANGUAGES for day in days]
    )
