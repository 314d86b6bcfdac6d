"""Following by e-mail in a real browser, in Chinese and in English, axe-clean on every page: a
visitor opens a credit file, follows it by e-mail, reads the confirmation mail, confirms; staff
of the registration authority sign in and publish a penalty through the admin's add form; the
alert mail names the penalty and the follow; its unsubscribe link works.

The live server runs in this process with the embedded Celery (eager) and Django's console
e-mail backend: every mail the portal sends is written to sys.stdout, which the test captures
(capsys) and parses back into messages, reading the links and the alert from that text.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from credit.models import AdministrativePenalty
from credit.tests import factories as f
from following.models import Follow
from portal.testing.personas import grant_staff_permissions
from portal.tests.test_browser import serious_violations
from portal.tests.test_browser_bureau_journey import assert_admin_accessible, sign_in
from portal.tests.test_browser_flows import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [("zh-CN", "zh-hans"), ("en-US", "en")]
CONSOLE = "django.core.mail.backends.console.EmailBackend"


def text(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def open_page(browser, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    return context, context.new_page()


def assert_accessible(page) -> None:
    assert serious_violations(page) == [], page.url


def _link(body: str, kind: str) -> str:
    found = re.search(rf"https?://\S+/follow/{kind}/[\w-]+/", body)
    assert found, body
    return found.group(0)


def console_mails(capsys) -> list[email.message.EmailMessage]:
    """The mails the console backend wrote since the last call (each followed by a line of 79 dashes)."""
    written = capsys.readouterr().out
    chunks = [chunk.strip("\n") for chunk in written.split("\n" + "-" * 79 + "\n")]
    return [message for message in (email.message_from_bytes(chunk.encode(), policy=email.policy.default)
                                    for chunk in chunks if chunk.strip()) if message["To"]]


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_follow_confirm_hear_of_a_penalty_and_unsubscribe(live_server, browser, settings, eager_celery, today,
                                                          capsys):
    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = CONSOLE
    base = live_server.url
    agency = f.AgencyFactory()
    staff_user = grant_staff_permissions(f.StaffFactory(agency=agency, user__username="bureau-staff").user)
    staff_user.set_password(PASSWORD)
    staff_user.save()
    for n, (locale, language) in enumerate(LANGUAGES):
        enterprise = f.EnterpriseFactory(name=f"杭州绿源环保科技有限公司{n}", registration_authority=agency)
        address = f"reader{n}@example.cn"
        console_mails(capsys)  # forget what was written before
        context, page = open_page(browser, locale)
        page.goto(base + enterprise.get_absolute_url())
        page.get_by_role("link", name=text(language, "Follow this enterprise by e-mail")).click()
        page.wait_for_url(f"**/follow/enterprises/{enterprise.uscc}/")
        assert page.locator("h1").inner_text() == text(language, "Follow by e-mail")
        assert_accessible(page)
        page.get_by_label(text(language, "E-mail address")).fill(address)
        page.get_by_label(str(text(language, "a daily digest"))).check()
        page.get_by_label(str(text(language, "at once, one e-mail per change"))).check()
        page.get_by_role("button", name=text(language, "Send the confirmation link")).click()
        assert page.locator("h1").inner_text() == text(language, "Check your e-mail")
        assert_accessible(page)

        # The confirmation mail, written by the console backend, in the visitor's language;
        # nothing else was sent.
        mails = console_mails(capsys)
        assert [m["To"] for m in mails] == [address]
        confirm = _link(body_of(mails[0]), "confirm")
        assert enterprise.uscc in mails[0]["Subject"]
        follow = Follow.objects.get(email=address)
        assert mails[0]["List-Unsubscribe"].strip() == f"<{base}/follow/unsubscribe/{follow.token}/>"
        assert follow.language == language and follow.confirmed_at is None
        page.goto(confirm)
        assert_accessible(page)
        follow.refresh_from_db()
        assert follow.confirmed_at is None  # opening the link confirms nothing
        page.get_by_role("button", name=text(language, "Confirm and start following")).click()
        page.locator("p[role=status]").wait_for()
        assert_accessible(page)
        follow.refresh_from_db()
        assert follow.confirmed_at is not None

        # Staff of the registration authority sign in and publish a penalty with the admin's add form.
        staff, admin_page = open_page(browser, locale)
        sign_in(admin_page, base, staff_user)
        admin_page.goto(base + "/admin/credit/administrativepenalty/add/")
        assert_admin_accessible(admin_page)
        admin_page.locator(".select2-selection").first.click()
        admin_page.locator(".select2-search__field").fill(enterprise.uscc)
        admin_page.locator(".select2-results__option", has_text=enterprise.uscc).click()
        admin_page.locator("#id_source_agency").select_option(str(agency.pk))
        number = f"杭市监罚〔2026〕{100 + n}号"
        admin_page.locator("#id_document_number").fill(number)
        admin_page.locator("#id_decided_on").fill((today - dt.timedelta(days=1)).isoformat())
        admin_page.locator("#id_violation_type").fill("虚假宣传")
        admin_page.locator("#id_content").fill("罚款人民币一万元")
        admin_page.locator("#id_fine_amount").fill("10000")
        admin_page.locator("#id_severity").select_option("general")
        admin_page.locator("input[name=_save]").click()
        admin_page.wait_for_url("**/admin/credit/administrativepenalty/")
        assert_admin_accessible(admin_page)
        penalty = AdministrativePenalty.objects.get(document_number=number)
        assert penalty.enterprise == enterprise and penalty.published_at is not None
        staff.close()

        alerts = [m for m in console_mails(capsys) if m["To"] == address]
        assert len(alerts) == 1
        alert = alerts[0]
        body = body_of(alert)
        assert number in alert["Subject"] and enterprise.uscc in alert["Subject"]
        assert f"{base}/enterprises/{enterprise.uscc}/#penalties" in body and number in body
        with translation.override(language):
            since = follow.confirmed_at.astimezone().date().isoformat()
            assert gettext("You receive this because you follow %(target)s since %(date)s (%(frequency)s; %(kinds)s).") % {
                "target": f"{enterprise.name} ({enterprise.uscc})", "date": since,
                "frequency": follow.get_frequency_display(), "kinds": gettext("every kind of change")} in body
        assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

        # The unsubscribe link: a page with a button, which ends the follow.
        unsubscribe = _link(body, "unsubscribe")
        assert alert["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
        page.goto(unsubscribe)
        assert_accessible(page)
        page.locator("main form button[type=submit]").click()
        page.locator("p[role=status]").wait_for()
        assert_accessible(page)
        follow.refresh_from_db()
        assert follow.ended_at is not None
        context.close()
