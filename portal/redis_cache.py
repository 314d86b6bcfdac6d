"""The Redis cache's clear(): only the cache's own keys; and one client per connection pool."""

from __future__ import annotations

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

DELETE_BATCH = 1000


# INCRBY of a key that exists, else nil: Django's incr asks EXISTS and then INCRBY, two round
# trips, and a key expiring between them came back from INCRBY without a timeout.
INCR_EXISTING = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('INCRBY', KEYS[1], ARGV[1])
end
return false
"""


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client makes a new `redis.Redis` for every cache call, and redis-py builds
    its table of response callbacks anew for each: about a tenth of the CPU of a page served
    from the cache. A `redis.Redis` only wraps its connection pool and is safe to share, so
    one per pool is kept."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def incr(self, key, delta):
        """Django's incr (ValueError for a missing key) in one round trip, atomically (an API
        request counts its client's limit with it: portal.api.rate_consume)."""
        client = self.get_client(key, write=True)
        scripts = self.__dict__.setdefault("_incr_scripts", {})
        script = scripts.get(id(client))
        if script is None:
            script = scripts[id(client)] = client.register_script(INCR_EXISTING)
        try:
            value = script(keys=[key], args=[delta])
        except redis.exceptions.ResponseError as error:
            refused = isinstance(error, redis.exceptions.NoPermissionError) or "unknown command" in str(error).lower()
            if not refused:
                raise
            # A Redis that refuses scripting (an ACL, some managed services): Django's two calls.
            return super().incr(key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


class SharedRedisCache(RedisCache):
    """Django's Redis cache, except that clear() deletes only the cache's own keys.

    Django clears a Redis cache with FLUSHDB, which would also drop every other site's
    keys (CACHE_KEY_PREFIX lets several share one Redis database) and, if someone points
    the cache at the broker's database, every queued and unacknowledged Celery task (a
    draw waiting for redelivery after a worker died, say)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def clear(self) -> bool:
        client = self._cache.get_client(None, write=True)
        # Every version of every key: the default key function writes "prefix:version:key".
        pattern = self.make_key("*", version="*")
        batch = []
        for key in client.scan_iter(match=pattern, count=DELETE_BATCH):
            batch.append(key)
            if len(batch) == DELETE_BATCH:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        return True
