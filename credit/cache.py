"""The rendered credit file is cached per enterprise and language; any service that
publishes or changes a record shown on the file calls credit_file_invalidate."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def credit_file_cache_key(enterprise_id: int, language: str) -> str:
    return f"creditfile:{enterprise_id}:{language}"


def credit_file_invalidate(*, enterprise_id: int) -> None:
    cache.delete_many([credit_file_cache_key(enterprise_id, code) for code, _ in settings.LANGUAGES])
