"""Issue 11's review: choice errors naming the field, one-line texts without control characters,
a withdrawn breach undoing its consequences, a deregistered enterprise's letters."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from credit import commitments, services
from credit import models as m
from credit.commitment_forms import BreachForm, SignConfirmForm, SignStartForm
from credit.tests import factories as f
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def staff_of(agency):
    return grant_staff_permissions(f.StaffFactory(agency=agency).user)


# --- 1. choice errors name the field -------------------------------------------------------------


def test_a_bad_false_commitment_answer_names_the_field(today):
    with translation.override("en"):
        form = BreachForm(data={"decided_on": today.isoformat(), "document_number": "1", "facts": "x",
                                "evidence": "y", "false_commitment": "maybe"})
        assert not form.is_valid()
        assert form.errors["false_commitment"] == ["False commitment: answer yes or no."]


@pytest.mark.parametrize("name, value, expected", [
    ("kind", "nonsense", "Kind: choose one of the options offered."),
    ("state", "revoked", "State: choose one of the options offered."),
    ("agency", "NO-SUCH-AGENCY", "Agency: choose one of the options offered."),
])
def test_a_bad_filter_value_on_the_letter_list_names_the_field_and_keeps_the_rest(name, value, expected):
    f.CommitmentLetterFactory(valid_until=None)
    with translation.override("en"):
        response = english().get("/commitments/", {name: value, "q": "科技有限", "signed_from": "2026-01-01"})
        body = response.content.decode()
    assert response.status_code == 200
    assert expected in body
    assert 'value="科技有限"' in body and 'value="2026-01-01"' in body


# --- 2. one-line texts ----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["张\t三", "张\n三", "张\r三", "张\x85三", "张\u202e三", "张\u200b三"])
def test_signing_refuses_a_control_character_in_the_signatory_or_matter(bad):
    enterprise = f.EnterpriseFactory()
    base = {"enterprise": enterprise, "kind": "general", "language": "zh-hans", "signatory_name": "张三",
            "signatory_title": "法定代表人", "confirmed": True, "actor": None}
    for field in ("signatory_name", "signatory_title"):
        with translation.override("en"):
            with pytest.raises(ValidationError) as refused:
                services.commitment_letter_sign(**{**base, field: bad})
            (message,) = refused.value.message_dict[field]
        assert "control or invisible character" in message
        assert message.startswith("Signatory")
    agency = f.AgencyFactory()
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            services.commitment_letter_sign(**{**base, "kind": "licensing", "agency": agency,
                                               "approval_matter": f"食品{bad}经营许可"})
        assert refused.value.message_dict["approval_matter"][0].startswith("Approval matter:")
    assert not m.CommitmentLetter.objects.exists()


def test_the_signing_forms_refuse_control_characters_naming_the_field():
    enterprise = f.EnterpriseFactory()
    agency = f.AgencyFactory(level=m.AgencyLevel.NATIONAL)
    with translation.override("en"):
        start = SignStartForm(data={"kind": "licensing", "language": "en", "approval_matter": "食品\t经营许可",
                                    "agency": agency.code}, enterprise=enterprise)
        assert not start.is_valid() and start.errors["approval_matter"][0].startswith("Approval matter:")
        confirm = SignConfirmForm(data={"kind": "general", "language": "en", "template": "general/1",
                                        "text_sha256": "0" * 64, "signatory_name": "Zhang\u202eSan",
                                        "signatory_title": "Legal\trepresentative", "confirmed": "on"},
                                  enterprise=enterprise)
        assert not confirm.is_valid()
        assert confirm.errors["signatory_name"][0].startswith("Signatory:")
        assert confirm.errors["signatory_title"][0].startswith("Signatory's title:")


def test_the_canonical_form_still_turns_line_breaks_of_a_value_into_spaces(now):
    # docs/commitments.md 2: a header value is one line. The portal no longer accepts a line break
    # in a value, but the documented form keeps its rule for any document rebuilt from it.
    document = commitments.canonical_document(
        uscc="91110108MA01ABCD2X", kind="general", template_version=1, language="en", agency_code="A",
        matter="", signatory_name="Zhang\nSan", signatory_title="t", signed_at=now, title="T", text="x")
    assert "signatory: Zhang San\n" in document


# --- 7. a deregistered enterprise's letters -----------------------------------------------------


def test_a_deregistered_enterprises_letter_is_not_shown_breached(today):
    letter = f.CommitmentLetterFactory(valid_until=None)
    services.commitment_breach_record(letter=letter, actor=staff_of(letter.agency), decided_on=today,
                                      document_number="沪市监信〔8〕号", facts="违诺", evidence="证据",
                                      false_commitment=False)
    m.Enterprise.objects.filter(pk=letter.enterprise_id).update(status=m.RegistrationStatus.DEREGISTERED)
    cache.clear()
    client = english()
    with translation.override("en"):
        page = client.get(f"/commitments/{letter.pk}/").content.decode()
        listed = client.get("/commitments/").content.decode()
        breached = client.get("/commitments/", {"state": "breached"}).content.decode()
        in_force = client.get("/commitments/", {"state": "in_force"}).content.decode()
        file = client.get(letter.enterprise.get_absolute_url()).content.decode()
    assert "state-breached" not in page and "state-in_force" in page
    assert "state-breached" not in listed and f"/commitments/{letter.pk}/" in listed
    assert f"/commitments/{letter.pk}/" not in breached and f"/commitments/{letter.pk}/" in in_force
    assert "state-breached" not in file and "沪市监信〔8〕号" not in file
    assert commitments.letter_state(m.CommitmentLetter.objects.get(pk=letter.pk), today) == "in_force"
    api = client.get(f"/api/v1/commitment-letters/{letter.pk}/")
    assert api.status_code == 200 and api.json()["state"] == "in_force"


# --- 4. a withdrawn breach takes back its consequences -------------------------------------------


def test_a_withdrawn_breach_restores_the_licences_it_revoked_and_revokes_its_listing(today):
    from listings.models import EntryState, ListEntry
    from listings.tests.factories import standard_list
    from portal.audit import AuditEvent

    samr = standard_list("serious-illegal").owner_agency
    letter = f.CommitmentLetterFactory(kind="licensing", agency=samr, approval_matter="食品经营许可", valid_until=None)
    granted = f.LicenceFactory(enterprise=letter.enterprise, source_agency=samr, commitment_letter=letter)
    already = f.LicenceFactory(enterprise=letter.enterprise, source_agency=samr, commitment_letter=letter,
                               status=m.AdministrativeLicence.Status.REVOKED)
    staff = staff_of(samr)
    breach = services.commitment_breach_record(
        letter=letter, actor=staff, decided_on=today, document_number="国市监信〔2026〕9号", facts="虚假承诺",
        evidence="核查", false_commitment=True)
    entry = ListEntry.objects.get(enterprise=letter.enterprise)
    granted.refresh_from_db()
    assert granted.status == m.AdministrativeLicence.Status.REVOKED and entry.state == EntryState.LISTED

    services.published_record_withdraw(record=breach, actor=staff, reason="认定错误")
    granted.refresh_from_db()
    already.refresh_from_db()
    entry.refresh_from_db()
    assert granted.status == m.AdministrativeLicence.Status.VALID
    assert "国市监信〔2026〕9号" in granted.correction_reason  # a published correction naming the breach
    assert already.status == m.AdministrativeLicence.Status.REVOKED  # revoked before, not by the breach
    assert entry.state == EntryState.REVOKED and "国市监信〔2026〕9号" in entry.removal_reason
    assert commitments.letter_state(m.CommitmentLetter.objects.get(pk=letter.pk), today) == "in_force"
    event = AuditEvent.objects.get(action="credit.commitment_breach.withdrawn")
    assert event.payload["licences_restored"] == [granted.pk]
    assert event.payload["consequences"] == [{"entries_revoked": [entry.pk]}]
    # Notification-and-commitment is open again: the listing that barred it is revoked.
    services.commitment_letter_sign(enterprise=letter.enterprise, kind="licensing", language="zh-hans",
                                    signatory_name="张三", signatory_title="法定代表人", confirmed=True, actor=None,
                                    agency=samr, approval_matter="另一许可")
