"""A cache error is a miss: with Redis refusing, hung or killed, public pages still answer
200 from the database, quickly, and /healthz names the cache as failing."""

from __future__ import annotations

import logging
import time

import pytest
from django.core.cache import cache

from credit.tests import factories as f
from portal import cache as portal_cache
from portal.tests.fault_servers import HungServer, RedisServer, closed_port

pytestmark = pytest.mark.django_db

# Generous: a page that waited for Redis used to take 5-10 s; one timeout is 0.25 s.
QUICK = 2.5


def use_redis_cache(settings, url: str, *, retry_seconds: float = 5) -> None:
    """The production cache configuration (portal/settings.py), pointed at `url`."""
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "portal-test",
            "OPTIONS": {"SOCKET_TIMEOUT": 0.25, "RETRY_SECONDS": retry_seconds},
        }
    }


@pytest.fixture
def hung():
    server = HungServer()
    yield server
    server.close()


def timed_get(client, path: str):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def public_pages() -> list[str]:
    enterprise = f.EnterpriseFactory(name="北京缓存故障测试有限公司")
    f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None)
    return ["/", f"/enterprises/{enterprise.uscc}/", "/lists/", f"/search/?q={enterprise.uscc[:8]}"]


def test_public_pages_answer_from_the_database_while_redis_refuses_connections(client, settings):
    use_redis_cache(settings, f"redis://127.0.0.1:{closed_port()}/1")
    before = portal_cache.cache_errors()
    for path in public_pages():
        response, seconds = timed_get(client, path)
        assert response.status_code in (200, 302), path
        assert seconds < QUICK, (path, seconds)
    assert portal_cache.cache_errors() > before


def test_public_pages_answer_quickly_while_redis_hangs(client, settings, hung, caplog):
    use_redis_cache(settings, f"redis://127.0.0.1:{hung.port}/1")
    caplog.set_level(logging.WARNING, logger="portal.cache")
    pages = public_pages()
    started = time.monotonic()
    for path in pages:
        response, seconds = timed_get(client, path)
        assert response.status_code in (200, 302), path
        assert seconds < QUICK, (path, seconds)
    assert time.monotonic() - started < QUICK * 2
    assert hung.accepted, "the cache did try Redis"
    # One line per pause, not one per cache call.
    warnings = [r for r in caplog.records if r.name == "portal.cache"]
    assert len(warnings) == 1
    assert "answering as a miss" in warnings[0].getMessage()
    assert "cache errors in this process" in warnings[0].getMessage()


def test_every_operation_answers_a_miss_when_redis_is_unreachable(settings):
    use_redis_cache(settings, f"redis://127.0.0.1:{closed_port()}/1", retry_seconds=0)  # ask Redis every time
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is False
    assert cache.get_or_set("k", "computed") == "computed"
    assert cache.get_many(["a", "b"]) == {}
    assert sorted(cache.set_many({"a": 1, "b": 2})) == ["a", "b"]
    assert cache.has_key("k") is False
    assert cache.touch("k") is False
    assert cache.delete("k") is False
    assert cache.delete_many(["a", "b"]) is None
    assert cache.clear() is False
    with pytest.raises(ValueError):
        cache.incr("k")
    with pytest.raises(ValueError):
        cache.decr("k")


def test_it_leaves_a_failed_redis_alone_for_the_retry_pause(settings, hung):
    use_redis_cache(settings, f"redis://127.0.0.1:{hung.port}/1")
    started = time.monotonic()
    for _ in range(20):
        assert cache.get("k", "miss") == "miss"
    # One read timeout for the first call; the other 19 do not wait.
    assert time.monotonic() - started < 1.5
    assert len(hung.accepted) == 1


def test_healthz_reports_the_cache_separately_without_details(client, settings, hung):
    use_redis_cache(settings, f"redis://127.0.0.1:{hung.port}/1")
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"] == "fail"
    assert body["checks"]["database"] == "ok"
    assert str(hung.port) not in response.content.decode()


@pytest.mark.services
def test_pages_keep_serving_when_the_cache_redis_is_killed_and_use_it_again_after(client, settings, tmp_path):
    redis_server = RedisServer(tmp_path)
    try:
        use_redis_cache(settings, redis_server.url(1), retry_seconds=0.5)
        from credit.selectors.home import HOME_COUNTS_CACHE_KEY, home_counts_refresh

        home_counts_refresh()  # as the beat task keeps them (a worker would write to its own cache)
        pages = public_pages()
        for path in pages:
            assert client.get(path).status_code in (200, 302)
        # Filled while Redis was up: the counts, and the anonymous home page itself.
        assert cache.get(HOME_COUNTS_CACHE_KEY) is not None
        assert client.get("/")["X-Page-Cache"] == "hit"
        assert client.get("/healthz").json()["checks"]["cache"] == "ok"

        redis_server.kill()
        before = portal_cache.cache_errors()
        for path in pages:
            response, seconds = timed_get(client, path)
            assert response.status_code in (200, 302), path
            assert seconds < QUICK, (path, seconds)
        assert portal_cache.cache_errors() > before
        assert client.get("/healthz").json()["checks"]["cache"] == "fail"
    finally:
        redis_server.kill()
