"""Issue 11's review, the listings side: uploads of a failed submission leave no file, the repair
form's choice and one-line errors, a withdrawn breach and the listing it caused, a breached repair
letter and its repair, a breach as a repairable record."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
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
