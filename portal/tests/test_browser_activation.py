"""Activation of an enterprise login in a real browser, in Chinese and in English, with axe-core
(no serious or critical violation): a wrong code first (the error tied to its field, the input
kept), then the letter's code, which signs the liaison in at /account/.

The `browser` fixture lives in portal/tests/conftest.py (Debian's chromium, skipped when missing
unless CI_BROWSER=1). `portal.testing.activation.issue_activation_code` gives the letter's code."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from credit.tests import factories as f
from portal.testing.activation import issue_activation_code
from portal.tests.test_browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [("zh-CN", "zh-hans"), ("en-US", "en")]
PASSWORD = "correct horse battery staple"


def text(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def test_a_liaison_activates_a_login_with_the_letters_code(live_server, browser):
    from playwright.sync_api import expect

    for index, (locale, language) in enumerate(LANGUAGES):
        enterprise = f.EnterpriseFactory(name=f"北京启明科技有限公司{language}")
        code = issue_activation_code(enterprise)
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(live_server.url + "/account/login/")
        page.get_by_role("link", name=text(language, "Activate your enterprise login")).click()
        page.wait_for_url("**/account/activate/")
        assert page.locator("h1").inner_text() == text(language, "Activate your enterprise login")
        assert serious_violations(page) == [], page.url

        page.get_by_label(text(language, "Unified social credit code")).fill(enterprise.uscc)
        code_box = page.get_by_label(text(language, "Activation code"))
        code_box.fill("2345-6789-ABCD-EFGH")
        page.get_by_label(text(language, "User name")).fill(f"liaison-{index}")
        page.get_by_label(text(language, "E-mail address")).fill(f"liaison-{index}@example.cn")
        page.locator("#id_password1").fill(PASSWORD)
        page.get_by_label(text(language, "Password again")).fill(PASSWORD)
        page.get_by_role("button", name=text(language, "Activate")).click()
        page.wait_for_load_state()
        expect(code_box).to_have_attribute("aria-invalid", "true")
        assert page.get_by_label(text(language, "User name")).input_value() == f"liaison-{index}"
        assert page.locator("#id_password1").input_value() == ""
        assert serious_violations(page) == [], page.url

        code_box.fill(code)
        page.locator("#id_password1").fill(PASSWORD)
        page.get_by_label(text(language, "Password again")).fill(PASSWORD)
        page.get_by_role("button", name=text(language, "Activate")).click()
        page.wait_for_url("**/account/")
        assert enterprise.name in page.locator(".messages").inner_text()
        assert serious_violations(page) == [], page.url
        context.close()
        assert enterprise.accounts.get().user.username == f"liaison-{index}"
