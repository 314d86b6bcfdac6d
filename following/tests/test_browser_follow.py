"""Following by e-mail in a real browser, in Chinese and in English, axe-clean on every page: a
visitor opens a credit file, follows it by e-mail, reads the confirmation mail, confirms; the
registration authority publishes a penalty; the alert mail names the penalty and the follow; its
unsubscribe link works.

The live server runs in this process, with the test settings' in-memory e-mail backend and the
embedded Celery (eager), so every mail the portal sends lands in `django.core.mail.outbox`.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from credit import services as credit_services
from credit.tests import factories as f
from following.models import Follow
from portal.tests.test_browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [("zh-CN", "zh-hans"), ("en-US", "en")]


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


def test_follow_confirm_hear_of_a_penalty_and_unsubscribe(live_server, browser, settings, eager_celery, today):
    settings.SITE_URL = live_server.url
    agency = f.AgencyFactory()
    for n, (locale, language) in enumerate(LANGUAGES):
        enterprise = f.EnterpriseFactory(name=f"杭州绿源环保科技有限公司{n}", registration_authority=agency)
        address = f"reader{n}@example.cn"
        mail.outbox.clear()
        context, page = open_page(browser, locale)
        page.goto(live_server.url + enterprise.get_absolute_url())
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

        # The confirmation mail, in the visitor's language; nothing else was sent.
        assert [m.to for m in mail.outbox] == [[address]]
        confirm = _link(mail.outbox[0].body, "confirm")
        follow = Follow.objects.get(email=address)
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

        # The registration authority publishes a penalty (through its service, as its admin page does).
        mail.outbox.clear()
        penalty = f.PenaltyFactory.build(enterprise=enterprise, source_agency=agency, publication_ends_on=None,
                                         document_number=f"杭市监罚〔2026〕{100 + n}号")
        credit_services.credit_object_save(obj=penalty, actor=None)
        alerts = [m for m in mail.outbox if m.to == [address]]
        assert len(alerts) == 1
        alert = alerts[0]
        assert penalty.document_number in alert.subject and enterprise.uscc in alert.subject
        assert f"{live_server.url}/enterprises/{enterprise.uscc}/#penalties" in alert.body
        with translation.override(language):
            since = follow.confirmed_at.astimezone().date().isoformat()
            assert gettext("You receive this because you follow %(target)s since %(date)s (%(frequency)s; %(kinds)s).") % {
                "target": f"{enterprise.name} ({enterprise.uscc})", "date": since,
                "frequency": follow.get_frequency_display(), "kinds": gettext("every kind of change")} in alert.body
        assert alert.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

        # The unsubscribe link: a page with a button, which ends the follow.
        unsubscribe = _link(alert.body, "unsubscribe")
        assert alert.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
        page.goto(unsubscribe)
        assert_accessible(page)
        page.locator("main form button[type=submit]").click()
        page.locator("p[role=status]").wait_for()
        assert_accessible(page)
        follow.refresh_from_db()
        assert follow.ended_at is not None
        context.close()
