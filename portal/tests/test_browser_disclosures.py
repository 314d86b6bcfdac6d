"""An instant disclosure from /account/ in a real browser, in Chinese and in English, with axe
(no serious or critical finding) on every page: a refused form names the field and keeps the
input, the published disclosure shows its deadline and mark, a correction adds a version, and
the public credit file shows both versions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext

from credit.tests import factories as f
from portal.tests.test_browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [("zh-CN", "zh-hans"), ("en-US", "en")]
PASSWORD = "correct horse battery staple"


def text(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def test_an_enterprise_discloses_and_corrects_a_capital_change(live_server, browser, today):
    from playwright.sync_api import expect

    fact = today - dt.timedelta(days=2)
    for locale, language in LANGUAGES:
        enterprise = f.EnterpriseFactory(name=f"北京即时披露科技有限公司{language}")
        user = f.EnterpriseAccountFactory(enterprise=enterprise, user__username=f"discloser-{language}").user
        user.set_password(PASSWORD)
        user.save()
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(live_server.url + "/account/login/")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/account/")
        page.get_by_role("link", name=text(language, "Make or correct an instant disclosure")).click()
        page.wait_for_url("**/account/disclosures/")
        assert serious_violations(page) == [], page.url

        page.get_by_role("link", name=text(language, "Shareholders' capital contributions")).click()
        page.wait_for_url("**/account/disclosures/new/capital/")
        assert serious_violations(page) == [], page.url
        page.get_by_label(text(language, "Date of the fact")).fill(fact.isoformat())
        page.get_by_label(text(language, "Content")).fill("股东张三实缴出资50万元")
        page.get_by_label(text(language, "Shareholder")).fill("张三")
        page.get_by_label(text(language, "Subscribed capital (10,000 yuan)")).fill("40")
        paid = page.get_by_label(text(language, "Paid-in capital (10,000 yuan)"))
        paid.fill("50")
        page.get_by_label(text(language, "Date of contribution")).fill(fact.isoformat())
        page.get_by_label(text(language, "Form of contribution")).select_option("money")
        publish = page.get_by_role("button", name=text(language, "Publish the disclosure"))
        publish.click()
        page.wait_for_load_state()
        # Refused: the error is tied to its field, and what was typed is still there.
        expect(paid).to_have_attribute("aria-invalid", "true")
        error = page.locator("#" + paid.get_attribute("aria-describedby").split()[0])
        with translation.override(language):
            expected = gettext("%(field)s: cannot be more than %(other)s.") % {
                "field": gettext("Paid-in capital (10,000 yuan)"), "other": gettext("Subscribed capital (10,000 yuan)")}
        assert error.inner_text() == expected
        expect(paid).to_have_value("50")
        assert serious_violations(page) == [], page.url

        page.get_by_label(text(language, "Subscribed capital (10,000 yuan)")).fill("100")
        publish.click()
        page.wait_for_url("**/account/disclosures/")
        row = page.locator("main table tbody tr")
        assert row.count() == 1 and text(language, "On time") in row.inner_text()
        assert serious_violations(page) == [], page.url

        row.get_by_role("link", name=text(language, "Correct")).click()
        page.wait_for_url("**/correct/")
        expect(page.get_by_label(text(language, "Paid-in capital (10,000 yuan)"))).to_have_value("50")
        assert serious_violations(page) == [], page.url
        page.get_by_label(text(language, "Content")).fill("股东张三实缴出资60万元")
        page.get_by_label(text(language, "Paid-in capital (10,000 yuan)")).fill("60")
        page.get_by_role("button", name=text(language, "Publish the correction")).click()
        page.wait_for_url("**/account/disclosures/")

        page.goto(live_server.url + enterprise.get_absolute_url() + "#instant-disclosures")
        section = page.locator("#instant-disclosures")
        body = section.inner_text()
        assert "股东张三实缴出资50万元" in body and "股东张三实缴出资60万元" in body
        assert text(language, "Original (superseded)") in body
        assert serious_violations(page) == [], page.url
        context.close()
