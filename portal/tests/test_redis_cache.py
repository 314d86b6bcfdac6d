"""The cache shares its Redis database with Celery's broker (services run only)."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.services


def test_it_clears_its_own_keys_and_leaves_the_brokers_queues():
    client = cache._cache.get_client(None, write=True)
    queue = f"insp-test-{uuid.uuid4().hex[:8]}"
    client.lpush(queue, b"a queued task")
    try:
        cache.set("some:file", "cached", 60)
        cache.set("older", "cached", 60, version=2)
        cache.clear()
        assert cache.get("some:file") is None and cache.get("older", version=2) is None
        assert client.lrange(queue, 0, -1) == [b"a queued task"]
    finally:
        client.delete(queue)


def test_incr_counts_a_key_that_exists_keeps_its_timeout_and_refuses_a_missing_one():
    key = f"count-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ValueError):
        cache.incr(key)
    assert cache.get(key) is None  # a refused incr creates nothing (a key without a timeout)
    assert cache.add(key, 0, 60)
    assert cache.incr(key) == 1 and cache.incr(key, 5) == 6 and cache.get(key) == 6
    client = cache._cache.get_client(None, write=True)
    assert 0 < client.ttl(cache.make_key(key)) <= 60
    cache.delete(key)


def test_incr_counts_with_two_calls_where_redis_refuses_scripts():
    """A Redis whose ACL denies scripting (some managed services): incr falls back to Django's
    two calls instead of failing, which the resilient cache would take for an outage."""
    from urllib.parse import urlsplit

    from django.conf import settings

    from portal.redis_cache import SharedRedisCache

    admin = cache._cache.get_client(None, write=True)
    user = f"noscript-{uuid.uuid4().hex[:8]}"
    admin.execute_command("ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-@scripting")
    try:
        location = urlsplit(settings.CACHES["default"]["LOCATION"])
        restricted = SharedRedisCache(location._replace(netloc=f"{user}:pw@{location.hostname}:{location.port}")
                                      .geturl(), {"KEY_PREFIX": f"t-{user}"})
        key = "count"
        with pytest.raises(ValueError):
            restricted.incr(key)
        assert restricted.add(key, 0, 60)
        assert restricted.incr(key) == 1 and restricted.incr(key, 5) == 6
        restricted.delete(key)
    finally:
        admin.execute_command("ACL", "DELUSER", user)
