"""Celery tasks run in-process in unit tests even when a broker is configured (the services run
sets REDIS_URL): what the task does is tested here, a real worker in the tests marked services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def tasks_in_process() -> Iterator[None]:
    from portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
