"""Which Redis database holds what (read by the settings).

REDIS_URL names the database of the Celery broker and result backend, n (0 when the URL
names none). The cache lives in the next database, n + 1, or n - 1 when n is 15, the last
of Redis's default sixteen; CACHE_REDIS_URL overrides that. So `cache.clear()` (FLUSHDB,
which the test suite runs before every test) never drops a queued task. Two sites on one
Redis take REDIS_URLs two databases apart (0 and 2, 4 and 6, ...), or set CACHE_REDIS_URL.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

LAST_DEFAULT_DB = 15


def redis_db(url: str) -> int:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if "db" in query:
        value = query["db"]
    elif parts.scheme in ("redis", "rediss") and parts.path.strip("/"):
        value = parts.path.strip("/")
    else:
        value = "0"
    if not value.isdigit():
        raise ImproperlyConfigured(f"REDIS_URL: the database must be a number, not {value!r}")
    return int(value)


def redis_url_with_db(url: str, db: int) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if "db" in query or parts.scheme == "unix":
        query["db"] = str(db)
        # urlunsplit would drop the empty host of unix:///path.
        return f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}"
    return urlunsplit(parts._replace(path=f"/{db}"))


def cache_redis_url(redis_url: str) -> str:
    """The cache's database next to the broker's (see the module docstring)."""
    db = redis_db(redis_url)
    return redis_url_with_db(redis_url, db + 1 if db < LAST_DEFAULT_DB else db - 1)


def same_redis_db(first: str, second: str) -> bool:
    return redis_db(first) == redis_db(second) and redis_url_with_db(first, 0) == redis_url_with_db(second, 0)
