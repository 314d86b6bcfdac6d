"""Issue 11's review, the listings side: uploads of a failed submission leave no file, the repair
form's choice and one-line errors, a withdrawn breach and the listing it caused, a breached repair
letter and its repair, a breach as a repairable record."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import translation
from PIL import Image

from credit.tests import factories as f
from listings.models import RepairApplication, RepairFile
from listings.repair import services
from listings.repair.forms import RepairApplyForm
from portal.testing.personas import grant_staff_permissions
from portal.uploads import store_upload_on_commit, upload_dir, validate_uploads

pytestmark = pytest.mark.django_db
State = RepairApplication.State


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(name="proof.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def proof():
    return validate_uploads([png()])


def liaison(enterprise):
    return f.EnterpriseAccountFactory(enterprise=enterprise, user__email="liaison@example.cn").user


def staff(agency):
    return grant_staff_permissions(f.StaffFactory(agency=agency).user)


def stored_files() -> list[str]:
    directory = upload_dir()
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def submit(record, kind, actor, **kwargs):
    return services.repair_application_submit(
        kind=kind, record_id=record.pk, statement="已改正并履行义务", files=kwargs.pop("files", None) or proof(),
        signatory_name="张三", signatory_title="法定代表人", language="zh-hans", confirmed=True, actor=actor, **kwargs,
    )


def old_penalty(today, **kwargs):
    from dateutil.relativedelta import relativedelta

    kwargs.setdefault("publication_ends_on", None)
    return f.PenaltyFactory(decided_on=today - relativedelta(months=6), **kwargs)


# --- 3. uploads of a transaction that rolls back ---------------------------------------------------


def test_a_submission_that_fails_after_storing_its_files_leaves_no_file(today, monkeypatch):
    record = old_penalty(today)
    actor = liaison(record.enterprise)

    def broken(**kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        submit(record, "penalty", actor, files=validate_uploads([png("a.png"), png("b.png")]))
    assert stored_files() == []
    assert not RepairFile.objects.exists() and not RepairApplication.objects.exists()


def test_a_stored_file_is_kept_when_its_transaction_commits_and_removed_when_it_rolls_back():
    with transaction.atomic():
        kept = store_upload_on_commit(proof()[0])
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        store_upload_on_commit(proof()[0])
        1 / 0  # noqa: B018
    # The test's own transaction is still open: the first file waits for its commit, kept on disk.
    assert stored_files() == [kept]


# --- 1 and 2 on the repair form ----------------------------------------------------------------


def test_the_repair_form_names_the_field_of_a_bad_choice_or_a_control_character():
    with translation.override("en"):
        form = RepairApplyForm(data={"statement": "已改正", "signatory_name": "张\t三", "signatory_title": "法定\u202e代表人",
                                     "language": "fr", "confirmed": "on"}, files={"files": png()})
        assert not form.is_valid()
        assert form.errors["language"] == ["Language of the letter: choose one of the options offered."]
        assert form.errors["signatory_name"][0].startswith("Signatory: remove the control")
        assert form.errors["signatory_title"][0].startswith("Signatory's title: remove the control")


# --- 6. a breach of a commitment is a repairable negative record ---------------------------------


def breach_of(letter, today, *, decided_on=None, false_commitment=False):
    from credit import services as credit_services

    return credit_services.commitment_breach_record(
        letter=letter, actor=staff(letter.agency), decided_on=decided_on or today, document_number="京市监信〔2026〕3号",
        facts="未履行承诺", evidence="核查", false_commitment=false_commitment)


def test_a_breach_is_repairable_from_three_months_after_its_decision_and_repair_ends_it(today, clock):
    from dateutil.relativedelta import relativedelta
    from django.core.cache import cache

    from credit import commitments
    from credit.models import CommitmentLetter
    from listings.repair import registry
    from listings.repair.rules import eligibility

    kind = registry.kind_get("commitment_breach")
    assert kind is not None
    letter = f.CommitmentLetterFactory(valid_until=None, signed_on=today - relativedelta(months=6))
    decided = today - relativedelta(months=3)
    breach = breach_of(letter, today, decided_on=decided)
    assert eligibility(kind, breach, today).repairable
    early = eligibility(kind, breach, today - dt.timedelta(days=1))
    assert early.code == "minimum_period" and early.repairable_from == today
    assert [b.pk for b in kind.records(letter.enterprise_id, today)] == [breach.pk]

    application = submit(breach, "commitment_breach", liaison(letter.enterprise))
    assert application.deciding_agency == letter.agency
    decider = staff(letter.agency)
    services.repair_application_accept(application=application, actor=decider)
    services.repair_application_approve(application=application, actor=decider)
    breach.refresh_from_db()
    assert breach.publication_ends_on == today - dt.timedelta(days=1)
    assert commitments.letter_state(CommitmentLetter.objects.get(pk=letter.pk), today) != "breached"
    cache.clear()
    file = Client().get(letter.enterprise.get_absolute_url()).content.decode()
    assert "京市监信〔2026〕3号" not in file
    assert "京市监信〔2026〕3号" not in Client().get(f"/commitments/{letter.pk}/").content.decode()
    # Revoked for a false commitment: published again.
    services.repair_application_revoke(application=application, reason="虚假", document_number="撤〔1〕号",
                                       actor=decider)
    breach.refresh_from_db()
    assert breach.publication_ends_on is None
    assert commitments.letter_state(CommitmentLetter.objects.get(pk=letter.pk), today) == "breached"


# --- 5. a breached repair letter and the repair it was signed for --------------------------------


def approved_repair(today):
    record = old_penalty(today)
    application = submit(record, "penalty", liaison(record.enterprise))
    decider = staff(record.source_agency)
    services.repair_application_accept(application=application, actor=decider)
    services.repair_application_approve(application=application, actor=decider)
    application.refresh_from_db()
    return application, decider


def test_a_false_repair_commitment_revokes_the_repair_it_was_signed_for(today):
    from credit import services as credit_services
    from portal.audit import AuditEvent

    application, decider = approved_repair(today)
    letter = application.commitment_letter
    assert letter.kind == "credit_repair" and letter.agency_id == application.deciding_agency_id
    credit_services.commitment_breach_record(letter=letter, actor=decider, decided_on=today, document_number="撤〔9〕号",
                                             facts="整改材料虚假", evidence="核查", false_commitment=True)
    application.refresh_from_db()
    assert application.state == State.REVOKED and application.revocation_document_number == "撤〔9〕号"
    event = AuditEvent.objects.get(action="credit.commitment.breached")
    assert {"repair": "revoked", "application": application.pk} in event.payload["consequences"]


def test_another_breach_of_a_repair_letter_prompts_the_deciding_authority_in_its_queue(today):
    from credit import services as credit_services

    application, decider = approved_repair(today)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(decider)
    with translation.override("en"):
        before = client.get("/lists/staff/repairs/").content.decode()
        assert "Consider revoking the repair" not in before
        credit_services.commitment_breach_record(
            letter=application.commitment_letter, actor=decider, decided_on=today, document_number="违〔2〕号",
            facts="未按承诺整改", evidence="核查", false_commitment=False)
        application.refresh_from_db()
        assert application.state == State.APPROVED  # the authority decides
        body = client.get("/lists/staff/repairs/").content.decode()
        assert "Consider revoking the repair of" in body and f"/lists/staff/repairs/{application.pk}/" in body
        decided = client.get("/lists/staff/repairs/", {"state": "decided"}).content.decode()
        assert "Commitment letter breached" in decided
        other = Client(HTTP_ACCEPT_LANGUAGE="en")
        other.force_login(staff(f.AgencyFactory()))
        assert "Consider revoking" not in other.get("/lists/staff/repairs/").content.decode()


def test_a_withdrawn_false_repair_commitment_leaves_the_revoked_repair_to_its_authority_to_review(today):
    from credit import services as credit_services
    from portal.audit import AuditEvent

    application, decider = approved_repair(today)
    breach = credit_services.commitment_breach_record(
        letter=application.commitment_letter, actor=decider, decided_on=today, document_number="撤〔10〕号",
        facts="整改材料虚假", evidence="核查", false_commitment=True)
    application.refresh_from_db()
    assert application.state == State.REVOKED
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(decider)
    with translation.override("en"):
        assert "was withdrawn" not in client.get("/lists/staff/repairs/").content.decode()
        credit_services.published_record_withdraw(record=breach, actor=decider, reason="认定错误")
        body = client.get("/lists/staff/repairs/").content.decode()
    assert "Review the revocation of" in body and f"/lists/staff/repairs/{application.pk}/" in body
    event = AuditEvent.objects.get(action="credit.commitment_breach.withdrawn")
    assert {"repairs_to_review": [application.pk]} in event.payload["consequences"]
