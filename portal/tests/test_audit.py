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


def test_it_writes_every_apps_changes_in_one_format():
    import datetime as dt
    from decimal import Decimal

    from credit.models import AdministrativePenalty, Person, mask_identity_number
    from credit.tests.factories import PenaltyFactory
    from listings.models import CreditList
    from portal.audit import audit_changes

    penalty = PenaltyFactory(fine_amount=Decimal("50000.00"))
    edited = AdministrativePenalty.objects.get(pk=penalty.pk)
    edited.fine_amount, edited.decided_on = Decimal(30000), dt.date(2024, 5, 1)
    changes = audit_changes(penalty, edited, exclude={"published_at"})
    assert changes == {
        "fine_amount": {"old": "50000.00", "new": "30000.00"},
        "decided_on": {"old": penalty.decided_on.isoformat(), "new": "2024-05-01"},
    }
    new_list = CreditList(code="x", name="名单", colour="black", category="other", owner_agency=AgencyFactory(),
                          legal_basis="", subject_type="enterprise", severity="serious", max_publication_months=36)
    created = audit_changes(None, new_list)
    assert created["max_publication_months"] == {"old": None, "new": 36}
    assert created["owner_agency"] == {"old": None, "new": new_list.owner_agency_id}
    person = Person(pk=1, name="张三", id_type="resident_id", id_number="110108198001010011")
    corrected = Person(pk=1, name="张三", id_type="resident_id", id_number="110108198001010029")
    assert audit_changes(person, corrected, shown={"id_number": mask_identity_number}) == {
        "id_number": {"old": "11**************11", "new": "11**************29"}
    }
