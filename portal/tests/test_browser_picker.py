"""The enterprise picker (credit.widgets.EnterprisePicker) in a real browser: on the staff page
outside the admin, under the site's CSP (script-src 'self'), searching by name and by a
full-width code prefix, in Chinese and in English."""

from __future__ import annotations

import datetime as dt

import pytest

from credit.tests import factories as f
from listings.models import ListEntry
from listings.tests.factories import standard_agency
from portal.testing.personas import grant_staff_permissions
from portal.tests.test_browser import serious_violations
from portal.tests.test_browser_flows import _standard_lists  # noqa: F401 (an autouse fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) for ch in text)


@pytest.mark.parametrize(("locale", "how"), [("zh-CN", "name"), ("en-US", "code")])
def test_staff_pick_an_enterprise_by_name_or_code_and_list_it(live_server, browser, today, locale, how):
    firm = f.EnterpriseFactory(name="星河测绘有限公司", name_en="Xinghe Surveying Co., Ltd.")
    user = grant_staff_permissions(f.StaffFactory(agency=standard_agency("SAMR")).user)
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    blocked = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.goto(live_server.url + "/admin/login/?next=/lists/staff/abnormal-operations/add/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/lists/staff/abnormal-operations/add/")

    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("星河" if how == "name" else full_width(firm.uscc[:10]))
    option = page.locator(".select2-results__option", has_text=f"星河测绘有限公司 ({firm.uscc})")
    option.wait_for()
    option.click()
    assert page.locator(".select2-selection__rendered").first.inner_text().strip().lstrip("×").strip() == \
        f"星河测绘有限公司 ({firm.uscc})"
    assert serious_violations(page) == []

    page.locator("#id_reason_code").select_option("unreachable")
    page.locator("#id_decision_number").fill("京市监异〔2026〕1号")
    page.locator("#id_decided_on").fill((today - dt.timedelta(days=6)).isoformat())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/lists/abnormal-operations/*/")
    context.close()
    assert ListEntry.objects.filter(enterprise=firm).count() == 1
    assert blocked == []
