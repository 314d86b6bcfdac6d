"""The full identity number in the admin: only for an agency holding a record naming the person
(and superusers), and each reveal is audited (issue 8)."""

from __future__ import annotations

import pytest

from credit.tests import factories as f
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def page(personas, persona, person):
    return personas.client(persona).get(f"/admin/credit/person/{person.pk}/change/").content.decode()


def test_the_full_number_is_shown_only_to_an_agency_with_a_record_naming_the_person(personas):
    person = personas.firm_b.legal_representative  # registered by agency B
    assert person.id_number not in page(personas, "staff_a", person)
    assert person.masked_id_number in page(personas, "staff_a", person)
    assert not AuditEvent.objects.filter(action="credit.person.identity_revealed").exists()

    assert person.id_number in page(personas, "staff_b", person)
    event = AuditEvent.objects.get(action="credit.person.identity_revealed")
    assert event.actor == personas.users["staff_b"] and event.object_id == str(person.pk)
    assert person.id_number not in str(event.payload)

    # A shareholding recorded by agency A names the person too.
    f.ShareholderFactory(enterprise=personas.firm_a, source_agency=personas.agency_a, person=person)
    assert person.id_number in page(personas, "staff_a", person)
    assert person.id_number in page(personas, "superuser", person)
    assert AuditEvent.objects.filter(action="credit.person.identity_revealed").count() == 3


def test_the_person_list_shows_masked_numbers_only(personas):
    person = personas.firm_b.legal_representative
    content = personas.client("staff_b").get("/admin/credit/person/").content.decode()
    assert person.masked_id_number in content and person.id_number not in content
