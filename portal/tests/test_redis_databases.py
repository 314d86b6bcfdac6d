"""The cache and the Celery broker live in different Redis databases."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

from portal.redis_urls import cache_redis_url, redis_db, same_redis_db


@pytest.mark.parametrize(
    ("redis_url", "cache_url"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/1"),
        ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379/1"),
        ("redis://:secret@cache.example:6380/7", "redis://:secret@cache.example:6380/8"),
        ("redis://127.0.0.1:6379/15", "redis://127.0.0.1:6379/14"),  # 15 is the last default database
        ("rediss://r.example:6380/2?ssl_cert_reqs=required", "rediss://r.example:6380/3?ssl_cert_reqs=required"),
        ("unix:///run/redis.sock?db=4", "unix:///run/redis.sock?db=5"),
    ],
)
def test_the_cache_takes_the_database_next_to_the_brokers(redis_url, cache_url):
    assert cache_redis_url(redis_url) == cache_url
    assert not same_redis_db(redis_url, cache_url)


def test_it_recognises_the_same_database_written_two_ways():
    assert same_redis_db("redis://h:6379", "redis://h:6379/0")
    assert not same_redis_db("redis://h:6379/0", "redis://other:6379/0")
    assert redis_db("unix:///run/redis.sock") == 0


@pytest.mark.services
def test_clearing_the_cache_keeps_a_queued_task():
    import redis

    from inspections.tasks import draw_plan

    assert not same_redis_db(settings.CACHES["default"]["LOCATION"], settings.CELERY_BROKER_URL)
    queue = f"test-keep-{uuid.uuid4().hex[:8]}"  # no worker listens here
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        draw_plan.apply_async(args=[0], queue=queue)
        assert broker.llen(queue) == 1
        cache.set("something", 1)
        cache.clear()
        assert cache.get("something") is None
        assert broker.llen(queue) == 1
    finally:
        broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
