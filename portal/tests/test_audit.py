import pytest

from credit.tests.factories import AgencyFactory, UserFactory
from portal.audit import audit_record
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_records_actor_action_object_and_payload():
    user = UserFactory(username="clerk")
    agency = AgencyFactory()
    event = audit_record(action="credit.agency.changed", actor=user, obj=agency, payload={"field": "name"})
    event.refresh_from_db()
    assert event.actor == user
    assert event.actor_label == "clerk"
    assert event.object_type == "credit.agency"
    assert event.object_id == str(agency.pk)
    assert event.payload == {"field": "name"}


def test_it_labels_system_actions():
    event = audit_record(action="listings.entry.expired")
    assert event.actor is None
    assert event.actor_label == "system"


def test_it_rejects_undotted_action_codes():
    with pytest.raises(ValueError):
        audit_record(action="published")


def test_events_cannot_be_changed_or_deleted():
    event = audit_record(action="credit.penalty.published")
    event.action = "credit.penalty.hidden"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.update(action="x.y.z")
    assert AuditEvent.objects.get().action == "credit.penalty.published"
