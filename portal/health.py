"""What /healthz checks. Each check answers True or False; why a check failed (which can
name hosts, ports and users) goes to the log only, never into the public answer."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection

from portal.cache import cache_ping

logger = logging.getLogger("portal.health")


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        logger.warning("health: database unreachable: %s: %s", type(exc).__name__, exc)
        return False
    return True


def check_broker() -> bool:
    """The Celery broker (REDIS_URL's database); always fine when tasks run in-process."""
    if not settings.REDIS_URL:
        return True
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        logger.warning("health: broker unreachable: %s: %s", type(exc).__name__, exc)
        return False
    return True


def check_cache() -> bool:
    """The shared cache. The site serves without it (every cache error is a miss)."""
    return cache_ping() != "fail"
