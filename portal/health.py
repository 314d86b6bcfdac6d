from __future__ import annotations

from django.conf import settings
from django.db import connection


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return False, f"database unreachable: {exc.__class__.__name__}: {exc}"
    return True, f"ok ({connection.vendor})"


def check_broker() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "ok (tasks run in-process)"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return False, f"broker unreachable: {exc.__class__.__name__}: {exc}"
    return True, "ok (redis)"
