"""What the credit file, /account/, the staff home and the upload checks show of credit repair."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format
from PIL import Image

from credit.models import Severity
from credit.tests import factories as f
from listings.models import RepairApplication
from listings.repair import services
from portal.testing.personas import grant_staff_permissions
from portal.uploads import validate_uploads

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def english_get(client, url):
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_credit_file_says_from_when_each_negative_record_may_be_repaired(today):
    young = f.PenaltyFactory(severity=Severity.GENERAL, decided_on=today - relativedelta(months=2),
                             publication_ends_on=None)
    old = f.PenaltyFactory(enterprise=young.enterprise, severity=Severity.SERIOUS, publication_ends_on=None,
                           decided_on=today - relativedelta(months=13))
    cache.clear()
    with translation.override("en"):
        body = english_get(Client(), f"/enterprises/{young.enterprise.uscc}/")
        start = body.index('<section id="credit-repair"')
        part = body[start:body.index("</section>", start)]
        since = date_format(young.decided_on + relativedelta(months=3))
        assert f"repair may be requested from {since}" in part
        assert f"Repair may be requested from {date_format(old.decided_on + relativedelta(months=12))}" in part


def test_an_open_application_is_not_shown_on_the_public_file(today):
    record = f.PenaltyFactory(decided_on=today - relativedelta(months=4), publication_ends_on=None)
    user = f.EnterpriseAccountFactory(enterprise=record.enterprise, user__email="a@example.cn").user
    png = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    services.repair_application_submit(kind="penalty", record_id=record.pk, statement="已改正",
                                       files=validate_uploads([png]), signatory_name="张三", signatory_title="经理",
                                       language="en", confirmed=True, actor=user)
    cache.clear()
    body = english_get(Client(), f"/enterprises/{record.enterprise.uscc}/")
    assert "being handled" not in body and "Repair may be requested from" in body
    client = Client()
    client.force_login(user)
    account = english_get(client, "/account/")
    assert "Submitted, awaiting acceptance" in account and "/account/repairs/" in account


def test_the_account_panel_links_the_application_of_a_repairable_record(today):
    record = f.PenaltyFactory(decided_on=today - relativedelta(months=4), publication_ends_on=None)
    client = Client()
    client.force_login(f.EnterpriseAccountFactory(enterprise=record.enterprise).user)
    assert f"/account/repairs/apply/penalty/{record.pk}/" in english_get(client, "/account/")


def test_a_refused_application_names_the_fields_and_keeps_the_input(today):
    record = f.PenaltyFactory(decided_on=today - relativedelta(months=4), publication_ends_on=None)
    client = Client()
    client.force_login(f.EnterpriseAccountFactory(enterprise=record.enterprise).user)
    fake = SimpleUploadedFile("scan.png", b"not an image at all", content_type="image/png")
    with translation.override("en"):
        response = client.post(f"/account/repairs/apply/penalty/{record.pk}/", {
            "statement": "我们已经改正", "files": [fake], "signatory_name": "李四", "signatory_title": "",
            "language": "en"}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "scan.png: not a PDF, JPEG or PNG file (its content is not one of them)" in body
    assert "我们已经改正" in body and "李四" in body
    assert not RepairApplication.objects.exists()


def test_uploads_are_checked_by_content():
    with pytest.raises(ValidationError) as error:
        validate_uploads([SimpleUploadedFile("a.pdf", b"%PDF-1.4 broken", content_type="application/pdf")])
    assert "a.pdf" in str(error.value)
    checked = validate_uploads([SimpleUploadedFile("../../x/图 1.png", png_bytes(), content_type="text/plain")])
    assert (checked[0].name, checked[0].content_type) == ("图 1.png", "image/png")


def test_the_staff_home_lists_the_deciding_agencys_repairs(today):
    record = f.PenaltyFactory(decided_on=today - relativedelta(months=4), publication_ends_on=None)
    user = f.EnterpriseAccountFactory(enterprise=record.enterprise).user
    png = SimpleUploadedFile("p.png", png_bytes(), content_type="image/png")
    application = services.repair_application_submit(
        kind="penalty", record_id=record.pk, statement="已改正", files=validate_uploads([png]),
        signatory_name="张三", signatory_title="经理", language="zh-hans", confirmed=True, actor=user)
    client = Client()
    client.force_login(grant_staff_permissions(f.StaffFactory(agency=record.source_agency).user))
    assert f"/lists/staff/repairs/{application.pk}/" in english_get(client, "/staff/")
    other = Client()
    other.force_login(grant_staff_permissions(f.StaffFactory(agency=f.AgencyFactory()).user))
    assert f"/lists/staff/repairs/{application.pk}/" not in english_get(other, "/staff/")
    assert application.acceptance_due > today - dt.timedelta(days=1)
