"""Shared fixtures; the personas of the permission tests come from portal/testing/personas.py.

Personas (fixtures; ``personas`` holds them all, ``client_as(name)`` signs one in):
- anonymous: a member of the public, not signed in.
- enterprise_a / enterprise_b: the liaison logins of enterprises A and B (personas.firm_a, firm_b).
- staff_a: staff of agency A, Beijing's market regulator (local: provincial, region 110000).
- staff_b: staff of agency B, SAMR (national; owns the abnormal-operations and serious-illegal lists).
- staff_a_no_perms: staff of agency A without model permissions.
- staff_without_agency: is_staff with the staff permissions but no agency link.
- superuser: no agency link.
Staff hold the demo staff group's permissions (every credit/listings/inspections one but delete).

The clock: every test runs with "now" pinned to PINNED_NOW (see the clock section below);
use the `today` / `now` fixtures instead of reading the clock, and `clock` to move it.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.conf import settings

pytest_plugins = ["portal.testing.personas"]
SERVICES_REQUIRED = os.environ.get("CI_SERVICES") == "1"


def pytest_collection_modifyitems(config, items):
    # Service tests skip on the embedded default but must never skip in the services run.
    if settings.REDIS_URL and "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    if SERVICES_REQUIRED:
        raise pytest.UsageError("CI_SERVICES=1 but DATABASE_URL/REDIS_URL are not both set")
    skip = pytest.mark.skip(reason="needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _media_root(tmp_path_factory):
    """Uploaded files of every test (module-scoped worlds included) go to a temporary MEDIA_ROOT,
    never into the checkout."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _isolate_redis_cache() -> None:
    """pytest-xdist workers share the Redis database of the services run: each gets its own
    key prefix (Celery workers it starts inherit it), and _clear_cache deletes only its own
    keys. RedisCache.clear() is FLUSHDB, which also emptied the other worker's cache and
    the Celery queues in that database (a redelivered draw vanished)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    cache_settings = settings.CACHES["default"]
    if worker and cache_settings["BACKEND"].endswith("RedisCache"):
        cache_settings["KEY_PREFIX"] = os.environ["CACHE_KEY_PREFIX"] = f"{cache_settings.get('KEY_PREFIX', '')}-{worker}"


def _cache_clear() -> None:
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    from credit.selectors.search import planner_statistics_clear

    planner_statistics_clear()  # the search's copy of pg_stats: each test's ANALYZE is its own

    cache = caches["default"]
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=cache.make_key("*", version="*")))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _clear_cache():
    _cache_clear()
    yield
    _cache_clear()


# --- The clock ------------------------------------------------------------------------------
#
# Every test starts at PINNED_NOW, a Monday morning in Beijing, and the clock then ticks (so
# timeouts and durations still work). Tests read the pinned moment from the `today` (local
# date) and `now` (aware datetime) fixtures and build their data relative to it; `clock`
# moves it (clock.move_to(...), clock.shift(...)).
#
# `--clock-shift-years=N` moves the whole run N years ahead: the pinned moment and, for code
# not under the pin (session fixtures, migrations, tests marked real_clock), the wall clock
# too. A test that passes today but fails shifted depends on the calendar year.
#
# Not shifted or pinned: other processes (Celery workers of the services run, chromium).

# A fixed offset rather than ZoneInfo: time-machine would otherwise also set TZ for the process.
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
PINNED_NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=BEIJING)
_session_travel: time_machine.travel | None = None


def pytest_addoption(parser):
    parser.addoption(
        "--clock-shift-years", type=int, default=0, metavar="N",
        help="run every test N years after the pinned date (and the wall clock N years ahead)",
    )


def _shift_years(config) -> int:
    return config.getoption("clock_shift_years")


def pinned_now(config) -> dt.datetime:
    return PINNED_NOW + relativedelta(years=_shift_years(config))


def pytest_configure(config):
    global _session_travel
    config.addinivalue_line(
        "markers", "real_clock: runs on the wall clock (shifted by --clock-shift-years) instead of the pinned one",
    )
    _isolate_redis_cache()
    if years := _shift_years(config):
        _session_travel = time_machine.travel(
            dt.datetime.now(BEIJING) + relativedelta(years=years), tick=True
        )
        _session_travel.start()


def pytest_unconfigure(config):
    global _session_travel
    if _session_travel is not None:
        _session_travel.stop()
        _session_travel = None


def pytest_report_header(config):
    years = _shift_years(config)
    shift = f", shifted {years} years ahead (--clock-shift-years={years})" if years else ""
    return f"clock: tests pinned to {pinned_now(config).isoformat()}{shift}"


@pytest.fixture(autouse=True)
def clock(request):
    """The time-machine traveller that pins "now" (None in tests marked real_clock)."""
    if request.node.get_closest_marker("real_clock"):
        yield None
        return
    with time_machine.travel(pinned_now(request.config), tick=True) as traveller:
        yield traveller


@pytest.fixture
def now(request, clock) -> dt.datetime:
    """The pinned moment, aware, in the portal's time zone."""
    from django.utils import timezone

    if clock is None:
        raise pytest.UsageError("`now` is the pinned moment; a real_clock test has none")
    return timezone.localtime(pinned_now(request.config))


@pytest.fixture
def today(now) -> dt.date:
    """The pinned local date (Beijing)."""
    return now.date()
