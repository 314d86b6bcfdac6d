from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from credit.tests.factories import StaffFactory, UserFactory
from portal.audit import audit_record
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

EVENTS = "/admin/portal/auditevent/"


@pytest.fixture
def event():
    return audit_record(action="credit.penalty.published", actor_label="system", payload={"x": 1})


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_it_lists_audit_events_for_a_superuser(client, superuser, event):
    client.force_login(superuser)
    response = client.get(EVENTS)
    assert response.status_code == 200
    assert "credit.penalty.published" in response.content.decode()


def test_it_shows_an_event_read_only(client, superuser, event):
    client.force_login(superuser)
    response = client.get(f"{EVENTS}{event.pk}/change/")
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    posted = client.post(f"{EVENTS}{event.pk}/change/", {"action": "tampered"})
    assert posted.status_code == 403
    event.refresh_from_db()
    assert event.action == "credit.penalty.published"


@pytest.mark.parametrize("address", ["add/", "{pk}/delete/"])
def test_it_offers_no_add_or_delete(client, superuser, event, address):
    client.force_login(superuser)
    response = client.post(EVENTS + address.format(pk=event.pk), {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("address", ["", "{pk}/change/"])
def test_it_keeps_the_log_from_staff_even_with_the_view_permission(client, event, address):
    # Payloads carry unpublished inspection results and other agencies' business.
    staff = StaffFactory().user
    staff.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    client.force_login(staff)
    assert client.get(EVENTS + address.format(pk=event.pk)).status_code == 403
    index = client.get("/admin/")
    assert "/admin/portal/auditevent/" not in index.content.decode()


def test_it_keeps_the_log_from_anonymous_visitors(client, event):
    response = client.get(EVENTS)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
