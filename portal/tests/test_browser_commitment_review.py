"""Issue 11's review in a real browser, in Chinese and in English, axe-checked: the deciding
authority's repair queue prompts it to consider revoking an approved repair whose repair
commitment letter was breached."""

from __future__ import annotations

import io

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from credit.tests import factories as f
from portal.tests.test_browser_bureau_journey import sign_in
from portal.tests.test_browser_flows import (  # noqa: F401 (_standard_lists: an autouse fixture)
    LANGUAGES,
    PASSWORD,
    _standard_lists,
    assert_accessible,
    open_page,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile("proof.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.parametrize(("locale", "language"), LANGUAGES)
def test_the_repair_queue_prompts_a_revocation_after_a_breach_of_the_repair_letter(
        live_server, browser, today, locale, language):
    from playwright.sync_api import expect

    from credit import services as credit_services
    from listings.repair import services
    from portal.testing.personas import grant_staff_permissions
    from portal.uploads import validate_uploads

    penalty = f.PenaltyFactory(decided_on=today - relativedelta(months=6), publication_ends_on=None)
    liaison = f.EnterpriseAccountFactory(enterprise=penalty.enterprise).user
    officer = grant_staff_permissions(f.StaffFactory(agency=penalty.source_agency,
                                                     user__username=f"review-{language}").user)
    officer.set_password(PASSWORD)
    officer.save()
    application = services.repair_application_submit(
        kind="penalty", record_id=penalty.pk, statement="已改正", files=validate_uploads([png()]),
        signatory_name="张三", signatory_title="法定代表人", language="zh-hans", confirmed=True, actor=liaison)
    services.repair_application_accept(application=application, actor=officer)
    services.repair_application_approve(application=application, actor=officer)
    application.refresh_from_db()
    credit_services.commitment_breach_record(
        letter=application.commitment_letter, actor=officer, decided_on=today, document_number="违〔3〕号",
        facts="未按承诺整改", evidence="核查", false_commitment=False)

    _context, page = open_page(browser, locale)
    sign_in(page, live_server.url, officer)
    page.goto(live_server.url + "/lists/staff/repairs/")
    prompt = page.locator("section[aria-labelledby='breached-repairs-h']")
    expect(prompt.locator(f"a[href='/lists/staff/repairs/{application.pk}/']")).to_have_count(1)
    assert_accessible(page)
