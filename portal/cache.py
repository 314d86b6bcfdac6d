"""The shared cache, for which an error is a miss.

Everything the site caches can be recomputed from the database, so a Redis that is down,
refuses connections or hangs must cost a page a few hundred milliseconds at most, never
an error: `ResilientRedisCache` gives every connection short connect and read timeouts,
does not retry, catches Redis and socket errors in every operation and answers as if the
key were missing (get: the default; set/add/touch/delete: False; incr/decr: ValueError,
like a missing key). After an error it leaves Redis alone for `CACHE_RETRY_SECONDS`, so
a hung Redis costs one timeout per process per pause instead of one per cache call.

Errors are counted per process (`cache_errors()`) and logged at most once per pause with
the running count. `/healthz` pings Redis itself (`cache_ping`), bypassing all this.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

from portal.redis_cache import SharedRedisCache

logger = logging.getLogger("portal.cache")

DEFAULT_SOCKET_TIMEOUT = 0.25
DEFAULT_RETRY_SECONDS = 5.0

_lock = threading.Lock()
_errors = 0
# Per Redis location (shared by the threads of a process): time.monotonic() before which
# it is not asked again.
_down_until: dict[str, float] = {}


def cache_errors() -> int:
    """Cache operations answered as a miss because Redis failed, in this process."""
    return _errors


class ResilientRedisCache(SharedRedisCache):
    """Django's Redis cache with short timeouts, no retries, and every failure a miss.

    OPTIONS (besides Django's own): SOCKET_TIMEOUT (seconds, connect and read;
    default 0.25) and RETRY_SECONDS (pause after an error; default 5).
    """

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        timeout = float(options.pop("SOCKET_TIMEOUT", DEFAULT_SOCKET_TIMEOUT))
        self.retry_seconds = float(options.pop("RETRY_SECONDS", DEFAULT_RETRY_SECONDS))
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        options.setdefault("socket_connect_timeout", timeout)
        options.setdefault("socket_timeout", timeout)
        options.setdefault("retry", Retry(NoBackoff(), 0))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._location = ",".join(self._servers)

    # --- the fault boundary ---------------------------------------------------------

    def _errors_caught(self) -> tuple[type[BaseException], ...]:
        import redis

        return (redis.RedisError, OSError)

    def _available(self) -> bool:
        return time.monotonic() >= _down_until.get(self._location, 0.0)

    def _failed(self, operation: str, error: BaseException) -> None:
        global _errors
        now = time.monotonic()
        with _lock:
            _errors += 1
            count = _errors
            log_it = now >= _down_until.get(self._location, 0.0)
            _down_until[self._location] = now + self.retry_seconds
        if log_it:
            logger.warning(
                "cache unavailable, answering as a miss for %.0f s (%s: %s: %s; %d cache errors in this process)",
                self.retry_seconds, operation, type(error).__name__, error, count,
            )

    def _guard(self, operation: str, call, miss):
        if not self._available():
            return miss
        try:
            return call()
        except self._errors_caught() as error:
            self._failed(operation, error)
            return miss

    # --- operations -------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def get(self, key, default=None, version=None):
        return self._guard("get", lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard("set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._guard("delete", lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def get_many(self, keys, version=None):
        return self._guard("get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._guard("has_key", lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        value = self._guard("incr", lambda: super(ResilientRedisCache, self).incr(key, delta, version), missing)
        if value is missing:
            raise ValueError(f"Key '{key}' not found (cache unavailable).")
        return value

    # BaseCache.decr calls incr(key, -delta), so it follows incr.

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # The contract: the keys that could not be stored.
        return self._guard("set_many", lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
                           list(data))

    def delete_many(self, keys, version=None):
        self._guard("delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def clear(self):
        return self._guard("clear", lambda: super(ResilientRedisCache, self).clear(), False)

    # --- health -----------------------------------------------------------------------

    def ping(self) -> None:
        """Raise if Redis does not answer (no miss semantics, no pause)."""
        self._cache.get_client(None, write=True).ping()


def cache_ping(alias: str = "default") -> str:
    """"ok" when the cache answers, "fail" when it does not, "local" for a per-process cache.

    Raises nothing: the reason of a failure goes to the log, not to the caller."""
    backend = caches[alias]
    if not isinstance(backend, RedisCache):
        return "local"
    try:
        if isinstance(backend, ResilientRedisCache):
            backend.ping()
        else:
            backend._cache.get_client(None, write=True).ping()
    except Exception as error:  # noqa: BLE001 - any failure means "not answering"
        logger.warning("cache health check failed: %s: %s", type(error).__name__, error)
        return "fail"
    return "ok"
