"""A serious-list entry names the penalty it follows (or another legal basis); annulling
that penalty revokes the entry through the listings service."""

from __future__ import annotations

import pytest

from credit import services as credit_services
from credit.tests.factories import EnterpriseFactory, PenaltyFactory, StaffFactory
from listings import services
from listings.models import EntryState, ListEntryEvent
from listings.tests.factories import make_entry, standard_list
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db


def test_a_serious_listing_needs_a_penalty_or_another_legal_basis(today):
    enterprise = EnterpriseFactory()
    with pytest.raises(services.ListingError) as problem:
        make_entry(list_code=services.SERIOUS_ILLEGAL, enterprise=enterprise, other_legal_basis="  ")
    assert problem.value.field == "penalty" and problem.value.code == "basis_required"
    other = make_entry(list_code=services.SERIOUS_ILLEGAL, enterprise=enterprise, other_legal_basis="法院生效判决")
    assert other.penalty is None and other.other_legal_basis == "法院生效判决"
    # Other lists need neither.
    assert make_entry(enterprise=EnterpriseFactory()).penalty is None


def test_the_named_penalty_is_the_enterprises_own_and_in_force(today):
    enterprise = EnterpriseFactory()
    foreign = PenaltyFactory(enterprise=EnterpriseFactory())
    with pytest.raises(services.ListingError) as problem:
        make_entry(list_code=services.SERIOUS_ILLEGAL, enterprise=enterprise, penalty=foreign)
    assert problem.value.code == "penalty_other_enterprise"
    withdrawn = PenaltyFactory(enterprise=enterprise)
    credit_services.published_record_withdraw(record=withdrawn, actor=None, reason="复议撤销")
    with pytest.raises(services.ListingError) as problem:
        make_entry(list_code=services.SERIOUS_ILLEGAL, enterprise=enterprise, penalty=withdrawn)
    assert problem.value.code == "penalty_withdrawn"


def test_annulling_the_penalty_revokes_the_entry_through_the_listings_service(today):
    enterprise = EnterpriseFactory()
    penalty = PenaltyFactory(enterprise=enterprise, severity="serious", publication_ends_on=None,
                             document_number="京市监罚〔2026〕7号")
    entry = make_entry(list_code=services.SERIOUS_ILLEGAL, enterprise=enterprise, penalty=penalty,
                       reason_code="heavier_penalty")
    untouched = make_entry(list_code=services.SERIOUS_ILLEGAL, enterprise=EnterpriseFactory(),
                           reason_code="heavier_penalty")
    credit_services.published_record_withdraw(record=penalty, actor=None, reason="行政复议决定撤销")
    entry.refresh_from_db()
    untouched.refresh_from_db()
    assert entry.state == EntryState.REVOKED and "京市监罚〔2026〕7号" in entry.removal_reason
    assert entry.events.filter(kind=ListEntryEvent.Kind.REVOKED).exists()
    assert untouched.state == EntryState.LISTED


def test_the_staff_form_takes_the_penalty_by_its_number(client, today):
    credit_list = standard_list(services.SERIOUS_ILLEGAL)
    enterprise = EnterpriseFactory()
    penalty = PenaltyFactory(enterprise=enterprise, document_number="京市监罚〔2026〕8号")
    client.force_login(grant_staff_permissions(StaffFactory(agency=credit_list.owner_agency).user))
    data = {"uscc": enterprise.uscc, "reason_code": "heavier_penalty", "decision_number": "市监严列〔2026〕1号",
            "deciding_agency": credit_list.owner_agency_id, "decided_on": today.isoformat()}
    response = client.post(f"/lists/staff/{credit_list.code}/add/", data)
    assert response.status_code == 200 and "penalty" in response.context["form"].errors
    response = client.post(f"/lists/staff/{credit_list.code}/add/", {**data, "penalty": "京市监罚〔2026〕8号"})
    assert response.status_code == 302
    assert enterprise.list_entries.get().penalty == penalty
