"""Annual reports filed by the enterprise: the variants, the validation, the filing flow at
/account/annual-reports/<year>/ (draft, preview, submission, correction, the 30 June refusal,
two tabs) and the public page /enterprises/<USCC>/annual-reports/<year>/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation

from conftest import BEIJING
from credit import annual_reports as rules
from credit import services
from credit.models import AnnualReport, AnnualReportDraft, EntityType
from credit.tests import factories as f
from portal.models import AuditEvent
from portal.pagecache import STATUS_HEADER
from portal.workdays import deadline_status

pytestmark = pytest.mark.django_db


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def liaison(**enterprise):
    account = f.EnterpriseAccountFactory(enterprise=f.EnterpriseFactory(**enterprise))
    client = english()
    client.force_login(account.user)
    return account.enterprise, client


def in_window(clock, today) -> int:
    """Move the clock into the filing window of this year's report (March next year)."""
    clock.move_to(dt.datetime(today.year + 1, 3, 2, 10, 0, tzinfo=BEIJING))
    return today.year


def valid_data(**changes) -> dict:
    data = {
        "address": "北京市海淀区中关村大街1号", "postcode": "100080", "phone": "010-62345678",
        "email": "office@example.cn", "operating_status": "operating",
        "investments": [{"name": "北京某某科技有限公司", "uscc": f.make_uscc(901)}],
        "shareholders": [{"shareholder": "张三", "subscribed_amount": "100", "subscribed_on": "2015-03-01",
                          "subscribed_form": "money", "paid_amount": "60", "paid_on": "2016-03-01",
                          "paid_form": "money"}],
        "equity_transfers": [],
        "websites": [{"kind": "website", "name": "官网", "url": "https://www.example.cn/"}],
        "headcount": "40", "female_employees": "18", "disabled_employees": "1", "total_assets": "1250.5",
        "total_liabilities": "300", "owners_equity": "950.5", "total_revenue": "800", "main_revenue": "700",
        "total_profit": "-20", "net_profit": "-25", "total_tax": "12", "guarantees": [],
    }
    data.update(changes)
    return data


def post_data(data: dict | None = None, *, action: str, revision: int = 0, withheld=(), private=False) -> dict:
    raw = rules.raw_from_data(valid_data() if data is None else data, withheld, private)
    return {**{k: v if len(v) > 1 else v[0] for k, v in raw.items()}, "action": action, "revision": revision}


def revision(enterprise, year) -> int:
    draft = AnnualReportDraft.objects.filter(enterprise=enterprise, year=year).first()
    return draft.revision if draft else 0


def url(year) -> str:
    return f"/account/annual-reports/{year}/"


def form_errors(data: dict, entity_type=EntityType.LLC, withheld=(), private=False) -> list[str]:
    """The form's messages in English (whatever language an earlier test's request left active)."""
    with translation.override("en"):
        form = rules.ReportForm(rules.raw_as_querydict(rules.raw_from_data(data, withheld, private)),
                                variant=rules.variant_for(entity_type))
        assert not form.is_valid()
        errors = [str(e) for errs in form.errors.values() for e in errs]
        for formset in form.formsets.values():
            errors += [str(e) for e in formset.non_form_errors()]
            errors += [str(e) for row in formset.errors for errs in row.values() for e in errs]
    return errors


# --- the whole flow -----------------------------------------------------------------------------


def test_it_files_a_report_from_draft_to_correction(clock, today):
    year = in_window(clock, today)
    enterprise, client = liaison(domicile="北京市朝阳区建国路88号")
    page = client.get(url(year))
    assert page.status_code == 200
    assert "北京市朝阳区建国路88号" in page.content.decode()  # pre-filled from the registration data

    # A draft is saved as typed, however wrong, and survives signing out.
    bad = post_data(valid_data(postcode="12"), action="save")
    assert client.post(url(year), bad).status_code == 302
    client.logout()
    client.force_login(enterprise.accounts.get().user)
    assert 'value="12"' in client.get(url(year)).content.decode()

    # A failed submission keeps the input and names the field and the rule.
    failed = client.post(url(year), {**bad, "action": "submit", "revision": revision(enterprise, year)})
    assert failed.status_code == 422
    body = failed.content.decode()
    assert "Postcode: a postcode has exactly 6 digits." in body and 'value="12"' in body
    assert not AnnualReport.objects.exists()

    # The preview is the public page, the withheld item marked; nothing is published yet.
    good = post_data(action="preview", withheld=["total_assets"], revision=revision(enterprise, year))
    preview = client.post(url(year), good)
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "Preview of the public report" in body and "Not disclosed by the enterprise" in body
    assert "1250.5" not in body.split("Preview of the public report")[1].split("<form")[0]
    assert not AnnualReport.objects.exists()

    events = AuditEvent.objects.count()
    submitted = client.post(url(year), {**good, "action": "submit", "revision": revision(enterprise, year)})
    assert submitted.status_code == 302
    assert submitted["Location"] == f"/enterprises/{enterprise.uscc}/annual-reports/{year}/"
    report = AnnualReport.objects.get()
    assert (report.version, report.withheld, report.data["postcode"]) == (1, ["total_assets"], "100080")
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.latest("id").action == "credit.annual_report.submitted"
    assert not AnnualReportDraft.objects.exists()

    # A correction before 30 June is a new version; both stay public.
    correcting = client.get(url(year)).content.decode()
    assert "Submitting creates a correction" in correcting and "010-62345678" in correcting
    changed = post_data(valid_data(phone="13812345678"), action="submit", withheld=["total_assets"])
    assert client.post(url(year), changed).status_code == 302
    assert list(AnnualReport.objects.order_by("version").values_list("version", flat=True)) == [1, 2]
    public = english().get(f"/enterprises/{enterprise.uscc}/annual-reports/{year}/").content.decode()
    assert "Original report" in public and "Correction 1" in public and "latest" in public
    assert "13812345678" in public and "010-62345678" in public

    # After 30 June of the filing year a correction is refused, naming the rule.
    clock.move_to(dt.datetime(year + 1, 7, 1, 9, 0, tzinfo=BEIJING))
    client.force_login(enterprise.accounts.get().user)  # the session of March has expired
    assert "Reg. Art. 12" in client.get(url(year)).content.decode()
    refused = client.post(url(year), post_data(action="submit"))
    assert refused.status_code == 409 and "Reg. Art. 12" in refused.content.decode()
    assert AnnualReport.objects.count() == 2


def test_it_files_several_overdue_years_oldest_first_and_marks_late_filing(clock, today):
    enterprise, client = liaison()
    listing = client.get("/account/annual-reports/").content.decode()
    years = [today.year - 3, today.year - 2, today.year - 1]
    positions = [listing.index(f"The report for {y} is overdue since") for y in years]
    assert positions == sorted(positions)
    for year in years:
        assert client.post(url(year), post_data(action="submit")).status_code == 302
    assert sorted(AnnualReport.objects.values_list("year", flat=True)) == years
    public = english().get(f"/enterprises/{enterprise.uscc}/annual-reports/{years[0]}/").content.decode()
    assert "Filed after the deadline of 30 June." in public
    assert "No report is due now." in client.get("/account/annual-reports/").content.decode()


def test_it_answers_404_for_a_year_that_cannot_be_filed(today):
    _enterprise, client = liaison()
    assert client.get(url(today.year)).status_code == 404  # the year is not over
    assert client.get(url(today.year - 10)).status_code == 404  # beyond the years the portal takes


# --- the variants ----------------------------------------------------------------------------------


def test_an_individual_business_may_keep_the_whole_report_private(clock, today):
    year = in_window(clock, today)
    enterprise, client = liaison(entity_type=EntityType.INDIVIDUAL_BUSINESS)
    page = client.get(url(year)).content.decode()
    assert "Keep the whole report private" in page
    assert "subscribed and paid capital" not in page  # not an item of this variant
    data = {k: v for k, v in valid_data().items() if k in rules.variant_for(EntityType.INDIVIDUAL_BUSINESS).item_keys}
    assert client.post(url(year), post_data(data, action="submit", private=True)).status_code == 302
    report = AnnualReport.objects.get()
    assert report.report_public is False
    public = english().get(f"/enterprises/{enterprise.uscc}/annual-reports/{year}/").content.decode()
    assert "chose not to publish its contents" in public and "Filed on" in public
    assert "010-62345678" not in public


def test_a_cooperative_must_publish_its_report(clock, today):
    year = in_window(clock, today)
    _enterprise, client = liaison(entity_type=EntityType.FARMER_COOPERATIVE)
    assert "Keep the whole report private" not in client.get(url(year)).content.decode()
    refused = client.post(url(year), post_data(action="submit", private=True))
    assert refused.status_code == 422
    assert "must publish its annual report (Measures on cooperative annual reports, Art. 7)" in (
        refused.content.decode().replace("&#x27;", "'"))
    assert not AnnualReport.objects.exists()
    assert AnnualReportDraft.objects.get().data["keep_private"] == ["on"]  # the input is kept


def test_a_company_cannot_withhold_mandatory_items_and_reports_its_shareholders():
    assert "Mailing address: must be public; the enterprise cannot withhold it (Reg. Art. 9)." in form_errors(
        valid_data(), withheld=["address"])
    assert "Shareholders' subscribed and paid capital: at least one row is required (Reg. Art. 9)." in form_errors(
        valid_data(shareholders=[]))
    assert "Keep the report private: an enterprise publishes its annual report; only an individual business may " \
           "keep it private (Reg. Art. 9)." in form_errors(valid_data(), private=True)
    for key in ("address", "postcode", "phone", "operating_status"):
        label = rules.ITEM_BY_KEY[key].label
        assert f"{label}: required: this item must be reported (Reg. Art. 9)." in form_errors(valid_data(**{key: None}))
    assert {item.key for item in rules.variant_for(EntityType.LLC).items if item.optional} == {
        "headcount", "female_employees", "disabled_employees", "total_assets", "total_liabilities", "owners_equity",
        "total_revenue", "main_revenue", "total_profit", "net_profit", "total_tax", "guarantees"}


# --- validation: every message names the field and the rule -----------------------------------------


def shareholder(**changes):
    return [{**valid_data()["shareholders"][0], **changes}]


@pytest.mark.parametrize(("changes", "message"), [
    ({"total_assets": "-1"}, "Total assets (10,000): cannot be negative."),
    ({"total_tax": "abc"}, "Total tax (10,000): enter an amount in 10,000 yuan, e.g. 1250.5."),
    ({"headcount": "-3"}, "Employees: cannot be negative."),
    ({"female_employees": "41"}, "Female employees: may not be more than the employees (40)."),
    ({"disabled_employees": "41"}, "Persons with disabilities employed: may not be more than the employees (40)."),
    ({"main_revenue": "900"}, "Main business revenue (10,000): may not be more than the total revenue (800)."),
    ({"shareholders": shareholder(paid_amount="120")},
     "Paid in (10,000): may not be more than the subscribed capital (100)."),
    ({"email": "office@"}, "E-mail: enter an e-mail address such as name@example.cn."),
    ({"phone": "12345"}, "Phone: enter a mainland phone number: a landline with its area code (010-12345678) or an "
                         "11-digit mobile number starting with 1 (13812345678)."),
    ({"postcode": "1000800"}, "Postcode: at most 6 characters."),
    ({"address": "路" * 301}, "Mailing address: at most 300 characters."),
    ({"postcode": "10008A"}, "Postcode: a postcode has exactly 6 digits."),
    ({"websites": [{"kind": "shop", "name": "网店", "url": "www.example.cn"}]},
     "Web address: enter a web address starting with http:// or https://, such as https://www.example.cn/."),
    ({"investments": [{"name": "某公司", "uscc": "91110000600037341X"}]},
     "Unified social credit code of the invested enterprise: The check character (the 18th) does not match"),
    ({"equity_transfers": [{"shareholder": "李四", "ratio_before": "30", "ratio_after": "130",
                            "changed_on": "2025-05-01"}]}, "Share after (%): enter a percentage from 0 to 100."),
    ({"equity_transfers": [{"shareholder": "李四", "ratio_before": "30", "ratio_after": "10",
                            "changed_on": "2025-02-30"}]}, "Date of the change: enter a real date as YYYY-MM-DD"),
])
def test_it_names_the_field_and_the_rule(changes, message):
    errors = form_errors(valid_data(**changes))
    assert any(e.startswith(message) for e in errors), errors


def test_it_accepts_a_loss_and_normalises_a_phone_with_spaces():
    form = rules.ReportForm(rules.raw_as_querydict(rules.raw_from_data(valid_data(phone="010 6234 5678"))),
                            variant=rules.variant_for(EntityType.LLC))
    assert form.is_valid(), form.errors
    data, _withheld, _private = form.report_data()
    assert (data["net_profit"], data["phone"]) == ("-25", "01062345678")


def test_it_shows_the_error_on_the_field_in_the_page(clock, today):
    year = in_window(clock, today)
    _enterprise, client = liaison()
    opened = client.get(url(year)).content.decode()  # bound to the pre-filled values, not yet checked
    assert "aria-invalid" not in opened and "field-error" not in opened
    body = client.post(url(year), post_data(valid_data(main_revenue="900"), action="submit")).content.decode()
    field = body.split('id="id_main_revenue"')[1].split("</div>\n")[0]
    assert "may not be more than the total revenue" in field
    assert 'aria-invalid="true" aria-describedby="id_main_revenue_error"' in body
    assert '<div id="id_main_revenue_error">' in body


# --- two tabs ------------------------------------------------------------------------------------------


def test_a_stale_tab_is_told_what_the_other_changed_and_keeps_its_input(clock, today):
    year = in_window(clock, today)
    enterprise, client = liaison()
    assert 'name="revision" value="0"' in client.get(url(year)).content.decode()  # both tabs open at 0
    assert client.post(url(year), post_data(valid_data(phone="13900000000"), action="save")).status_code == 302
    stale = client.post(url(year), post_data(valid_data(email="mine@example.cn"), action="save", revision=0))
    assert stale.status_code == 409
    body = stale.content.decode()
    notice = body.split("Items that differ in the other version:")[1].split("</ul>")[0]
    assert "Phone" in notice and "E-mail" in notice and "Mailing address" not in notice
    assert "mine@example.cn" in body and 'name="revision" value="1"' in body
    assert AnnualReportDraft.objects.get().data["phone"] == ["13900000000"]  # nothing overwritten
    # A submission from the stale tab is refused the same way.
    assert client.post(url(year), post_data(action="submit", revision=0)).status_code == 409
    assert not AnnualReport.objects.exists()
    assert revision(enterprise, year) == 1


def test_two_tabs_opened_before_any_draft_never_publish_over_each_other(clock, today):
    """Both tabs show revision 0 and no published version: the first submission publishes, the
    second is refused and told what differs, instead of becoming a silent correction."""
    year = in_window(clock, today)
    enterprise, client = liaison()
    page = client.get(url(year)).content.decode()
    assert 'name="based_on" value="0"' in page
    first = client.post(url(year), {**post_data(valid_data(phone="13900000000"), action="submit"), "based_on": 0})
    assert first.status_code == 302
    second = client.post(url(year), {**post_data(valid_data(email="mine@example.cn"), action="submit"), "based_on": 0})
    assert second.status_code == 409
    body = second.content.decode()
    notice = body.split("Items that differ in the other version:")[1].split("</ul>")[0]
    assert "Phone" in notice and "E-mail" in notice
    assert "mine@example.cn" in body and 'name="based_on" value="1"' in body  # kept, and now based on version 1
    assert list(AnnualReport.objects.filter(enterprise=enterprise).values_list("version", flat=True)) == [1]
    # Saving a draft from the stale tab is refused the same way; resubmitting from the refreshed page
    # is a deliberate correction.
    stale_save = client.post(url(year), {**post_data(action="save"), "based_on": 0})
    assert stale_save.status_code == 409
    again = client.post(url(year), {**post_data(valid_data(email="mine@example.cn"), action="submit"), "based_on": 1})
    assert again.status_code == 302
    assert AnnualReport.objects.filter(enterprise=enterprise).count() == 2


# --- the public page ------------------------------------------------------------------------------------


def report_page(client, enterprise, year, **headers):
    return client.get(f"/enterprises/{enterprise.uscc}/annual-reports/{year}/", **headers)


def test_the_public_page_marks_withheld_items_in_both_languages(today):
    enterprise = f.EnterpriseFactory()
    year = today.year - 2
    f.AnnualReportFactory(enterprise=enterprise, year=year, withheld=["total_assets", "headcount"])
    english_page = report_page(Client(), enterprise, year, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english_page.count("Not disclosed by the enterprise") == 2
    assert "1250.5" not in english_page and "北京市海淀区中关村大街1号" in english_page
    chinese = report_page(Client(), enterprise, year, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert chinese.count("企业选择不公示") == 2
    assert report_page(Client(), enterprise, year - 1).status_code == 404


def test_the_next_anonymous_request_shows_a_new_version(clock, today):
    year = in_window(clock, today)
    enterprise, liaison_client = liaison()
    services.annual_report_submit(enterprise=enterprise, year=year, raw=rules.raw_from_data(valid_data()), revision=0,
                                  actor=None)
    visitor = english()
    first = report_page(visitor, enterprise, year)
    assert first[STATUS_HEADER] == "miss"
    assert report_page(visitor, enterprise, year)[STATUS_HEADER] == "hit"
    assert "Correction 1" not in first.content.decode()
    services.annual_report_submit(enterprise=enterprise, year=year,
                                  raw=rules.raw_from_data(valid_data(phone="13812345678")), revision=0, actor=None)
    after = report_page(visitor, enterprise, year)
    assert after[STATUS_HEADER] == "miss"
    assert "Correction 1" in after.content.decode() and "13812345678" in after.content.decode()
    assert "Corrected on" in english().get(f"/enterprises/{enterprise.uscc}/").content.decode()


# --- query counts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("versions", [1, 50])
def test_the_report_page_reads_in_constant_queries(versions, today, django_assert_num_queries):
    enterprise = f.EnterpriseFactory()
    year = today.year - 2
    for version in range(1, versions + 1):
        f.AnnualReportFactory(enterprise=enterprise, year=year, version=version)
    # 1 the page's version token (portal.pagecache: the file version and the publication generation, plain SQL)
    # 2 the enterprise 3 the versions
    with django_assert_num_queries(3):
        response = report_page(english(), enterprise, year)
    assert response.content.decode().count('class="file-section report-version"') == versions


@pytest.mark.parametrize("reports", [1, 50])
def test_the_account_page_reads_in_constant_queries(reports, today, django_assert_max_num_queries):
    enterprise, client = liaison()
    for year in range(today.year - 1 - reports, today.year - 1):
        f.AnnualReportFactory(enterprise=enterprise, year=year)
    AnnualReportDraft.objects.create(enterprise=enterprise, year=today.year - 1, data={}, revision=1)
    # The panels' queries of credit/tests/test_account.py, less the prefetches of entries it has none of
    # (10), the credit repair panel's six (its applications and the five repairable kinds), the
    # commitment letters' panel (one) and the liaison's own e-mail follows (one, following.parts).
    with django_assert_max_num_queries(18):
        assert client.get("/account/").status_code == 200
    with django_assert_max_num_queries(6):
        body = client.get("/account/annual-reports/").content.decode()
    assert "Draft in progress" in body


def test_one_enterprise_never_sees_another_ones_draft(clock, today):
    year = in_window(clock, today)
    owner, owner_client = liaison()
    _other, other_client = liaison()
    owner_client.post(url(year), post_data(valid_data(address="甲公司的草稿地址"), action="save"))
    assert AnnualReportDraft.objects.get().enterprise == owner
    page = other_client.get(url(year))
    assert page.status_code == 200 and "甲公司的草稿地址" not in page.content.decode()
    assert 'name="revision" value="0"' in page.content.decode()
    # Its own save starts its own draft; the owner's is untouched.
    assert other_client.post(url(year), post_data(action="save")).status_code == 302
    assert AnnualReportDraft.objects.get(enterprise=owner).data["address"] == ["甲公司的草稿地址"]


def test_the_account_page_shows_the_working_days_left_and_the_link_to_file(clock, today):
    clock.move_to(dt.datetime(today.year + 1, 6, 20, 10, 0, tzinfo=BEIJING))
    _enterprise, client = liaison()
    body = client.get("/account/").content.decode()
    closes = dt.date(today.year + 1, 6, 30)
    left = deadline_status(closes, dt.date(today.year + 1, 6, 20)).days_left
    assert 0 < left < 10  # working days on the official calendar, not the 10 calendar days
    assert f"The report for {today.year} is due by June 30, {today.year + 1}: {left} working days left" in body
    assert f'href="/account/annual-reports/{today.year}/"' in body
