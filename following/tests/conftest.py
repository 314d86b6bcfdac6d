"""Fixtures of the following tests: the portal's real-browser fixture (Debian's chromium through
Playwright) and in-process Celery."""

import pytest

from portal.tests.conftest import browser  # noqa: F401


@pytest.fixture
def eager_celery():
    """Tasks run in this process whatever broker is configured (the mails land in mail.outbox)."""
    from portal.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
