"""The enterprise's own area at /account/: sign in, sign out, its standing and deadlines."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from credit.models import RegistrationStatus
from credit.selectors import FilingState, annual_report_filing
from credit.tests import factories as f
from inspections.models import DisclosureOrder, SpotCheck, Task
from inspections.tests.factories import PlanFactory
from listings import services as listing_services
from listings.models import ListReason
from listings.tests.factories import make_entry

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def english() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def liaison(enterprise=None, username: str = ""):
    account = f.EnterpriseAccountFactory(enterprise=enterprise or f.EnterpriseFactory())
    if username:
        account.user.username = username
    account.user.set_password(PASSWORD)
    account.user.save()
    return account


def make_task(*, enterprise, plan, published_at: dt.datetime | None = None, result: str = "no_problem") -> Task:
    """A task of `plan`; with `published_at`, its result was recorded and then published then."""
    position = plan.tasks.count() + 1
    return Task.objects.create(
        plan=plan,
        enterprise=enterprise,
        number=f"{plan.number}-{position:04d}",
        position=position,
        uscc=enterprise.uscc,
        risk_class=enterprise.risk_class,
        ticket=f"{position:064x}",
        result=result if published_at else "",
        completed_on=timezone.localdate(published_at) - dt.timedelta(days=3) if published_at else None,
        published_at=published_at,
    )


def fill(enterprise, *, entries: int, tag: str, now: dt.datetime) -> None:
    """List entries (each with an objection), inspection tasks and spot checks, marked with `tag`."""
    today = timezone.localdate(now)
    # One entry per (list, reason): the same reason cannot list an enterprise twice.
    reasons = list(ListReason.objects.exclude(credit_list__colour="red").select_related("credit_list").order_by("id"))
    for i in range(entries):
        reason = reasons[i]
        entry = make_entry(
            list_code=reason.credit_list.code, reason_code=reason.code, enterprise=enterprise,
            listed_on=today - dt.timedelta(days=5 + i), decision_number=f"{tag}-决定-{i}",
        )
        listing_services.objection_submit(entry=entry, grounds="地址可以联系", submitted_on=today)
    revealed = PlanFactory(number=f"SJ-{tag}-R")
    revealed.revealed_at = now
    revealed.save()
    make_task(enterprise=enterprise, plan=revealed)
    make_task(enterprise=enterprise, plan=PlanFactory(number=f"SJ-{tag}-P"), published_at=now)
    SpotCheck.objects.create(
        enterprise=enterprise, agency=f.AgencyFactory(), kind=f"{tag}-定向抽查", checked_on=today - dt.timedelta(days=30),
        result="no_problem", published_at=now,
    )


# --- sign in and out -------------------------------------------------------------------


def test_it_signs_an_enterprise_login_in_and_shows_its_area():
    account = liaison(username="liaison-a")
    client = english()
    response = client.post("/account/login/", {"username": "liaison-a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    body = client.get("/account/").content.decode()
    assert account.enterprise.name in body
    assert account.enterprise.uscc in body


def test_it_explains_a_wrong_password_and_keeps_the_username():
    liaison(username="liaison-a")
    client = english()
    response = client.post("/account/login/", {"username": "liaison-a", "password": "wrong"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "Please enter a correct username and password" in body
    assert 'value="liaison-a"' in body
    assert "_auth_user_id" not in client.session


def test_it_explains_a_wrong_password_in_chinese_too():
    liaison(username="liaison-a")
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/account/login/", {"username": "liaison-a", "password": "wrong"}
    )
    body = response.content.decode()
    assert "请输入一个正确的用户名和密码" in body  # Django's own message, in the page's language
    assert 'value="liaison-a"' in body


def test_it_signs_out_by_post_only():
    client = english()
    client.force_login(liaison().user)
    assert client.get("/account/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/account/logout/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "_auth_user_id" not in client.session
    assert client.get("/account/")["Location"] == "/account/login/?next=/account/"


def test_it_keeps_the_admin_login_for_staff():
    response = english().get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_it_sends_a_visitor_who_wants_to_object_to_the_enterprise_login_and_back(today):
    account = liaison(username="liaison-a")
    entry = make_entry(enterprise=account.enterprise, listed_on=today - dt.timedelta(days=3))
    object_url = f"/lists/{entry.credit_list.code}/{entry.pk}/object/"
    client = english()
    response = client.get(object_url)
    assert response.status_code == 302
    assert response["Location"] == f"/account/login/?next={quote(object_url)}"
    login_page = client.get(response["Location"]).content.decode()
    assert f'name="next" value="{object_url}"' in login_page
    response = client.post("/account/login/", {"username": "liaison-a", "password": PASSWORD, "next": object_url})
    assert response["Location"] == object_url
    assert 'name="grounds"' in client.get(object_url).content.decode()


def test_it_does_not_follow_a_next_address_off_the_site():
    liaison(username="liaison-a")
    response = english().post(
        "/account/login/", {"username": "liaison-a", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/account/"


# --- the header --------------------------------------------------------------------------


def test_it_offers_sign_in_to_visitors_and_sign_out_to_logins():
    client = english()
    body = client.get("/search/?q=x").content.decode()
    assert '<a href="/account/login/?next=/search/%3Fq%3Dx">Sign in</a>' in body
    assert "/account/logout/" not in body
    client.force_login(liaison().user)
    body = client.get("/").content.decode()
    assert '<a href="/account/">My enterprise</a>' in body
    assert '<form class="logout-form" action="/account/logout/" method="post">' in body
    assert ">Sign in<" not in body
    staff = english()
    staff.force_login(f.StaffFactory().user)
    body = staff.get("/").content.decode()
    assert '<a href="/admin/">Agency administration</a>' in body and "/account/logout/" in body


# --- what /account/ shows ------------------------------------------------------------------


def test_it_shows_only_the_enterprise_own_data(now):
    # Tags no random token of the page (CSRF) can contain.
    a, b = liaison(), liaison()
    fill(a.enterprise, entries=2, tag="甲壹", now=now)
    fill(b.enterprise, entries=2, tag="乙贰", now=now)
    for mine, theirs in ((a, "乙贰"), (b, "甲壹")):
        client = english()
        client.force_login(mine.user)
        body = client.get("/account/").content.decode()
        own = "甲壹" if theirs == "乙贰" else "乙贰"
        assert f"{own}-决定-0" in body and f"{own}-决定-1" in body
        assert f"SJ-{own}-R" in body and f"SJ-{own}-P" in body and f"{own}-定向抽查" in body
        assert theirs not in body
        assert (b if mine is a else a).enterprise.uscc not in body


def test_it_shows_status_risk_class_and_a_link_to_the_public_file():
    account = liaison(f.EnterpriseFactory(status=RegistrationStatus.SUSPENDED, risk_class="C"))
    client = english()
    client.force_login(account.user)
    body = client.get("/account/").content.decode()
    assert "Business suspended" in body
    assert "C (relatively high risk)" in body
    assert f'href="/enterprises/{account.enterprise.uscc}/"' in body


def test_it_shows_the_dates_of_an_entry_and_the_way_to_object(today):
    account = liaison()
    entry = make_entry(enterprise=account.enterprise, listed_on=today - dt.timedelta(days=3))
    client = english()
    client.force_login(account.user)
    body = client.get("/account/").content.decode()
    assert f'href="/lists/{entry.credit_list.code}/{entry.pk}/object/"' in body
    assert "Possible until" in body
    assert entry.repair_from.year and f"{entry.repair_from:%Y}" in body
    assert "until removed" in body  # the abnormal operations list has no maximum period
    listing_services.objection_submit(entry=entry, grounds="已补报", submitted_on=today)
    body = client.get("/account/").content.decode()
    assert "/object/" not in body
    objection = entry.objections.get()
    assert "Objection submitted on" in body
    with translation.override("en"):
        due = date_format(objection.acceptance_due)
    assert f"Decision on acceptance due by {due}." in body


def test_it_offers_no_objection_after_the_thirty_days(today):
    account = liaison()
    make_entry(enterprise=account.enterprise, listed_on=today - dt.timedelta(days=40))
    client = english()
    client.force_login(account.user)
    body = client.get("/account/").content.decode()
    assert "/object/" not in body
    assert "Period ended on" in body


def test_it_leaves_out_entries_no_longer_on_a_list():
    account = liaison()
    entry = make_entry(enterprise=account.enterprise, listed_on=dt.date(2025, 9, 1), decision_number="旧决定")
    listing_services.list_entry_remove(entry=entry, removed_on=dt.date(2025, 9, 5), reason="已补报")
    client = english()
    client.force_login(account.user)
    body = client.get("/account/").content.decode()
    assert "旧决定" not in body
    assert "Your enterprise is on no list." in body


def test_it_keeps_the_tasks_of_a_secret_draw_hidden():
    account = liaison()
    hidden = PlanFactory(number="SJ-SECRET")
    make_task(enterprise=account.enterprise, plan=hidden)
    client = english()
    client.force_login(account.user)
    body = client.get("/account/").content.decode()
    assert "SJ-SECRET" not in body


def test_it_shows_a_revealed_task_with_its_result_deadline(now, today):
    from inspections.selectors import result_deadline

    account = liaison()
    plan = PlanFactory(number="SJ-OPEN", checks_end_on=today - dt.timedelta(days=17))
    plan.revealed_at = now
    plan.save()
    make_task(enterprise=account.enterprise, plan=plan)
    client = english()
    client.force_login(account.user)
    body = client.get("/account/").content.decode()
    assert "SJ-OPEN" in body
    with translation.override("en"):
        due = date_format(result_deadline(plan).date)
    assert f"the result is due by {due}" in body


# --- permissions ---------------------------------------------------------------------------


@pytest.fixture
def personas():
    a, b = liaison(), liaison()
    return {
        "anonymous": None,
        "enterprise_a": a.user,
        "enterprise_b": b.user,
        "staff": f.StaffFactory().user,
        "unbound": f.UserFactory(),
        "_names": {"enterprise_a": a.enterprise.name, "enterprise_b": b.enterprise.name},
    }


# persona -> expected status of /account/ (302 = sent to sign in).
ACCOUNT_MATRIX = [
    ("anonymous", 302),
    ("enterprise_a", 200),
    ("enterprise_b", 200),
    ("staff", 403),
    ("unbound", 403),
]


@pytest.mark.parametrize(("persona", "expected"), ACCOUNT_MATRIX)
def test_it_enforces_the_permission_matrix(personas, persona, expected):
    client = english()
    if personas[persona] is not None:
        client.force_login(personas[persona])
    response = client.get("/account/")
    assert response.status_code == expected
    body = response.content.decode()
    names = personas["_names"]
    if expected == 302:
        assert response["Location"] == "/account/login/?next=/account/"
    elif expected == 200:
        assert names[persona] in body
        other = "enterprise_b" if persona == "enterprise_a" else "enterprise_a"
        assert names[other] not in body
        assert response["Cache-Control"].startswith("max-age=0") and "private" in response["Cache-Control"]
    else:
        assert "This login is not bound to an enterprise" in body
        assert all(name not in body for name in names.values())
        assert ('href="/admin/">Go to the agency administration' in body) == (persona == "staff")


@pytest.mark.parametrize("persona", ["anonymous", "enterprise_a", "staff"])
def test_it_serves_the_login_page_to_everyone(personas, persona):
    client = english()
    if personas[persona] is not None:
        client.force_login(personas[persona])
    assert client.get("/account/login/").status_code == 200


# --- query count ---------------------------------------------------------------------------


@pytest.mark.parametrize("entries", [1, 8])
def test_it_renders_the_area_in_constant_queries(entries, django_assert_num_queries, now, today):
    account = liaison()
    fill(account.enterprise, entries=entries, tag="Q", now=now)
    f.AnnualReportFactory(enterprise=account.enterprise, year=today.year - 1)
    # The legal representative barred by another enterprise's listing, and open orders to disclose.
    elsewhere = f.EnterpriseFactory(legal_representative=account.enterprise.legal_representative)
    make_entry(list_code="serious-illegal", enterprise=elsewhere, reason_code="false_disclosure",
               listed_on=today - dt.timedelta(days=30))
    for i in range(entries):
        DisclosureOrder.objects.create(
            enterprise=account.enterprise, agency=f.AgencyFactory(), number=f"Q-责令-{i}", source_label="抽查",
            ordered_on=today - dt.timedelta(days=i), due_on=today + dt.timedelta(days=10 - i),
        )
    client = english()
    client.force_login(account.user)
    # 1 session, 2 user (authentication middleware)
    # 3 the enterprise login + enterprise + registration authority (one join)
    # 4 current list entries + list + reason + deciding authority, and in the same query the
    #   entries that bar the legal representative (the bar panel)   5 their objections
    # 6 their removal applications   7 their lists' memoranda (their measures: one more, when any)
    # 8 public inspection tasks + plan + agency                      9 spot checks + agency
    # 10 open orders to disclose + ordering agency
    # 11 the annual reports of the years the enterprise may still file or correct   12 its drafts
    # 13 the recent instant disclosures with their corrections (credit.selectors.disclosures)
    # 14-19 the credit repair panel (listings.repair.selectors.account_repairs): the enterprise's
    #   repair applications (+ files, prefetched: one more only when any), then its negative records
    #   of each repairable kind: penalties, black-list entries, commitment breaches, inspection
    #   results, spot checks
    # 20 the commitment letters' states (credit.selectors.commitments.account_letter_summary)
    # 21 the signed-in liaison's own e-mail follows + their enterprise and list (following.parts)
    for _i in range(entries):
        f.CommitmentLetterFactory(enterprise=account.enterprise, signed_on=today, valid_until=None)
    with django_assert_num_queries(21):
        response = client.get("/account/")
    assert response.status_code == 200
    body = response.content.decode()
    assert f"In force: {entries} · fulfilled: 0" in body
    # Each entry once in the list entries panel (the credit repair panel names them again).
    entries_panel = body[body.index('<section id="list-entries"'):body.index("</section>", body.index('<section id="list-entries"'))]
    assert entries_panel.count("Q-决定-") == entries
    assert body.count("Q-责令-") == entries and 'id="legal-representative-bar"' in body


# --- the annual report reminder ---------------------------------------------------------------


FILED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize(
    ("established_on", "today", "filed_at", "state", "report_year", "closes_on", "days_left"),
    [
        # Set up this year: the first report (for this year) is filed next year.
        (dt.date(2026, 2, 1), dt.date(2026, 11, 26), None, FilingState.FIRST_NEXT_YEAR, 2026, dt.date(2027, 6, 30), 0),
        # Set up last year: the first report (for last year) is due this half-year.
        (dt.date(2025, 12, 31), dt.date(2026, 1, 1), None, FilingState.DUE, 2025, dt.date(2026, 6, 30), 180),
        (dt.date(2015, 3, 12), dt.date(2026, 6, 30), None, FilingState.DUE, 2025, dt.date(2026, 6, 30), 0),
        (dt.date(2015, 3, 12), dt.date(2026, 7, 1), None, FilingState.OVERDUE, 2025, dt.date(2026, 6, 30), 0),
        (dt.date(2015, 3, 12), dt.date(2026, 4, 1), FILED, FilingState.FILED, 2025, dt.date(2026, 6, 30), 0),
    ],
)
def test_it_computes_the_filing_window(established_on, today, filed_at, state, report_year, closes_on, days_left):
    reminder = annual_report_filing(established_on=established_on, today=today, filed_at=filed_at)
    assert reminder.state == state
    assert reminder.report_year == report_year
    assert reminder.opens_on == dt.date(closes_on.year, 1, 1)
    assert reminder.closes_on == closes_on
    assert reminder.days_left == days_left


def test_it_names_the_next_window_once_filed():
    reminder = annual_report_filing(established_on=dt.date(2015, 3, 12), today=dt.date(2026, 4, 1), filed_at=FILED)
    assert (reminder.next_report_year, reminder.next_opens_on, reminder.next_closes_on) == (
        2026, dt.date(2027, 1, 1), dt.date(2027, 6, 30)
    )


def test_it_asks_a_deregistered_enterprise_for_no_report():
    reminder = annual_report_filing(
        established_on=dt.date(2015, 3, 12), today=dt.date(2026, 4, 1), deregistered=True
    )
    assert reminder.state == FilingState.NOT_REQUIRED


def test_it_shows_the_reminder_from_today_and_the_filed_report(today):
    account = liaison(f.EnterpriseFactory(established_on=today - dt.timedelta(days=4000)))
    client = english()
    client.force_login(account.user)
    year = today.year - 1
    body = client.get("/account/").content.decode()
    assert f"The annual report for {year}" in body
    assert "was filed on" not in body
    f.AnnualReportFactory(enterprise=account.enterprise, year=year)
    body = client.get("/account/").content.decode()
    assert f"The annual report for {year} was filed on" in body
