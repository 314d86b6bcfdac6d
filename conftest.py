"""Shared fixtures and the personas used in permission tests.

Personas:
- anonymous: a member of the public, not logged in.
- staff_a / staff_b: agency staff of two different agencies; each may change only
  its own agency's records.
- enterprise_user: the liaison login of one enterprise.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings

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


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
