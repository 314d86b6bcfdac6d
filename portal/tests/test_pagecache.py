"""Whole public pages cached for anonymous visitors (portal/pagecache.py): nothing per
visitor on them, the right headers, 304s, never a cached page for a signed-in visitor (nor
the reverse), and every publication reaching the next anonymous request."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django.utils.http import parse_http_date

from credit import services as credit_services
from credit.models import Severity
from credit.selectors.home import home_counts_refresh
from credit.tests import factories as f
from listings import services as listing_services
from listings.tests.factories import make_entry, standard_list

pytestmark = pytest.mark.django_db

STATUS = "X-Page-Cache"


@pytest.fixture
def world():
    enterprise = f.EnterpriseFactory(name="北京页面缓存科技有限公司")
    f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None, violation_type="虚假宣传")
    f.LicenceFactory(enterprise=enterprise)
    entry = make_entry(enterprise=enterprise, listed_on=f.ago(months=2))
    home_counts_refresh()  # what the beat task keeps counted
    return {"enterprise": enterprise, "entry": entry}


def public_addresses(world) -> list[str]:
    enterprise, entry = world["enterprise"], world["entry"]
    return [
        "/",
        "/search/?q=页面缓存",
        "/search/?province=11",
        enterprise.get_absolute_url(),
        "/lists/",
        f"/lists/{entry.credit_list.code}/",
        entry.get_absolute_url(),
        "/inspections/",
    ]


def test_an_anonymous_page_is_the_same_for_every_visitor_and_carries_no_token(world):
    for address in public_addresses(world):
        first = Client().get(address)
        cache.clear()  # a second render, not the stored copy
        home_counts_refresh()
        second = Client().get(address)
        assert first.status_code == second.status_code == 200, address
        assert first.content == second.content, address
        body = first.content.decode()
        assert "csrfmiddlewaretoken" not in body, address
        assert 'action="/i18n/setlang/"' in body
        assert not first.cookies and not second.cookies, address  # no session, no CSRF cookie
        assert first[STATUS] == "miss"


def test_an_anonymous_page_says_how_it_may_be_cached(world):
    for address in public_addresses(world):
        response = Client().get(address)
        assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30", address
        assert response["ETag"].startswith('"') and len(response["ETag"]) == 34
        assert abs(parse_http_date(response["Last-Modified"]) - timezone.now().timestamp()) < 5
        vary = {part.strip() for part in response["Vary"].split(",")}
        assert {"Cookie", "Accept-Language"} <= vary
        assert response["Content-Language"] == "zh-hans"


def test_the_next_anonymous_request_is_served_whole_from_the_cache(world, django_assert_num_queries):
    address = world["enterprise"].get_absolute_url()
    first = Client().get(address)
    with django_assert_num_queries(1):  # the file's version
        again = Client().get(address)
    assert again[STATUS] == "hit" and again.content == first.content and again["ETag"] == first["ETag"]
    Client().get("/lists/")
    with django_assert_num_queries(1):  # the site's version
        assert Client().get("/lists/")[STATUS] == "hit"


def test_a_query_in_another_order_is_the_same_page_and_another_language_is_not(world):
    first = Client().get("/search/?q=页面缓存&status=active")
    assert Client().get("/search/?status=active&q=页面缓存")[STATUS] == "hit"
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/search/?q=页面缓存&status=active")
    assert english[STATUS] == "miss" and english.content != first.content
    assert english["Content-Language"] == "en"


def test_a_matching_etag_or_date_answers_304(world):
    address = world["enterprise"].get_absolute_url()
    first = Client().get(address)
    not_modified = Client().get(address, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == first["ETag"] and "public" in not_modified["Cache-Control"]
    assert Client().get(address, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert Client().get(address, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    # Once the file changes, the old ETag gets the new page.
    penalty = f.PenaltyFactory.build(enterprise=world["enterprise"], source_agency=f.AgencyFactory(),
                                     published_at=None, publication_ends_on=None, severity=Severity.SERIOUS)
    credit_services.credit_object_save(obj=penalty, actor=None)
    changed = Client().get(address, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_head_is_served_like_get(world):
    Client().get("/lists/")
    response = Client().head("/lists/")
    assert response.status_code == 200 and response[STATUS] == "hit"


@pytest.mark.parametrize("persona", ["enterprise_a", "staff_a", "superuser"])
def test_a_signed_in_visitor_never_gets_the_anonymous_copy_nor_leaves_one(world, personas, persona):
    address = world["enterprise"].get_absolute_url()
    signed_in = personas.client(persona)
    # Signed in first: nothing of theirs is stored for the public.
    mine = signed_in.get(address)
    assert STATUS not in mine and "logout-form" in mine.content.decode()
    assert "no-store" in mine["Cache-Control"] and "private" in mine["Cache-Control"]
    public = Client().get(address)
    assert public[STATUS] == "miss" and "logout-form" not in public.content.decode()
    # The public copy is stored now; the signed-in visitor still gets their own page.
    assert Client().get(address)[STATUS] == "hit"
    again = signed_in.get(address)
    assert STATUS not in again and "logout-form" in again.content.decode()


def test_a_visitor_with_a_message_waiting_gets_their_own_page(world):
    Client().get("/lists/")
    client = Client()
    client.cookies["messages"] = "anything"
    response = client.get("/lists/")
    assert STATUS not in response and "no-store" in response["Cache-Control"]


def test_a_redirect_or_a_missing_file_is_not_stored(world):
    code = world["enterprise"].uscc
    assert Client().get(f"/enterprises/{code.lower()}/").status_code == 301
    missing = Client().get("/enterprises/91110000000000000X/")
    assert missing.status_code == 404 and STATUS not in missing


def test_the_language_switch_needs_no_token_and_keeps_its_next_safety():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/lists/"})
    assert response.status_code == 302 and response["Location"] == "/lists/"
    cookie = response.cookies["django_language"]
    assert cookie.value == "en" and cookie["samesite"] == "Lax"
    response = client.post("/i18n/setlang/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    # The next page comes in English, from its own cached copy.
    assert client.get("/lists/")["Content-Language"] == "en"


def test_staff_pages_are_never_stored(world, personas):
    credit_list = world["entry"].credit_list
    response = personas.client("staff_b").get(f"/lists/staff/{credit_list.code}/add/")
    assert response.status_code in (200, 404)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("address", [
    "/staff/", "/lists/staff/objections/", "/inspections/staff/disclosure-orders/",
])
def test_the_staff_queues_are_never_stored(personas, address):
    response = personas.client("staff_b").get(address)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


# --- every publication reaches the next anonymous request ----------------------------------


def body(address: str, language: str = "zh-hans") -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(address)
    assert response.status_code == 200
    return response.content.decode()


def test_a_publication_correction_and_withdrawal_reach_the_home_page_and_the_file(world):
    enterprise = world["enterprise"]
    agency = f.AgencyFactory()
    assert "新发布的处罚" not in body("/")
    penalty = f.PenaltyFactory.build(enterprise=enterprise, source_agency=agency, published_at=None,
                                     publication_ends_on=None, severity=Severity.SERIOUS,
                                     violation_type="新发布的处罚", decided_on=f.ago(days=3))
    credit_services.credit_object_save(obj=penalty, actor=None)
    assert "新发布的处罚" in body("/") and "新发布的处罚" in body(enterprise.get_absolute_url())
    penalty.violation_type = "更正后的处罚"
    credit_services.credit_object_save(obj=penalty, actor=None, correction_reason="录入有误")
    assert "更正后的处罚" in body("/") and "更正后的处罚" in body(enterprise.get_absolute_url())
    credit_services.published_record_withdraw(record=penalty, actor=None, reason="决定书送达有误，予以撤回")
    assert "更正后的处罚" not in body("/")


def test_an_entry_created_removed_and_expired_reaches_the_list_pages(world, today):
    credit_list = world["entry"].credit_list
    list_address = f"/lists/{credit_list.code}/"
    newcomer = f.EnterpriseFactory(name="新列入名录的企业")
    assert "新列入名录的企业" not in body(list_address)
    entry = make_entry(enterprise=newcomer, listed_on=f.ago(days=5))
    assert "新列入名录的企业" in body(list_address)
    assert entry.decision_number in body(entry.get_absolute_url())
    listing_services.list_entry_revoke(entry=entry, revoked_on=today, reason="列入决定有误，予以撤销")
    assert "新列入名录的企业" not in body(list_address)
    assert "列入决定有误，予以撤销" in body(entry.get_absolute_url())


def test_the_expiry_sweep_reaches_the_entry_page_and_the_file(world, today, django_capture_on_commit_callbacks):
    from dateutil.relativedelta import relativedelta

    due = make_entry(list_code="environmental-violators", listed_on=today - relativedelta(years=1))
    assert listing_services.EXPIRY_REASON not in body(due.get_absolute_url())
    assert listing_services.EXPIRY_REASON not in body(due.enterprise.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        assert listing_services.list_entries_expire(today=today) == 1
    assert listing_services.EXPIRY_REASON in body(due.get_absolute_url())
    assert listing_services.EXPIRY_REASON in body(due.enterprise.get_absolute_url())


def test_a_renamed_list_reaches_the_index(world, personas):
    credit_list = standard_list(world["entry"].credit_list.code)
    assert "改名后的名录" not in body("/lists/")
    credit_list.name = "改名后的名录"
    listing_services.credit_list_update(credit_list=credit_list, actor=personas.user("superuser"))
    assert "改名后的名录" in body("/lists/")


# --- the early path: hits answered before the session (PageCacheMiddleware) ----------------

# Set per answer by the WSGI side or this module, not part of what is compared.
PER_ANSWER = {"Date", STATUS}


def test_a_hit_is_answered_before_the_session_with_every_header_of_the_miss(world):
    for address in public_addresses(world):
        miss = Client().get(address)
        hit = Client().get(address)
        assert (miss[STATUS], hit[STATUS]) == ("miss", "hit"), address
        # Nothing after the page cache ran: no session, no user, no CSRF state.
        request = hit.wsgi_request
        assert not hasattr(request, "session") and not hasattr(request, "user"), address
        headers = {name: value for name, value in miss.items() if name not in PER_ANSWER}
        assert {name: value for name, value in hit.items() if name not in PER_ANSWER} == headers, address
        # What the skipped middleware adds on a miss is on the hit too, and what
        # SecurityMiddleware adds (outside the page cache) as well.
        for name in ("Content-Security-Policy", "X-Frame-Options", "Content-Language", "Vary", "ETag",
                     "Last-Modified", "Cache-Control", "Content-Length", "X-Content-Type-Options",
                     "Referrer-Policy", "Cross-Origin-Opener-Policy"):
            assert hit.has_header(name), (address, name)
        assert "script-src 'self'" in hit["Content-Security-Policy"] and hit["X-Frame-Options"] == "DENY"
        assert int(hit["Content-Length"]) == len(hit.content) and hit.content == miss.content
        assert not hit.cookies


def test_a_304_is_answered_before_the_session(world):
    address = world["enterprise"].get_absolute_url()
    etag = Client().get(address)["ETag"]
    not_modified = Client().get(address, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304 and not hasattr(not_modified.wsgi_request, "session")
    assert not_modified["ETag"] == etag and "public" in not_modified["Cache-Control"]


def test_any_session_cookie_gets_its_own_page_even_one_that_names_no_session(world):
    address = world["enterprise"].get_absolute_url()
    Client().get(address)
    assert Client().get(address)[STATUS] == "hit"
    stale = Client()
    stale.cookies["sessionid"] = "expired-or-made-up"
    response = stale.get(address)
    assert STATUS not in response and "no-store" in response["Cache-Control"]
    assert hasattr(response.wsgi_request, "session")


def test_a_publication_reaches_the_next_request_after_hits(world):
    enterprise = world["enterprise"]
    address = enterprise.get_absolute_url()
    for page in (address, "/"):
        Client().get(page)
        assert Client().get(page)[STATUS] == "hit", page
    penalty = f.PenaltyFactory.build(enterprise=enterprise, source_agency=f.AgencyFactory(), published_at=None,
                                     publication_ends_on=None, severity=Severity.SERIOUS,
                                     violation_type="命中之后发布的处罚", decided_on=f.ago(days=2))
    credit_services.credit_object_save(obj=penalty, actor=None)
    for page in (address, "/"):
        response = Client().get(page)
        assert response[STATUS] == "miss" and "命中之后发布的处罚" in response.content.decode(), page


@pytest.fixture
def test_pages(settings):
    settings.ROOT_URLCONF = "portal.tests.pagecache_urls"


@pytest.mark.parametrize(("address", "cookie"), [
    ("/test-pages/token/", "csrftoken"),
    ("/test-pages/message/", "messages"),
])
def test_a_page_that_sets_a_visitors_cookie_on_the_way_out_is_never_stored(test_pages, address, cookie):
    first = Client().get(address)
    second = Client().get(address)
    for response in (first, second):
        assert response.status_code == 200 and cookie in response.cookies
        assert STATUS not in response and "ETag" not in response
    if cookie == "csrftoken":  # each visitor got a token of their own
        assert first.cookies[cookie].value != second.cookies[cookie].value
    # A page of the same kind that adds nothing per visitor is stored.
    Client().get("/test-pages/plain/")
    assert Client().get("/test-pages/plain/")[STATUS] == "hit"


def test_a_code_with_a_control_character_is_refused_not_sent_to_the_database(world):
    response = Client().get("/enterprises/9111%00000000000000/")
    assert response.status_code == 400


def test_the_page_cache_sits_before_the_session_and_after_the_outage_handler(settings):
    order = list(settings.MIDDLEWARE)
    at = order.index("portal.pagecache.PageCacheMiddleware")
    assert order[:at] == ["django.middleware.security.SecurityMiddleware",
                          "whitenoise.middleware.WhiteNoiseMiddleware",
                          "portal.middleware.DatabaseUnavailableMiddleware"]
    for skipped in ("django.contrib.sessions.middleware.SessionMiddleware",
                    "django.middleware.locale.LocaleMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
                    "django.contrib.auth.middleware.AuthenticationMiddleware",
                    "django.contrib.messages.middleware.MessageMiddleware",
                    "django.middleware.clickjacking.XFrameOptionsMiddleware", "csp.middleware.CSPMiddleware"):
        assert order.index(skipped) > at, skipped


def test_the_redis_cache_keeps_one_client_per_pool():
    from portal.cache import ResilientRedisCache

    backend = ResilientRedisCache("redis://127.0.0.1:1/0", {})
    client = backend._cache.get_client(None, write=True)
    assert backend._cache.get_client(None) is client  # no connection is made to build one


def test_an_entry_stored_by_the_previous_release_is_a_miss(world, monkeypatch):
    from portal import pagecache

    # (body, content type, ETag, Last-Modified): the shape before the headers were stored.
    old, real_get = (b"old", "text/html", '"x"', 0), pagecache.cache.get
    monkeypatch.setattr(pagecache.cache, "get",
                        lambda key, default=None: old if key.startswith("page:") else real_get(key, default))
    response = Client().get("/lists/")
    assert response.status_code == 200 and response[STATUS] == "miss" and response.content != b"old"
