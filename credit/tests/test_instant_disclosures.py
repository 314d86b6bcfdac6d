"""Instant disclosures (credit/disclosures.py, /account/disclosures/): the 20-working-day deadline
on the official calendar (holiday shifts, make-up working days, a year not yet published), the
late mark, versions, validation, the owner-only pages and their query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from chinese_calendar import constants as calendar_constants
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from credit import disclosures
from credit.models import InstantDisclosure, disclosure_deadline, disclosure_late
from credit.tests import factories as f
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

Kind = InstantDisclosure.Kind
# The last year chinesecalendar knows; the one after it has no published calendar here.
LAST_KNOWN_YEAR = max(day.year for day in calendar_constants.holidays)

CAPITAL = {"shareholder": "张三", "subscribed_amount": "100", "paid_amount": "50", "contributed_on": "",
           "form": "money"}


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def liaison_client(enterprise=None):
    account = f.EnterpriseAccountFactory(enterprise=enterprise or f.EnterpriseFactory())
    client = english()
    client.force_login(account.user)
    return account, client


def capital(fact: dt.date) -> dict:
    return {**CAPITAL, "contributed_on": fact.isoformat()}


def beijing(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


# --- the deadline rule (pure: fixed past dates, so the clock shift does not matter) --------------


def mon_to_fri(start: dt.date, days: int) -> dt.date:
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += day.weekday() < 5
    return day


@pytest.mark.parametrize(("fact", "due"), [
    # Spring Festival 2024: 10-17 February off, Sunday 4 and Sunday 18 February make-up working days.
    (dt.date(2024, 2, 1), dt.date(2024, 3, 5)),
    # National Day 2025: 1-8 October off, Sunday 28 September and Saturday 11 October worked.
    (dt.date(2025, 9, 26), dt.date(2025, 10, 30)),
    # An ordinary month: 20 weekdays.
    (dt.date(2025, 3, 3), dt.date(2025, 3, 31)),
])
def test_the_deadline_counts_20_working_days_on_the_official_calendar(fact, due):
    deadline = disclosure_deadline(fact)
    assert deadline.date == due and not deadline.provisional


def test_the_holiday_shift_moves_the_deadline_past_a_weekday_count():
    fact = dt.date(2025, 9, 26)
    assert mon_to_fri(fact, 20) == dt.date(2025, 10, 24)
    assert disclosure_deadline(fact).date == dt.date(2025, 10, 30)


def test_a_deadline_in_a_year_without_a_published_calendar_is_provisional():
    fact = dt.date(LAST_KNOWN_YEAR, 12, 20)
    deadline = disclosure_deadline(fact)
    assert deadline.provisional and deadline.date.year == LAST_KNOWN_YEAR + 1
    assert deadline.date == mon_to_fri(fact, 20) or deadline.date > fact  # counted Monday to Friday there
    inside = disclosure_deadline(dt.date(LAST_KNOWN_YEAR, 3, 2))
    assert not inside.provisional


def test_late_is_judged_on_the_local_day_of_first_publication():
    fact = dt.date(2024, 2, 1)  # due 5 March 2024
    assert not disclosure_late(fact_date=fact, published_at=beijing(dt.date(2024, 3, 5), 23))
    assert disclosure_late(fact_date=fact, published_at=beijing(dt.date(2024, 3, 6), 0))
    # 5 March 23:30 UTC is already 6 March in Beijing.
    assert disclosure_late(fact_date=fact, published_at=dt.datetime(2024, 3, 5, 23, 30, tzinfo=dt.UTC))


# --- publishing, correcting --------------------------------------------------------------


def test_publishing_writes_the_disclosure_and_one_publication(today):
    enterprise = f.EnterpriseFactory()
    version_before = enterprise.file_version
    fact = today - dt.timedelta(days=3)
    disclosure = disclosures.instant_disclosure_publish(
        enterprise=enterprise, kind=Kind.CAPITAL, fact_date=fact, summary=" 股东张三实缴出资50万元 ",
        details=capital(fact),
    )
    assert disclosure.version == 1 and disclosure.original is None and not disclosure.late
    assert disclosure.details == {"shareholder": "张三", "subscribed_amount": "100", "paid_amount": "50",
                                  "contributed_on": fact.isoformat(), "form": "money"}
    assert disclosure.summary == "股东张三实缴出资50万元"
    event = AuditEvent.objects.get(action="credit.instant_disclosure.published")
    assert event.payload["late"] is False
    enterprise.refresh_from_db()
    assert enterprise.file_version == version_before + 1


def test_a_disclosure_after_its_deadline_is_late(today):
    fact = today - dt.timedelta(days=60)
    disclosure = disclosures.instant_disclosure_publish(
        enterprise=f.EnterpriseFactory(), kind=Kind.CAPITAL, fact_date=fact, summary="迟报", details=capital(fact),
    )
    assert disclosure.late and disclosure.deadline.date < today


def test_a_correction_is_a_new_version_and_keeps_the_lateness_of_the_first(clock, today):
    fact = today - dt.timedelta(days=2)
    first = disclosures.instant_disclosure_publish(
        enterprise=f.EnterpriseFactory(), kind=Kind.CAPITAL, fact_date=fact, summary="第一版", details=capital(fact),
    )
    clock.shift(dt.timedelta(days=90))  # long after the deadline: a correction is not a late disclosure
    second = disclosures.instant_disclosure_correct(
        disclosure=first, fact_date=fact, summary="更正版", details={**capital(fact), "paid_amount": "100"},
    )
    third = disclosures.instant_disclosure_correct(  # from an older version: still the next number
        disclosure=first, fact_date=fact, summary="再更正", details=capital(fact),
    )
    assert (second.version, third.version) == (2, 3) and second.original_id == third.original_id == first.pk
    assert not second.late and not third.late
    assert InstantDisclosure.objects.filter(enterprise=first.enterprise).count() == 3
    assert AuditEvent.objects.filter(action="credit.instant_disclosure.corrected").count() == 2


# --- validation: the field and the rule -----------------------------------------------------


def refusal(kind, details, *, fact_date=None, today=None, summary="内容"):
    today = today or timezone.localdate()
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            disclosures.instant_disclosure_check(kind=kind, fact_date=fact_date or today, summary=summary,
                                                 details=details, today=today)
        return {name: [str(message) for message in messages] for name, messages in caught.value.message_dict.items()}


def test_validation_names_the_field_and_the_rule(today):
    assert refusal(Kind.CAPITAL, {**capital(today), "paid_amount": "150"}) == {
        "paid_amount": ["Paid-in capital (10,000 yuan): cannot be more than Subscribed capital (10,000 yuan)."]
    }
    assert refusal(Kind.CAPITAL, {**capital(today), "subscribed_amount": "-1", "form": "gold"}) == {
        "subscribed_amount": ["Subscribed capital (10,000 yuan): cannot be negative."],
        "form": ["Form of contribution: choose one of the listed options."],
    }
    assert refusal(Kind.CAPITAL, {**capital(today), "paid_amount": "lots"})["paid_amount"] == [
        "Paid-in capital (10,000 yuan): enter a number."]
    assert refusal(Kind.CAPITAL, {**capital(today), "shareholder": " "})["shareholder"] == [
        "Shareholder: this field is required."]
    transfer = {"shareholder": "李四", "ratio_before": "120", "ratio_after": "10", "changed_on": "2025-02-30"}
    assert refusal(Kind.EQUITY_TRANSFER, transfer) == {
        "ratio_before": ["Share before the transfer (%): a share is at most 100%."],
        "changed_on": ["Date of the change: enter a real date as YYYY-MM-DD."],
    }
    licence = {"number": "L-1", "name": "食品经营许可证", "valid_from": "2025-05-01", "valid_to": "2025-04-30",
               "authority": "某市市场监督管理局", "content": "预包装食品销售"}
    assert refusal(Kind.LICENCE, licence) == {"valid_to": ["Valid until: cannot be before Valid from."]}
    penalty = {"decision_number": "罚-1", "penalty_type": "罚款", "content": "罚款一万元", "authority": "某局",
               "decided_on": (today + dt.timedelta(days=1)).isoformat()}
    assert refusal(Kind.PENALTY, penalty) == {"decided_on": ["Decision date: the date cannot be in the future."]}
    assert refusal(Kind.PENALTY, {**penalty, "decided_on": today.isoformat()},
                   fact_date=today + dt.timedelta(days=1), summary="") == {
        "fact_date": ["Date of the fact: the date cannot be in the future."],
        "summary": ["Content: describe the fact disclosed."],
    }


def test_a_licence_or_pledge_may_run_until_a_future_day(today):
    pledge = {"registration_number": "质押-1", "name": "某商标", "ip_kind": "trademark", "pledgor": "甲公司",
              "pledgee": "乙银行", "period_from": today.isoformat(),
              "period_to": (today + dt.timedelta(days=365)).isoformat()}
    cleaned = disclosures.instant_disclosure_check(kind=Kind.IP_PLEDGE, fact_date=today, summary="质押登记",
                                                   details=pledge, today=today)
    assert cleaned["period_to"] == (today + dt.timedelta(days=365)).isoformat()


# --- the pages ---------------------------------------------------------------------------


def form_data(fact: dt.date, **changes) -> dict:
    return {"fact_date": fact.isoformat(), "summary": "股东张三实缴出资50万元", **capital(fact), **changes}


def test_an_enterprise_files_a_disclosure_from_its_area(today):
    account, client = liaison_client()
    fact = today - dt.timedelta(days=1)
    response = client.post("/account/disclosures/new/capital/", form_data(fact), follow=True)
    assert response.redirect_chain[-1][0] == "/account/disclosures/"
    body = response.content.decode()
    assert "Published in your credit file" in body and "On time" in body
    disclosure = InstantDisclosure.objects.get(enterprise=account.enterprise)
    assert disclosure.details["paid_amount"] == "50"
    cache.clear()
    public = english().get(account.enterprise.get_absolute_url()).content.decode()
    assert "股东张三实缴出资50万元" in public and "On time" in public and "Paid-in capital (10,000 yuan)" in public


def test_a_refused_form_keeps_what_was_typed_and_names_the_rule(today):
    account, client = liaison_client()
    fact = today - dt.timedelta(days=1)
    response = client.post("/account/disclosures/new/capital/", form_data(fact, paid_amount="900",
                                                                          shareholder="王五股东"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Paid-in capital (10,000 yuan): cannot be more than Subscribed capital (10,000 yuan)." in body
    assert 'value="王五股东"' in body and 'value="900"' in body
    assert not InstantDisclosure.objects.exists()
    future = client.post("/account/disclosures/new/capital/", form_data(today + dt.timedelta(days=2)))
    assert "Date of the fact: the date cannot be in the future." in future.content.decode()
    bad_date = client.post("/account/disclosures/new/capital/", form_data(fact, fact_date="2026-13-01"))
    assert "Date of the fact: enter a real date as YYYY-MM-DD" in bad_date.content.decode()


def test_late_marks_and_versions_are_public(today):
    account, client = liaison_client()
    late_fact = today - dt.timedelta(days=90)
    first = disclosures.instant_disclosure_publish(
        enterprise=account.enterprise, kind=Kind.CAPITAL, fact_date=late_fact, summary="迟到的披露",
        details=capital(late_fact),
    )
    response = client.post(f"/account/disclosures/{first.pk}/correct/",
                           form_data(late_fact, summary="更正后的披露", paid_amount="80"), follow=True)
    assert "published as version 2" in response.content.decode()
    listing = client.get("/account/disclosures/").content.decode()
    assert "更正后的披露" in listing and "Late" in listing and "version 2, corrected on" in listing
    home = client.get("/account/").content.decode()
    assert "更正后的披露" not in home  # the panel names kinds and dates, the list has the text
    assert "Late" in home and 'href="/account/disclosures/"' in home
    cache.clear()
    public = english().get(account.enterprise.get_absolute_url()).content.decode()
    assert "迟到的披露" in public and "更正后的披露" in public  # both versions public
    assert "Correction 1 of" in public and "(current)" in public and "Original (superseded)" in public
    assert public.count('class="badge badge-late"') == 2


def test_the_correction_form_starts_from_the_version_in_force(today):
    account, client = liaison_client()
    fact = today - dt.timedelta(days=5)
    first = disclosures.instant_disclosure_publish(enterprise=account.enterprise, kind=Kind.CAPITAL, fact_date=fact,
                                                   summary="第一版", details=capital(fact))
    disclosures.instant_disclosure_correct(disclosure=first, fact_date=fact, summary="第二版",
                                           details={**capital(fact), "shareholder": "赵六"})
    body = client.get(f"/account/disclosures/{first.pk}/correct/").content.decode()
    assert "第二版" in body and 'value="赵六"' in body


def test_a_provisional_deadline_is_shown_as_provisional(clock):
    # The last days of the last published year: 20 working days reach into the unpublished one.
    clock.move_to(beijing(dt.date(LAST_KNOWN_YEAR, 12, 21)))
    account, client = liaison_client()
    fact = dt.date(LAST_KNOWN_YEAR, 12, 18)
    client.post("/account/disclosures/new/capital/", form_data(fact))
    disclosure = InstantDisclosure.objects.get(enterprise=account.enterprise)
    assert disclosure.deadline.provisional
    body = client.get("/account/disclosures/").content.decode()
    assert "provisional: the official calendar for that year is not yet published" in body
    cache.clear()
    public = english().get(account.enterprise.get_absolute_url()).content.decode()
    assert "provisional: the official calendar for that year is not yet published" in public


def test_another_enterprise_cannot_correct_a_disclosure(today):
    _, client = liaison_client()
    other = f.InstantDisclosureFactory()
    assert client.get(f"/account/disclosures/{other.pk}/correct/").status_code == 404
    assert client.post(f"/account/disclosures/{other.pk}/correct/", form_data(today)).status_code == 404
    assert InstantDisclosure.objects.count() == 1


@pytest.mark.parametrize("count", [1, 30])
def test_the_disclosure_list_costs_the_same_queries_for_1_and_30(count, django_assert_num_queries, today):
    account, client = liaison_client()
    for index in range(count):
        first = f.InstantDisclosureFactory(enterprise=account.enterprise, summary=f"披露-{index}-")
        if index % 3 == 0:
            f.InstantDisclosureFactory(enterprise=account.enterprise, original=first, version=2,
                                       summary=f"更正-{index}-", published_at=first.published_at + dt.timedelta(days=3))
    # 1 session, 2 user, 3 the enterprise login + enterprise, 4 count, 5 the page of first versions,
    # 6 their corrections
    with django_assert_num_queries(6):
        response = client.get("/account/disclosures/")
    body = response.content.decode()
    assert body.count('/correct/"') == count  # one "correct" link per disclosure, on its version in force
    assert body.count("更正-") == len(range(0, count, 3))


def test_a_published_disclosure_shows_in_the_cached_file_at_once(today):
    account, client = liaison_client()
    public = english()
    url = account.enterprise.get_absolute_url()
    assert "首次披露内容" not in public.get(url).content.decode()  # now cached for anonymous visitors
    fact = today - dt.timedelta(days=1)
    client.post("/account/disclosures/new/capital/", form_data(fact, summary="首次披露内容"))
    assert "首次披露内容" in public.get(url).content.decode()  # the file's version moved on
    first = InstantDisclosure.objects.get(enterprise=account.enterprise)
    client.post(f"/account/disclosures/{first.pk}/correct/", form_data(fact, summary="更正披露内容"))
    body = public.get(url).content.decode()
    assert "首次披露内容" in body and "更正披露内容" in body


def test_the_pages_speak_chinese(today):
    account, _ = liaison_client()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(account.user)
    fact = today - dt.timedelta(days=60)
    disclosures.instant_disclosure_publish(enterprise=account.enterprise, kind=Kind.CAPITAL, fact_date=fact,
                                           summary="迟报", details=capital(fact))
    body = client.get("/account/disclosures/").content.decode()
    assert "逾期公示" in body and "实缴出资额（万元）" in body and "已公示的即时信息" in body
    form = client.post("/account/disclosures/new/capital/", form_data(fact, paid_amount="-5")).content.decode()
    assert "实缴出资额（万元）：不能为负数。" in form
