"""The personas of the permission tests: who asks, as real logins (see portal.access).

Registered for every test by the root conftest.py (``pytest_plugins``). Fixtures:

- ``personas``: all of them at once (`Personas`), with ``personas.client(name)`` for a signed-in
  test client; ``client_as(name)`` is the same as a fixture.
- ``anonymous``: a member of the public, not signed in (``AnonymousUser``).
- ``enterprise_a`` / ``enterprise_b``: the liaison logins (credit.EnterpriseAccount) of
  ``personas.firm_a`` (registered by agency A) and ``personas.firm_b`` (registered by agency B).
- ``staff_a``: staff of agency A, a local agency: Beijing's market regulator (provincial level,
  region 110000).
- ``staff_b``: staff of agency B, a national agency: SAMR, which owns the abnormal-operations and
  serious-illegal lists.
- ``staff_a_no_perms``: staff of agency A without any model permission.
- ``staff_without_agency``: a staff login (``is_staff``) with the agency staff's permissions but
  no agency link.
- ``superuser``: a superuser without an agency link.

Agency staff hold the permissions of the demo's staff group (`grant_staff_permissions`): every
credit, listings and inspections model permission except delete, and viewing the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.test import Client

PERSONAS = (
    "anonymous",
    "enterprise_a",
    "enterprise_b",
    "staff_a",
    "staff_b",
    "staff_a_no_perms",
    "staff_without_agency",
    "superuser",
)
STAFF_APPS = ("credit", "listings", "inspections")
STAFF_GROUP = "Agency staff (tests)"


def staff_group() -> Group:
    """As the demo's staff group: every model permission of the agency apps but delete."""
    group, created = Group.objects.get_or_create(name=STAFF_GROUP)
    if created:
        perms = Permission.objects.filter(content_type__app_label__in=STAFF_APPS).exclude(
            codename__startswith="delete_"
        )
        group.permissions.set([*perms, *Permission.objects.filter(codename="view_auditevent")])
    return group


def grant_staff_permissions(user):
    """Give `user` the agency staff's permissions (the staff pages and the admin require them)."""
    user.groups.add(staff_group())
    return user


@dataclass
class Personas:
    agency_a: object
    agency_b: object
    firm_a: object
    firm_b: object
    users: dict[str, object] = field(default_factory=dict)

    def user(self, name: str):
        if name not in PERSONAS:
            raise KeyError(f"no persona {name!r}; the personas are {', '.join(PERSONAS)}")
        return self.users.get(name) or AnonymousUser()

    def client(self, name: str, **defaults) -> Client:
        client = Client(**defaults)
        if self.user(name).is_authenticated:
            client.force_login(self.user(name))
        return client


def build_personas() -> Personas:
    """Create the agencies, enterprises and logins of the personas (needs database access)."""
    from credit.models import AgencyKind, AgencyLevel
    from credit.tests.factories import (
        AgencyFactory,
        EnterpriseAccountFactory,
        EnterpriseFactory,
        StaffFactory,
        UserFactory,
    )

    agency_a = AgencyFactory(
        code="BJ-AMR", name="北京市市场监督管理局", name_en="Beijing Administration for Market Regulation",
        level=AgencyLevel.PROVINCIAL, region_code="110000", kind=AgencyKind.MARKET_REGULATION,
    )
    # Created by the listings data migration; get-or-create keeps this module free of it.
    agency_b = AgencyFactory(
        code="SAMR", name="国家市场监督管理总局", name_en="State Administration for Market Regulation",
        level=AgencyLevel.NATIONAL, region_code="100000", kind=AgencyKind.MARKET_REGULATION,
    )
    firm_a = EnterpriseFactory(registration_authority=agency_a, region_code="110105")
    firm_b = EnterpriseFactory(registration_authority=agency_b, region_code="310115")
    users = {
        "enterprise_a": EnterpriseAccountFactory(enterprise=firm_a, user__username="enterprise_a").user,
        "enterprise_b": EnterpriseAccountFactory(enterprise=firm_b, user__username="enterprise_b").user,
        "staff_a": grant_staff_permissions(StaffFactory(agency=agency_a, user__username="staff_a").user),
        "staff_b": grant_staff_permissions(StaffFactory(agency=agency_b, user__username="staff_b").user),
        "staff_a_no_perms": StaffFactory(agency=agency_a, user__username="staff_a_no_perms").user,
        "staff_without_agency": grant_staff_permissions(UserFactory(username="staff_without_agency", is_staff=True)),
        "superuser": UserFactory(username="superuser", is_staff=True, is_superuser=True),
    }
    return Personas(agency_a=agency_a, agency_b=agency_b, firm_a=firm_a, firm_b=firm_b, users=users)


@pytest.fixture
def personas(db) -> Personas:
    return build_personas()


@pytest.fixture
def client_as(personas):
    return personas.client


@pytest.fixture
def anonymous():
    return AnonymousUser()


@pytest.fixture
def enterprise_a(personas):
    return personas.users["enterprise_a"]


@pytest.fixture
def enterprise_b(personas):
    return personas.users["enterprise_b"]


@pytest.fixture
def staff_a(personas):
    return personas.users["staff_a"]


@pytest.fixture
def staff_b(personas):
    return personas.users["staff_b"]


@pytest.fixture
def staff_a_no_perms(personas):
    return personas.users["staff_a_no_perms"]


@pytest.fixture
def staff_without_agency(personas):
    return personas.users["staff_without_agency"]


@pytest.fixture
def superuser(personas):
    return personas.users["superuser"]
