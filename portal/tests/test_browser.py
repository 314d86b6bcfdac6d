"""Home -> search -> credit file in a real browser, then the language switch, with an
axe-core accessibility check on each page.

The `browser` fixture (portal/tests/conftest.py) uses Debian's /usr/bin/chromium, never a
downloaded browser; it skips when that is missing, unless CI_BROWSER=1.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from credit.tests import factories as f

SCREENSHOT = Path("/tmp/pages-credit-file.png")
PRINT_SCREENSHOT = Path("/tmp/pages-credit-file-print.png")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        # Duplicate landmark names are only "moderate" for axe, but with a table region per
        # section they made screen-reader landmark lists ambiguous, so they count here too.
        if v["impact"] in {"serious", "critical"} or v["id"] == "landmark-unique"
    ]


def test_it_goes_from_home_to_a_credit_file_and_switches_to_english(live_server, browser):
    enterprise = f.EnterpriseFactory(name="北京鑫源科技有限公司")
    holder = f.ShareholderFactory(enterprise=enterprise)
    f.CapitalContributionFactory(shareholder=holder)
    f.KeyPersonFactory(enterprise=enterprise)
    f.ChangeRecordFactory(enterprise=enterprise)
    f.LicenceFactory(enterprise=enterprise)
    f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None)
    f.JudicialAssistanceFactory(enterprise=enterprise)
    f.AnnualReportFactory(enterprise=enterprise)
    f.CommitmentLetterFactory(enterprise=enterprise)
    f.EnterpriseFactory(name="上海某某贸易有限公司")

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.locator("h1").first.inner_text() == "企业信用信息公示系统"
    assert serious_violations(page) == []
    page.screenshot(path="/tmp/pages-home.png", full_page=True)

    page.fill("#q", "科技")
    page.locator("form[role=search] button[type=submit]").first.click()
    page.wait_for_url("**/search/?q=*")
    assert "共找到 1 家企业" in page.inner_text("main")
    assert serious_violations(page) == []
    page.screenshot(path="/tmp/pages-search.png", full_page=True)

    page.click("text=北京鑫源科技有限公司")
    page.wait_for_url(f"**/enterprises/{enterprise.uscc}/")
    assert page.locator("#penalties h2").inner_text().startswith("行政处罚信息")
    assert serious_violations(page) == []
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # The paper copy: no navigation or buttons, the address and date at the end.
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".print-button").is_visible()
    assert enterprise.uscc in page.locator(".print-footer").inner_text()
    page.screenshot(path=str(PRINT_SCREENSHOT), full_page=True)
    page.emulate_media(media="screen")

    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.url.endswith(f"/enterprises/{enterprise.uscc}/")
    assert page.locator("#penalties h2").inner_text().startswith("Administrative penalties")
    assert page.locator("html").get_attribute("lang") == "en"
    assert serious_violations(page) == []
    page.screenshot(path="/tmp/pages-credit-file-en.png")

    # A phone-sized screen: tables scroll inside their box, the page itself does not.
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert serious_violations(page) == []
    page.screenshot(path="/tmp/pages-credit-file-phone.png")
    page.locator("#penalties").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/pages-credit-file-phone-penalties.png")
    context.close()
