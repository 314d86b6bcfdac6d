"""The lists, the inspection plans and the enterprise area in a real browser, in Chinese and
in English, with an axe-core check (no serious or critical violation) on every page.

The `browser` fixture lives in portal/tests/conftest.py (Debian's chromium, skipped when
missing unless CI_BROWSER=1).
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.utils import translation
from django.utils.translation import gettext

from credit.tests import factories as f
from inspections import services as inspection_services
from inspections.tests.factories import InspectionItemFactory, InspectorFactory, PlanFactory, entropy_due
from listings.tests.factories import MeasureFactory, MemorandumFactory, make_entry, standard_list
from portal.tests.test_browser import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = [("zh-CN", "zh-hans"), ("en-US", "en")]
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _standard_lists(transactional_db):
    """The standard lists, their reasons and agencies come from data migrations, and an earlier
    transactional test flushes them (serialized_rollback found no serialized copy once other
    tests had run first), so they are put back with the same idempotent migration code."""
    from django.apps import apps

    for module, function in (("0002_standard_lists", "create_lists"),
                             ("0004_abnormal_removal_five_working_days", "fix_text")):
        getattr(importlib.import_module(f"listings.migrations.{module}"), function)(apps, None)


def text(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def open_page(browser, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    return context, context.new_page()


def assert_accessible(page) -> None:
    assert serious_violations(page) == [], page.url


def assert_reflows_on_a_phone(page) -> None:
    """WCAG 1.4.10: at 320 CSS pixels wide only a table may scroll sideways, inside its box."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(size)
    assert width <= 320, page.url


def test_it_filters_a_list_and_opens_an_entry(live_server, browser, today):
    beijing = f.EnterpriseFactory(name="北京鑫源科技有限公司", name_en="Beijing Xinyuan Technology Co., Ltd.",
                                  region_code="110108")
    shanghai = f.EnterpriseFactory(name="上海某某贸易有限公司", region_code="310101")
    entry = make_entry(enterprise=beijing, listed_on=today - dt.timedelta(days=3))
    make_entry(enterprise=shanghai, listed_on=today - dt.timedelta(days=3))
    memorandum = MemorandumFactory(lists=[standard_list("abnormal-operations")])
    MeasureFactory(memorandum=memorandum)

    for locale, language in LANGUAGES:
        context, page = open_page(browser, locale)
        page.goto(live_server.url + "/lists/")
        assert page.locator("h1").inner_text() == text(language, "Lists")
        assert_accessible(page)
        assert_reflows_on_a_phone(page)

        page.locator("main table a[href='/lists/abnormal-operations/']").click()
        page.wait_for_url("**/lists/abnormal-operations/")
        assert page.locator("#entries + form + p + .table-wrap tbody tr").count() == 2
        assert page.locator("#memoranda .measures tbody tr").count() == 1
        assert_accessible(page)

        page.get_by_label(text(language, "Region code")).fill("110000")
        page.get_by_label(text(language, "Status")).select_option("active")
        page.locator("form.filters button[type=submit]").click()
        page.wait_for_url("**/lists/abnormal-operations/?*region=110000*")
        rows = page.locator("#entries + form + p + .table-wrap tbody tr")
        assert rows.count() == 1 and beijing.uscc in rows.inner_text()
        assert_reflows_on_a_phone(page)
        # The form keeps what was entered.
        assert page.get_by_label(text(language, "Region code")).input_value() == "110000"
        assert_accessible(page)

        rows.locator("a").click()
        page.wait_for_url(f"**/lists/abnormal-operations/{entry.pk}/")
        heading = beijing.name_en if language == "en" else beijing.name
        assert page.locator("h1").inner_text() == heading
        assert page.locator("#repair").is_visible()
        assert page.locator("#consequences ~ .table-wrap .measures tbody tr").count() == 1
        assert_accessible(page)
        assert_reflows_on_a_phone(page)
        context.close()


def test_it_opens_a_revealed_plan_and_downloads_a_published_file(live_server, browser):
    from portal.celery import app

    # The draw runs in-process, as in the inspections tests, whatever broker is configured.
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        agency = f.AgencyFactory(code="AG-A", name="北京市市场监督管理局",
                                 name_en="Beijing Administration for Market Regulation")
        item = InspectionItemFactory(code="ITEM-BASE")
        for index in range(12):
            f.EnterpriseFactory(risk_class="ABCD"[index % 4], registration_authority=agency)
        for _ in range(4):
            InspectorFactory(agency=agency, items=[item])
        user = f.StaffFactory(agency=agency).user
        plan = PlanFactory(agency=agency, items=[item])
        plan = inspection_services.plan_commit(plan=plan, actor=user)
        entropy_due(plan)
        inspection_services.plan_entropy_enter(plan=plan, actor=user, public_entropy="11 22 33")
        inspection_services.plan_draw_request(plan=plan, actor=user)
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
    plan.refresh_from_db()
    assert plan.is_revealed

    for locale, language in LANGUAGES:
        context, page = open_page(browser, locale)
        page.goto(live_server.url + "/inspections/")
        assert page.locator("h1").inner_text() == text(language, "Double random inspections")
        assert_accessible(page)
        assert_reflows_on_a_phone(page)

        page.locator(f"#plans + .table-wrap a[href='{plan.get_absolute_url()}']").click()
        page.wait_for_url(f"**{plan.get_absolute_url()}")
        assert page.locator("#reveal").is_visible()
        assert page.locator("#tasks + .table-wrap tbody tr").count() == plan.tasks.count() > 0
        assert_accessible(page)
        assert_reflows_on_a_phone(page)

        link = page.get_by_role("link", name="pool.csv", exact=True)
        with page.expect_download() as caught:
            link.click()
        assert caught.value.suggested_filename == "pool.csv"
        response = context.request.get(live_server.url + link.get_attribute("href"))
        assert response.status == 200
        assert response.headers["content-disposition"] == 'attachment; filename="pool.csv"'
        assert response.body().startswith(b"uscc,")
        context.close()


def test_it_signs_an_enterprise_in_and_takes_its_objection(live_server, browser, today):
    from playwright.sync_api import expect

    for locale, language in LANGUAGES:
        # An enterprise per language: once objected to, an entry offers no second objection.
        enterprise = f.EnterpriseFactory(name=f"北京鑫源科技有限公司{language}")
        entry = make_entry(enterprise=enterprise, listed_on=today - dt.timedelta(days=2))
        user = f.EnterpriseAccountFactory(enterprise=enterprise, user__username=f"liaison-{language}").user
        user.set_password(PASSWORD)
        user.save()

        context, page = open_page(browser, locale)
        page.goto(live_server.url + "/account/login/")
        assert page.locator("h1").inner_text() == text(language, "Sign in")
        assert_accessible(page)
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url("**/account/")
        entries = page.locator("#list-entries tbody tr")
        assert entries.count() == 1 and entry.decision_number in entries.inner_text()
        assert_accessible(page)
        assert_reflows_on_a_phone(page)

        entries.get_by_role("link", name=text(language, "Object to this entry")).click()
        page.wait_for_url(f"**/lists/abnormal-operations/{entry.pk}/object/")
        assert page.locator("h1").inner_text() == text(language, "Object to an entry")
        assert_accessible(page)

        submit = page.get_by_role("button", name=text(language, "Submit the objection"))
        submit.click()
        grounds = page.get_by_label(text(language, "Grounds of the objection"))
        # The error is tied to the field, so a screen reader names the field with it.
        expect(grounds).to_have_attribute("aria-invalid", "true")
        error = page.locator("#" + grounds.get_attribute("aria-describedby").split()[0])
        assert error.inner_text() == text(
            language, "Grounds of the objection: write why the entry is wrong; it cannot be empty.")
        assert_accessible(page)

        grounds.fill("我司已在登记住所正常经营，可以联系。")
        submit.click()
        page.wait_for_url(f"**/lists/abnormal-operations/{entry.pk}/")
        assert page.locator(".messages").inner_text() == text(language, "Your objection was received.")
        assert_accessible(page)
        context.close()
        assert entry.objections.get().grounds == "我司已在登记住所正常经营，可以联系。"


def test_it_makes_the_skip_link_the_first_tab_stop(live_server, browser):
    for locale, language in LANGUAGES:
        context, page = open_page(browser, locale)
        page.goto(live_server.url + "/lists/")
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.outerHTML")
        assert 'class="skip-link"' in focused
        assert page.evaluate("document.activeElement.textContent") == text(language, "Skip to main content")
        # Focused, it must be on screen, not parked off it.
        box = page.locator(".skip-link").bounding_box()
        assert box is not None and box["y"] >= 0 and box["x"] >= 0
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        context.close()


def test_a_district_bureau_works_its_objection_queue_and_disclosure_orders(live_server, browser, today):
    """Staff of a district bureau (the registration authority) see their queues with deadlines, and a
    date outside 1900-2100 on the disclosure form is an error tied to its field, the input kept."""
    from playwright.sync_api import expect

    from credit.models import AgencyKind, AgencyLevel
    from inspections.models import DisclosureOrder
    from listings import services as listing_services
    from portal.testing.personas import grant_staff_permissions

    bureau = f.AgencyFactory(code="MR-110105", name="北京市朝阳区市场监督管理局", level=AgencyLevel.COUNTY,
                             region_code="110105", kind=AgencyKind.MARKET_REGULATION)
    for locale, language in LANGUAGES:
        enterprise = f.EnterpriseFactory(registration_authority=bureau, region_code="110105")
        entry = make_entry(enterprise=enterprise, deciding_agency=bureau, listed_on=today - dt.timedelta(days=3))
        listing_services.objection_submit(entry=entry, grounds="地址可以联系", submitted_on=today - dt.timedelta(days=1))
        order = DisclosureOrder.objects.create(enterprise=enterprise, agency=bureau, number=f"责令-{language}",
                                               ordered_on=today - dt.timedelta(days=20),
                                               due_on=today - dt.timedelta(days=6))
        user = grant_staff_permissions(f.StaffFactory(agency=bureau, user__username=f"chaoyang-{language}").user)
        user.set_password(PASSWORD)
        user.save()

        context, page = open_page(browser, locale)
        page.goto(live_server.url + "/account/login/")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()

        page.goto(live_server.url + "/lists/staff/objections/")
        assert page.locator("h1").inner_text() == text(language, "Objections to decide")
        assert page.locator("tbody tr", has_text=enterprise.name).count() == 1
        assert_accessible(page)
        assert_reflows_on_a_phone(page)

        page.goto(live_server.url + "/inspections/staff/disclosure-orders/")
        assert page.locator("h1").inner_text() == text(language, "Open orders to disclose")
        row = page.locator(f"#order-{order.pk}")
        assert order.number in row.inner_text()
        assert row.locator("strong.overdue").count() == 1
        assert_accessible(page)
        assert_reflows_on_a_phone(page)
        row.get_by_role("link", name=text(language, "Record the disclosure")).click()
        page.wait_for_url(f"**/inspections/staff/disclosure-orders/{order.pk}/cure/")
        cured_on = page.get_by_label(text(language, "Disclosed on"))
        cured_on.fill("2101-01-01")
        page.get_by_role("button", name=text(language, "Record")).click()
        expect(cured_on).to_have_attribute("aria-invalid", "true")
        assert cured_on.input_value() == "2101-01-01"
        assert_accessible(page)
        cured_on.fill(today.isoformat())
        page.get_by_role("button", name=text(language, "Record")).click()
        page.wait_for_url("**/inspections/staff/disclosure-orders/")
        assert page.locator(f"#order-{order.pk}").count() == 0
        context.close()
        order.refresh_from_db()
        assert order.cured_on == today
