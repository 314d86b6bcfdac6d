"""Issue 11's journey in a real browser, in Chinese and in English, axe-checked on every page (no
serious or critical violation): an enterprise signs a credit commitment letter at /account/, then
applies to repair its abnormal-operations entry with a PDF and a signed repair commitment letter;
staff of the bureau that listed it accept and approve; a member of the public (another browser
context, never signed in, served by the page cache) no longer finds the entry in the credit file,
and finds the letter on /commitments/ with its SHA-256."""

from __future__ import annotations

import io

import pytest

from credit.tests import factories as f
from listings.tests.factories import make_entry
from portal.tests.test_browser_bureau_journey import sign_in
from portal.tests.test_browser_flows import (  # noqa: F401 (_standard_lists: an autouse fixture)
    LANGUAGES,
    PASSWORD,
    _standard_lists,
    assert_accessible,
    open_page,
    text,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def no_cache(context, page) -> None:
    """Every step shows what the server answers, not the browser's copy (public pages say max-age)."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})


@pytest.mark.parametrize(("locale", "language"), LANGUAGES)
def test_an_enterprise_signs_a_letter_and_repairs_an_abnormal_operations_entry(
        live_server, browser, today, tmp_path, locale, language):
    from playwright.sync_api import expect

    from credit.models import AgencyKind, AgencyLevel, CommitmentLetter
    from listings.models import ListEntry, RepairApplication
    from portal.testing.personas import grant_staff_permissions

    base = live_server.url
    bureau = f.AgencyFactory(code=f"MR-110106-{language}", name="北京市丰台区市场监督管理局",
                             name_en="Fengtai District Administration for Market Regulation",
                             level=AgencyLevel.COUNTY, region_code="110106", kind=AgencyKind.MARKET_REGULATION)
    firm = f.EnterpriseFactory(name=f"丰台星河修复科技有限公司{language}", name_en="Fengtai Xinghe Repair Tech Co., Ltd.",
                               registration_authority=bureau, region_code="110106")
    entry = make_entry(enterprise=firm, deciding_agency=bureau, decision_number="京丰市监异〔2025〕3号")
    liaison = f.EnterpriseAccountFactory(enterprise=firm, user__username=f"xinghe-{language}").user
    liaison.set_password(PASSWORD)
    liaison.save()
    officer = grant_staff_permissions(f.StaffFactory(agency=bureau, user__username=f"fengtai-{language}").user)
    officer.set_password(PASSWORD)
    officer.save()
    proof = tmp_path / "整改报告.pdf"
    proof.write_bytes(pdf_bytes())

    public, visitor = open_page(browser, locale)
    no_cache(public, visitor)
    visitor.goto(base + f"/enterprises/{firm.uscc}/")
    expect(visitor.locator(f"#abnormal-operations a[href='{entry.get_absolute_url()}']")).to_have_count(1)
    assert_accessible(visitor)

    # 1. The enterprise signs a general good-faith commitment letter.
    account, page = open_page(browser, locale)
    no_cache(account, page)
    sign_in(page, base, liaison)
    page.goto(base + "/account/commitments/sign/")
    assert_accessible(page)
    page.get_by_label(text(language, "General good-faith commitment")).check()
    page.get_by_label(text(language, "Language of the letter")).select_option(language)
    page.get_by_role("button", name=text(language, "Show the text")).click()
    page.wait_for_load_state()
    expect(page.locator(".letter-text")).to_contain_text(firm.uscc)
    assert_accessible(page)
    page.get_by_label(text(language, "Signatory's name")).fill("王小明")
    page.get_by_label(text(language, "Signatory's title")).fill(text(language, "legal representative"))
    page.locator("input[name=confirmed]").check()
    page.get_by_role("button", name=text(language, "Sign and publish")).click()
    page.wait_for_load_state()
    letter = CommitmentLetter.objects.get(enterprise=firm, kind=CommitmentLetter.Kind.GENERAL)
    assert letter.signatory_name == "王小明" and letter.language == language
    assert_accessible(page)

    # 2. It applies to repair the abnormal-operations entry with a PDF and a repair letter.
    page.goto(base + "/account/repairs/")
    assert_accessible(page)
    page.locator(f"a[href='/account/repairs/apply/list_entry/{entry.pk}/']").click()
    page.wait_for_url(f"**/account/repairs/apply/list_entry/{entry.pk}/")
    assert_accessible(page)
    page.locator("#id_statement").fill("已补报年度报告并公示，可通过登记住所联系。")
    page.locator("input[name=files]").set_input_files(str(proof))
    page.locator("#id_signatory_name").fill("王小明")
    page.locator("#id_signatory_title").fill(text(language, "legal representative"))
    page.locator("#id_language").select_option(language)
    page.locator("input[name=confirmed]").check()
    page.get_by_role("button", name=text(language, "Sign the letter and apply")).click()
    page.wait_for_url("**/account/repairs/")
    application = RepairApplication.objects.get(enterprise=firm)
    assert application.state == RepairApplication.State.SUBMITTED
    assert [file.original_name for file in application.files.all()] == ["整改报告.pdf"]
    expect(page.locator(f"#repair-{application.pk}")).to_contain_text(text(language, "Submitted, awaiting acceptance"))
    assert_accessible(page)

    # 3. Staff of the bureau that listed it accept, then approve.
    office, staff_page = open_page(browser, locale)
    no_cache(office, staff_page)
    sign_in(staff_page, base, officer)
    staff_page.goto(base + "/lists/staff/repairs/")
    expect(staff_page.locator("main")).to_contain_text(firm.uscc)
    assert_accessible(staff_page)
    staff_page.goto(base + f"/lists/staff/repairs/{application.pk}/")
    expect(staff_page.get_by_role("link", name="整改报告.pdf")).to_be_visible()
    assert_accessible(staff_page)
    staff_page.get_by_label(text(language, "Accept the application")).check()
    staff_page.get_by_role("button", name=text(language, "Record the decision")).click()
    staff_page.wait_for_load_state()
    application.refresh_from_db()
    assert application.state == RepairApplication.State.ACCEPTED
    staff_page.goto(base + f"/lists/staff/repairs/{application.pk}/")
    staff_page.get_by_label(text(language, "Approve: end the record's publication")).check()
    staff_page.get_by_role("button", name=text(language, "Record the decision")).click()
    staff_page.wait_for_load_state()
    application.refresh_from_db()
    assert application.state == RepairApplication.State.APPROVED
    assert_accessible(staff_page)
    # The staff history keeps the entry, removed with date, reason and authority.
    entry.refresh_from_db()
    assert entry.state == "removed" and entry.removing_agency_id == bureau.pk and entry.removed_on == today
    assert ListEntry.objects.filter(pk=entry.pk).exists()

    # 4. The public: the entry is gone from the credit file; the letter is on /commitments/.
    visitor.goto(base + f"/enterprises/{firm.uscc}/")
    expect(visitor.locator(f"main a[href='{entry.get_absolute_url()}']")).to_have_count(0)
    expect(visitor.locator("#abnormal-operations")).to_contain_text(
        text(language, "Not on the abnormal operations list."))
    assert_accessible(visitor)
    visitor.goto(base + entry.get_absolute_url())
    expect(visitor.locator("h1")).to_have_text(text(language, "Entry no longer published"))
    visitor.goto(base + "/commitments/?q=" + firm.uscc)
    row = visitor.locator("main table tbody tr", has_text=firm.uscc)
    expect(row.first).to_be_visible()
    assert_accessible(visitor)
    visitor.goto(base + f"/commitments/{letter.pk}/")
    expect(visitor.locator("main")).to_contain_text(letter.text_sha256)
    expect(visitor.locator("main")).to_contain_text("王小明")
    assert_accessible(visitor)
    for context in (public, account, office):
        context.close()
