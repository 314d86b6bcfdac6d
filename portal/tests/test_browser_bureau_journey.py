"""Issue 8's journey in a real browser: staff of a district bureau list a firm, decide an
objection and run a double-random plan from creation to published results through the
workbench and the admin; a member of the public (another browser context, not signed in, whose
pages are served whole from the page cache) sees each step. Every page is axe-checked (no
serious or critical violation).

The `browser` fixture lives in portal/tests/conftest.py (Debian's chromium, skipped when
missing unless CI_BROWSER=1).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from credit.tests import factories as f
from inspections.tests.factories import InspectionItemFactory, InspectorFactory
from listings.tests.factories import make_entry
from portal.tests.test_browser import serious_violations
from portal.tests.test_browser_flows import (  # noqa: F401 (_standard_lists: an autouse fixture)
    LANGUAGES,
    PASSWORD,
    _standard_lists,
    assert_accessible,
    assert_reflows_on_a_phone,
    open_page,
    text,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Django's own admin markup, not the portal's: the filter_horizontal search help (a span with
# an aria-label and no role) and the breadcrumb links told apart by colour only.
def django_admin_markup(violation: str) -> bool:
    if violation.startswith("aria-prohibited-attr (serious): "):
        targets = violation.split(": ", 1)[1].split("], [")
        return all(".help-tooltip" in target or "'span[aria-label=" in target for target in targets)
    return violation.startswith("link-in-text-block (serious): [['.breadcrumbs > a")


def assert_admin_accessible(page) -> None:
    found = [v for v in serious_violations(page) if not django_admin_markup(v)]
    assert found == [], page.url


def sign_in(page, base: str, user) -> None:
    page.goto(base + "/account/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/(account|staff)/$"))


def admin_action(page, base: str, plan_number: str, action: str) -> None:
    """Run an admin action on one plan from the plan changelist, as staff do."""
    page.goto(base + "/admin/inspections/plan/")
    row = page.locator("#result_list tbody tr", has_text=plan_number)
    row.locator("input.action-select").check()
    page.locator("select[name=action]").select_option(action)
    page.locator("button[name=index]").click()
    page.wait_for_url("**/admin/inspections/plan/")


@pytest.mark.parametrize(("locale", "language"), LANGUAGES)
def test_a_district_bureau_lists_decides_and_publishes_and_the_public_sees_it(
        live_server, browser, today, now, clock, locale, language):
    from playwright.sync_api import expect

    from credit.models import AgencyKind, AgencyLevel
    from inspections.models import Plan, PlanState
    from listings import services as listing_services
    from listings.models import ListEntry, Objection
    from portal.celery import app
    from portal.testing.personas import grant_staff_permissions

    base = live_server.url
    bureau = f.AgencyFactory(code="MR-110105", name="北京市朝阳区市场监督管理局",
                             name_en="Chaoyang District Administration for Market Regulation",
                             level=AgencyLevel.COUNTY, region_code="110105", kind=AgencyKind.MARKET_REGULATION)
    # The firm to list, and one already listed whose objection waits for the bureau.
    firm = f.EnterpriseFactory(name="朝阳星河测绘有限公司", name_en="Chaoyang Xinghe Surveying Co., Ltd.",
                               registration_authority=bureau, region_code="110105", risk_class="D")
    objector = f.EnterpriseFactory(name="朝阳鑫源商贸有限公司", name_en="Chaoyang Xinyuan Trading Co., Ltd.",
                                   registration_authority=bureau, region_code="110105", risk_class="D")
    objected = make_entry(enterprise=objector, deciding_agency=bureau, listed_on=today - dt.timedelta(days=3))
    objection = listing_services.objection_submit(entry=objected, grounds="我司在登记住所正常经营，可以联系。",
                                                  submitted_on=today - dt.timedelta(days=1))
    # The plan's pool: firms of every risk class in the district, and the bureau's inspectors.
    for index in range(6):
        f.EnterpriseFactory(registration_authority=bureau, region_code="110105", risk_class="ABCD"[index % 4])
    item = InspectionItemFactory(code="ITEM-CY-01", name="企业公示信息情况检查",
                                 name_en="Check of publicly disclosed information")
    for _ in range(12):
        InspectorFactory(agency=bureau, items=[item])
    user = grant_staff_permissions(f.StaffFactory(agency=bureau, user__username="chaoyang").user)
    user.set_password(PASSWORD)
    user.save()

    public, visitor = open_page(browser, locale)
    # The visitor's browser keeps nothing itself: public pages say max-age=60, and with the clock
    # shifted the server's Date lies ahead of chromium's own, so its copy would look fresh. Every
    # step below shows what the server's page cache, invalidated by each publication, answers.
    cdp = public.new_cdp_session(visitor)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    staff, page = open_page(browser, locale)

    # The public pages before anything happens: now stored whole in the page cache.
    visitor.goto(base + "/lists/abnormal-operations/")
    expect(visitor.locator("main")).not_to_contain_text(firm.uscc)
    visitor.goto(base + f"/enterprises/{firm.uscc}/")
    assert visitor.locator(".file-notices").count() == 0
    visitor.goto(base + objected.get_absolute_url())
    expect(visitor.locator("#objection-pending")).to_be_visible()
    assert_accessible(visitor)

    # 1. The staff home and its queue.
    sign_in(page, base, user)
    page.goto(base + "/staff/")
    assert page.locator("h1").inner_text() == text(language, "Staff home")
    queue = page.locator("tbody tr", has_text=objector.uscc)
    expect(queue).to_have_count(1)
    assert_accessible(page)
    assert_reflows_on_a_phone(page)

    # 2. List the firm through the picker.
    page.goto(base + "/lists/staff/abnormal-operations/add/")
    assert page.locator("h1").inner_text() == text(language, "Add an entry")
    assert_accessible(page)
    page.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("星河")
    option = page.locator(".select2-results__option", has_text=f"{firm.name} ({firm.uscc})")
    option.click()
    page.locator("#id_reason_code").select_option("unreachable")
    page.locator("#id_decision_number").fill("京朝市监异〔2026〕8号")
    page.locator("#id_decided_on").fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name=text(language, "Publish the entry")).click()
    page.wait_for_url(re.compile(r".*/lists/abnormal-operations/\d+/$"))
    entry = ListEntry.objects.get(enterprise=firm)
    assert entry.deciding_agency == bureau
    assert_accessible(page)

    visitor.goto(base + "/lists/abnormal-operations/")
    expect(visitor.locator("main tbody tr", has_text=firm.uscc)).to_have_count(1)
    assert_accessible(visitor)
    visitor.goto(base + entry.get_absolute_url())
    firm_name = firm.name_en if language == "en" else firm.name
    assert visitor.locator("h1").inner_text() == firm_name
    expect(visitor.locator("main")).to_contain_text("京朝市监异〔2026〕8号")
    assert_accessible(visitor)
    visitor.goto(base + f"/enterprises/{firm.uscc}/")
    notice = visitor.locator(".file-notices .file-notice").first
    expect(notice).to_be_visible()
    assert notice.locator("a").get_attribute("href") == entry.get_absolute_url()
    assert_accessible(visitor)

    # 3. Decide the objection from the queue: accept it for verification, then reject it.
    page.goto(base + "/staff/")
    page.locator("tbody tr", has_text=objector.uscc).locator("a").first.click()
    page.wait_for_url(f"**/lists/staff/objections/{objection.pk}/")
    assert page.locator("h1").inner_text() == text(language, "Objection")
    assert_accessible(page)
    page.get_by_label(text(language, "Accept for verification")).check()
    page.get_by_label(text(language, "Reasons")).fill("受理，核查住所。")
    with page.expect_navigation():
        page.get_by_role("button", name=text(language, "Record the decision")).click()
    objection.refresh_from_db()
    assert objection.state == Objection.State.ACCEPTED
    page.goto(base + f"/lists/staff/objections/{objection.pk}/")
    page.get_by_label(text(language, "Reject")).check()
    page.get_by_label(text(language, "Reasons")).fill("经核查，登记住所无法联系。")
    with page.expect_navigation():
        page.get_by_role("button", name=text(language, "Record the decision")).click()
    objection.refresh_from_db()
    assert objection.state == Objection.State.REJECTED, objection.state
    assert_accessible(page)

    visitor.goto(base + objected.get_absolute_url())
    expect(visitor.locator("#objection-pending")).to_have_count(0)
    assert_accessible(visitor)

    # 4. A plan from creation to published results.
    number = "SJ-CY-2026-01"
    page.goto(base + "/admin/inspections/plan/add/")
    assert_admin_accessible(page)
    page.locator("#id_number").fill(number)
    page.locator("#id_name").fill("朝阳区企业公示信息双随机抽查")
    page.locator("#id_name_en").fill("Chaoyang spot check of disclosed information")
    page.locator("#id_year").fill(str(today.year))
    page.locator("#id_batch").fill("1")
    page.locator("#id_items_from").select_option(label=f"{item.code} {item.name_en if language == 'en' else item.name}")
    page.locator("#id_items_add").click()
    for name in ("ratio_a", "ratio_b", "ratio_c", "ratio_d"):
        page.locator(f"#id_{name}").fill("100")
    page.locator("#id_team_size").fill("2")
    page.locator("#id_workload_cap").fill("10")
    page.locator("#id_entropy_source").fill("中国福利彩票3D开奖号码")
    available = timezone.localtime(now + dt.timedelta(minutes=30)).replace(second=0, microsecond=0)
    page.locator("#id_entropy_available_at_0").fill(available.date().isoformat())
    page.locator("#id_entropy_available_at_1").fill(available.strftime("%H:%M:%S"))
    page.locator("#id_reveal_policy").select_option("immediate")
    page.locator("#id_checks_end_on").fill((today + dt.timedelta(days=30)).isoformat())
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/inspections/plan/")
    plan = Plan.objects.get(number=number)
    assert plan.agency == bureau and plan.state == PlanState.DRAFT

    admin_action(page, base, number, "commit_plans")
    plan.refresh_from_db()
    assert plan.state == PlanState.COMMITTED, page.locator(".messagelist").inner_text()
    visitor.goto(base + plan.get_absolute_url())
    expect(visitor.locator("#commitment")).to_be_visible()
    assert_accessible(visitor)

    clock.move_to(available + dt.timedelta(minutes=1))
    page.goto(base + f"/admin/inspections/plan/{plan.pk}/change/")
    page.locator("#id_public_entropy").fill("3 1 4")
    page.locator("input[name=_save]").click()
    page.wait_for_url("**/admin/inspections/plan/")
    plan.refresh_from_db()
    assert plan.public_entropy == "3 1 4"

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    try:
        admin_action(page, base, number, "run_draws")
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved
    plan.refresh_from_db()
    assert plan.state == PlanState.DRAWN and plan.is_revealed, plan.draw_error
    tasks = list(plan.tasks.order_by("number"))
    assert len(tasks) >= 2 and all(task.is_assigned for task in tasks)

    page.goto(base + f"/inspections/staff/plans/{number}/results/")
    assert_accessible(page)
    done_on = timezone.localdate().isoformat()
    for task in tasks:
        row = page.locator(f"#task-{task.pk}")
        row.locator("select[name$='-result']").select_option("no_problem")
        row.locator("input[name$='-completed_on']").fill(done_on)
    # The first firm alone, then all.
    page.locator(f"#task-{tasks[0].pk} input[name$='-selected']").check()
    with page.expect_navigation():
        page.get_by_role("button", name=text(language, "Save and publish the selected rows")).click()
    expect(page.locator(".messages")).to_contain_text(text(language, "Results published: %(count)d.") % {"count": 1})
    assert_accessible(page)

    visitor.goto(base + plan.get_absolute_url())
    total = len(tasks)
    expect(visitor.locator("main")).to_contain_text(
        text(language, "%(published)s of %(total)s published") % {"published": 1, "total": total})
    assert_accessible(visitor)

    with page.expect_navigation():
        page.get_by_role("button", name=text(language, "Save and publish all recorded results")).click()
    expect(page.locator(".messages")).to_contain_text(
        text(language, "Results published: %(count)d.") % {"count": len(tasks) - 1})
    plan.refresh_from_db()
    assert plan.state == PlanState.PUBLISHED

    visitor.goto(base + plan.get_absolute_url())
    expect(visitor.locator("main")).to_contain_text(text(language, "All %(total)s published") % {"total": total})
    expect(visitor.locator("#tasks ~ .table-wrap tbody tr")).to_have_count(total)
    assert_accessible(visitor)
    assert_reflows_on_a_phone(visitor)

    drawn = tasks[-1].enterprise
    visitor.goto(base + f"/enterprises/{drawn.uscc}/")
    results = visitor.locator("#double-random tbody tr", has_text=number)
    expect(results).to_have_count(1)
    expect(results).to_contain_text(tasks[-1].number)
    assert_accessible(visitor)
    public.close()
    staff.close()
