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
"""

from __future__ import annotations

import os

import pytest
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


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
