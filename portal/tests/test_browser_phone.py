"""Every public page fits a 320 CSS pixel screen (WCAG 1.4.10: only a table scrolls
sideways, inside its own box), in Chinese and in English, on the richest credit file, and
no page logs an error in the browser console (a missing favicon did).

The `browser` fixture lives in portal/tests/conftest.py (Debian's chromium, skipped when
missing unless CI_BROWSER=1).
"""

from __future__ import annotations

import importlib

import pytest

from credit.tests import factories as f
from listings.tests.factories import MeasureFactory, MemorandumFactory, make_entry, standard_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [("zh-CN", "zh-hans"), ("en-US", "en")]


@pytest.fixture(autouse=True)
def _standard_lists(transactional_db):
    """The standard lists come from data migrations that an earlier transactional test
    flushed; they are put back with the same idempotent migration code."""
    from django.apps import apps

    for module, function in (("0002_standard_lists", "create_lists"),
                             ("0004_abnormal_removal_five_working_days", "fix_text")):
        getattr(importlib.import_module(f"listings.migrations.{module}"), function)(apps, None)


def richest_file():
    """An enterprise with a row in every section, long English names, entries on three
    kinds of list and a barred legal representative."""
    person = f.PersonFactory()
    enterprise = f.EnterpriseFactory(
        name="北京鑫源科技发展集团股份有限公司", legal_representative=person,
        name_en="Beijing Xinyuan Science and Technology Development Group Company Limited",
    )
    holder = f.ShareholderFactory(enterprise=enterprise)
    f.CapitalContributionFactory(shareholder=holder)
    for factory in (f.KeyPersonFactory, f.BranchFactory, f.ChangeRecordFactory, f.ChattelMortgageFactory,
                    f.EquityPledgeFactory, f.LicenceFactory, f.JudicialAssistanceFactory, f.AnnualReportFactory,
                    f.InstantDisclosureFactory, f.CommitmentLetterFactory):
        factory(enterprise=enterprise)
    f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None)
    entry = make_entry(enterprise=enterprise, listed_on=f.ago(months=2))
    make_entry(list_code="serious-illegal", enterprise=enterprise, listed_on=f.ago(months=1))
    make_entry(list_code="a-grade-taxpayers", enterprise=enterprise, listed_on=f.ago(months=3))
    memorandum = MemorandumFactory(lists=[standard_list("abnormal-operations")])
    MeasureFactory(memorandum=memorandum)
    # The legal representative is barred through another of their enterprises.
    make_entry(list_code="serious-illegal", enterprise=f.EnterpriseFactory(legal_representative=person),
               reason_code="false_disclosure", listed_on=f.ago(years=1))
    return enterprise, entry


def test_every_public_page_fits_a_phone_and_logs_no_console_error(live_server, browser):
    enterprise, entry = richest_file()
    paths = [
        "/",
        "/search/?q=%E7%A7%91%E6%8A%80",
        f"/enterprises/{enterprise.uscc}/",
        "/lists/",
        "/lists/abnormal-operations/",
        entry.get_absolute_url(),
        "/inspections/",
        "/account/login/",
    ]
    for locale, _language in LANGUAGES:
        context = browser.new_context(locale=locale, viewport={"width": 320, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda message, errors=errors: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        for path in paths:
            page.goto(live_server.url + path)
            page.wait_for_load_state("load")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, (locale, path, width)
        # The file announces its entries and the bar at the top.
        page.goto(live_server.url + f"/enterprises/{enterprise.uscc}/")
        assert page.locator(".file-notice").count() == 4
        assert errors == [], (locale, errors)
        context.close()
