"""Objection grounds and the objector's login: the deciding (owning) agency's only (issue 8)."""

from __future__ import annotations

import pytest

from credit.tests.factories import ago
from listings import services
from listings.models import CreditList
from listings.tests.factories import make_entry

pytestmark = pytest.mark.django_db

GROUNDS = "地址可以联系，请核实"


@pytest.fixture
def objection(personas):
    # Agency B (SAMR) owns the abnormal-operations list.
    assert CreditList.objects.get(code="abnormal-operations").owner_agency == personas.agency_b
    entry = make_entry(list_code="abnormal-operations", enterprise=personas.firm_b, listed_on=ago(days=5))
    return services.objection_submit(entry=entry, grounds=GROUNDS, submitted_on=ago(days=1),
                                     actor=personas.users["enterprise_b"])


@pytest.mark.parametrize(("persona", "shown"), [("staff_a", False), ("staff_b", True), ("superuser", True)])
def test_the_objection_admin_shows_grounds_and_objector_only_to_the_deciding_agency(personas, objection, persona,
                                                                                      shown):
    client = personas.client(persona)
    content = client.get(f"/admin/listings/objection/{objection.pk}/change/").content.decode()
    assert (GROUNDS in content) is shown
    entry_page = client.get(f"/admin/listings/listentry/{objection.entry.pk}/change/").content.decode()
    assert ("enterprise_b" in entry_page) is shown


@pytest.mark.parametrize(("persona", "shown"), [("staff_a", False), ("staff_b", True)])
def test_the_entry_page_history_names_the_objector_only_to_the_deciding_agency(personas, objection, persona, shown):
    content = personas.client(persona).get(objection.entry.get_absolute_url()).content.decode()
    assert "History" in content or "历史" in content
    assert ("enterprise_b" in content) is shown
