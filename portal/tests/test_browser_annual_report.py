"""Filing an annual report in a real browser, in Chinese and in English, with an axe-core check
(no serious or critical violation) on every page: activate the liaison's login with the code of
an activation letter, sign out and in again, file with one financial item withheld,
preview, submit, find the report on its public page with the item marked as not disclosed, then
correct it and find both versions.

The journey is a list of steps, each taking the page and the journey's state, so that a step
(account activation) can be put in front of `sign_in` without touching the others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import translation
from django.utils.translation import gettext

from conftest import BEIJING
from credit.models import AnnualReport
from credit.tests import factories as f
from portal.testing.activation import issue_activation_code
from portal.tests.test_browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [("zh-CN", "zh-hans"), ("en-US", "en")]
PASSWORD = "correct horse battery staple"


def text(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


@dataclass
class Journey:
    base: str
    language: str
    username: str
    uscc: str
    year: int
    code: str = ""  # the activation letter's code


def assert_accessible(page) -> None:
    assert serious_violations(page) == [], page.url


def activate(page, j: Journey) -> None:
    page.goto(j.base + "/account/activate/")
    assert_accessible(page)
    page.get_by_label(text(j.language, "Unified social credit code")).fill(j.uscc)
    page.get_by_label(text(j.language, "Activation code")).fill(j.code)
    page.get_by_label(text(j.language, "User name")).fill(j.username)
    page.get_by_label(text(j.language, "E-mail address")).fill(f"{j.username}@example.cn")
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label(text(j.language, "Password again")).fill(PASSWORD)
    page.get_by_role("button", name=text(j.language, "Activate")).click()
    page.wait_for_url("**/account/")
    assert_accessible(page)


def sign_out(page, j: Journey) -> None:
    page.locator("form[action='/account/logout/'] button").click()
    page.wait_for_url(j.base + "/")


def sign_in(page, j: Journey) -> None:
    page.goto(j.base + "/account/login/")
    page.locator("#id_username").fill(j.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/account/")
    assert_accessible(page)


def file_with_a_withheld_item(page, j: Journey) -> None:
    page.get_by_role("link", name=text(j.language, "File the report for %(year)s") % {"year": j.year}).click()
    page.wait_for_url(f"**/account/annual-reports/{j.year}/")
    assert_accessible(page)
    page.locator("#id_postcode").fill("100080")
    page.locator("#id_phone").fill("010-62345678")
    page.locator("#id_email").fill("office@example.cn")
    page.locator("#id_shareholders-0-shareholder").fill("张三")
    page.locator("#id_shareholders-0-subscribed_amount").fill("100")
    page.locator("#id_shareholders-0-subscribed_on").fill("2015-03-01")
    page.locator("#id_shareholders-0-subscribed_form").select_option("money")
    page.locator("#id_shareholders-0-paid_amount").fill("60")
    page.locator("#id_headcount").fill("40")
    page.locator("#id_total_assets").fill("8765.4321")
    page.locator("input[name=withheld][value=total_assets]").check()
    page.locator("#id_total_revenue").fill("800")


def preview(page, j: Journey) -> None:
    page.get_by_role("button", name=text(j.language, "Preview")).click()
    preview = page.locator(".preview")
    assert text(j.language, "Preview of the public report") in preview.inner_text()
    assert text(j.language, "Not disclosed by the enterprise") in preview.inner_text()
    assert "8765.4321" not in preview.inner_text()
    assert_accessible(page)


def submit(page, j: Journey) -> None:
    page.get_by_role("button", name=text(j.language, "Submit and publish")).click()
    page.wait_for_url(f"**/enterprises/{j.uscc}/annual-reports/{j.year}/")


def find_it_public_with_the_item_not_disclosed(page, j: Journey) -> None:
    page.goto(j.base + f"/enterprises/{j.uscc}/annual-reports/{j.year}/")
    versions = page.locator("section.report-version")
    assert versions.count() == 1
    body = versions.first.inner_text()
    assert text(j.language, "Not disclosed by the enterprise") in body and "8765.4321" not in body
    assert "010-62345678" in body
    assert_accessible(page)


def correct(page, j: Journey) -> None:
    page.goto(j.base + f"/account/annual-reports/{j.year}/")
    assert page.locator("#id_phone").input_value() == "010-62345678"  # pre-filled from the report
    page.locator("#id_phone").fill("13812345678")
    page.get_by_role("button", name=text(j.language, "Submit the correction")).click()
    page.wait_for_url(f"**/enterprises/{j.uscc}/annual-reports/{j.year}/")


def find_both_versions(page, j: Journey) -> None:
    page.goto(j.base + f"/enterprises/{j.uscc}/annual-reports/{j.year}/")
    versions = page.locator("section.report-version")
    assert versions.count() == 2
    assert "13812345678" in versions.nth(0).inner_text() and "010-62345678" in versions.nth(1).inner_text()
    assert text(j.language, "Original report") in versions.nth(1).inner_text()
    assert_accessible(page)


STEPS = [activate, sign_out, sign_in, file_with_a_withheld_item, preview, submit, find_it_public_with_the_item_not_disclosed, correct,
         find_both_versions]


def test_a_liaison_files_a_report_and_corrects_it(live_server, browser, clock, today):
    # In March of the filing year the report for this year is open, and a correction too.
    clock.move_to(dt.datetime(today.year + 1, 3, 2, 10, 0, tzinfo=BEIJING))
    for locale, language in LANGUAGES:
        enterprise = f.EnterpriseFactory(name=f"北京鑫源科技有限公司{language}")
        journey = Journey(live_server.url, language, f"liaison-{language}", enterprise.uscc, today.year,
                          code=issue_activation_code(enterprise))
        context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        for step in STEPS:
            step(page, journey)
        context.close()
        assert enterprise.accounts.get().user.username == journey.username
        reports = AnnualReport.objects.filter(enterprise=enterprise).order_by("version")
        assert [(r.version, r.withheld) for r in reports] == [(1, ["total_assets"]), (2, ["total_assets"])]
