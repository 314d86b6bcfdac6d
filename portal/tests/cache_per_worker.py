"""A pytest plugin (pyproject: `-p portal.tests.cache_per_worker`), loaded before Django's
settings: each pytest-xdist process gets its own cache key prefix. On the services run the
processes share one Redis database, and their enterprises have the same ids in their own
test databases, so one process's cache.set, invalidation or clear would otherwise change
what another's test reads. The Celery workers a test starts inherit the prefix."""

from __future__ import annotations

import os

if "PYTEST_XDIST_WORKER" in os.environ:  # in an xdist process: not the controller's prefix it inherited
    os.environ["CACHE_KEY_PREFIX"] = f"portal-test-{os.environ['PYTEST_XDIST_WORKER']}"
