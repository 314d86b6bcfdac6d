"""One run at a time of a periodic task, whichever worker or beat scheduler started it.

Two beat schedulers running at once (a deployment overlap, a second machine) would start a daily
job twice at the same moment. `single_run(name)` wraps a task so that a run that finds another
one of the same name in progress returns None at once and logs it. On PostgreSQL the lock is a
session advisory lock, held by the database for as long as the run's connection holds it (a
crashed worker's lock ends with its connection); on the embedded SQLite default, where tasks run in
process, a lock of the process."""

from __future__ import annotations

import functools
import logging
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

logger = logging.getLogger("portal.locks")
_LOCAL: dict[str, threading.Lock] = {}
_LOCAL_GUARD = threading.Lock()


def lock_key(name: str) -> int:
    """The advisory-lock number of a name (a stable 31-bit hash, the same in every process)."""
    return zlib.crc32(f"portal.locks:{name}".encode()) & 0x7FFFFFFF


@contextmanager
def exclusive(name: str) -> Iterator[bool]:
    """Yields True while holding the lock `name`, False when another run holds it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(name)])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key(name)])
        return
    with _LOCAL_GUARD:
        lock = _LOCAL.setdefault(name, threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()


def single_run(name: str) -> Callable:
    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args, **kwargs):
            with exclusive(name) as acquired:
                if not acquired:
                    logger.warning("%s is already running; this run is skipped", name)
                    return None
                return function(*args, **kwargs)

        return run

    return decorate
