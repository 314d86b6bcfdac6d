"""The Redis cache's clear(): only the cache's own keys."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache

DELETE_BATCH = 1000


class SharedRedisCache(RedisCache):
    """Django's Redis cache, except that clear() deletes only the cache's own keys.

    Django clears a Redis cache with FLUSHDB, which would also drop every other site's
    keys (CACHE_KEY_PREFIX lets several share one Redis database) and, if someone points
    the cache at the broker's database, every queued and unacknowledged Celery task (a
    draw waiting for redelivery after a worker died, say)."""

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
