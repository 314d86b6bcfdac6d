"""The Atom feeds of an enterprise, a list and a search: valid Atom (namespace, id/title/updated on
the feed and every entry), newest first, removals included, both languages, 404 and 400 as the
pages, an author (RFC 4287 4.1.1), the same queries for 1 and 20 events, cached per address and language until a publication,
and announced by the pages they follow."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit import services
from credit.tests.factories import EnterpriseFactory
from following.tests.test_webhooks import penalty

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def parse(response) -> ET.Element:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # well-formed, or this raises
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{required}") or "").strip(), required
    # RFC 4287 4.1.1: the feed names its author (then its entries need not).
    assert (root.findtext(f"{ATOM}author/{ATOM}name") or "").strip(), "atom:author"
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), (required, ET.tostring(entry))
        assert entry.find(f"{ATOM}link").get("href").startswith("http")
        dt.datetime.fromisoformat(entry.findtext(f"{ATOM}updated"))  # RFC 3339
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == len(ids)
    sequences = [int(i.rsplit("/", 1)[1]) for i in ids]
    assert sequences == sorted(sequences, reverse=True), "newest first"
    return root


def entries(root) -> list[ET.Element]:
    return root.findall(f"{ATOM}entry")


def test_an_enterprises_feed_lists_its_changes_newest_first_removal_included(client):
    enterprise, other = EnterpriseFactory(name="北京鑫源科技有限公司"), EnterpriseFactory()
    first = penalty(enterprise)
    penalty(enterprise)
    penalty(other)
    services.published_record_withdraw(record=first, actor=None, reason="决定被撤销")
    root = parse(client.get(f"/enterprises/{enterprise.uscc}/feed.atom", HTTP_ACCEPT_LANGUAGE="en"))
    rows = entries(root)
    assert len(rows) == 3
    assert rows[0].findtext(f"{ATOM}title").startswith("Withdrawn")
    assert "No longer public" in rows[0].findtext(f"{ATOM}summary")
    assert "北京鑫源科技有限公司" in rows[0].findtext(f"{ATOM}title") or enterprise.name_en in rows[0].findtext(
        f"{ATOM}title")
    assert rows[0].find(f"{ATOM}link").get("href").endswith(f"/enterprises/{enterprise.uscc}/#penalties")
    assert rows[0].findtext(f"{ATOM}id").startswith("tag:testserver,2026:change/")
    assert rows[1].findtext(f"{ATOM}title").startswith("Published")
    assert "Credit file" in root.findtext(f"{ATOM}title") or "credit file" in root.findtext(f"{ATOM}title")
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "Enterprise Credit Information Publicity Portal"
    chinese = parse(client.get(f"/enterprises/{enterprise.uscc}/feed.atom", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert chinese.findtext(f"{ATOM}author/{ATOM}name") != "Enterprise Credit Information Publicity Portal"
    assert entries(chinese)[0].findtext(f"{ATOM}title").startswith("已撤销")
    # The same entry keeps its id in every feed and language.
    assert entries(chinese)[0].findtext(f"{ATOM}id") == rows[0].findtext(f"{ATOM}id")


def test_unknown_and_invalid_codes(client):
    enterprise = EnterpriseFactory()
    assert client.get("/enterprises/91110000600037341X/feed.atom").status_code == 404  # check character
    assert client.get("/enterprises/91110000600037341L/feed.atom").status_code == 404  # valid, unknown
    moved = client.get(f"/enterprises/{enterprise.uscc.lower()}/feed.atom")
    assert moved.status_code == 301 and moved["Location"] == f"/enterprises/{enterprise.uscc}/feed.atom"
    assert client.get("/lists/no-such-list/feed.atom").status_code == 404


def test_a_lists_feed(client, today):
    from listings.tests.factories import make_entry

    entry = make_entry(listed_on=today - dt.timedelta(days=3))
    make_entry(listed_on=today - dt.timedelta(days=3), list_code="serious-illegal")
    root = parse(client.get(f"/lists/{entry.credit_list.code}/feed.atom", HTTP_ACCEPT_LANGUAGE="en"))
    links = [row.find(f"{ATOM}link").get("href") for row in entries(root)]
    assert links and all(f"/lists/{entry.credit_list.code}/" in link for link in links)
    assert any(link.endswith(entry.get_absolute_url()) for link in links)


def test_a_searchs_feed_and_its_bad_parameters(client):
    found = EnterpriseFactory(name="杭州绿源环保科技有限公司")
    missed = EnterpriseFactory(name="成都蓝天餐饮管理有限公司")
    penalty(found)
    penalty(missed)
    root = parse(client.get("/search/feed.atom?q=环保科技", HTTP_ACCEPT_LANGUAGE="en"))
    assert [row.find(f"{ATOM}link").get("href").split("/enterprises/")[1][:18] for row in entries(root)] == [found.uscc]
    for query, parameter in (("q=x", "q"), ("province=99", "province"), ("", "q"), ("risk_class=Z&q=科技", "risk_class")):
        response = client.get(f"/search/feed.atom?{query}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, query
        assert response.content.decode().startswith(f"{parameter}:"), response.content


def _queries(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_queries_do_not_grow_with_the_events(client, today):
    from listings.tests.factories import make_entry

    def build(n):
        enterprise = EnterpriseFactory(name=f"南京{n}号环保科技有限公司")
        for _ in range(n):
            penalty(enterprise)
        return enterprise

    small, large = build(1), build(20)
    assert _queries(client, f"/enterprises/{small.uscc}/feed.atom") == _queries(
        client, f"/enterprises/{large.uscc}/feed.atom")
    assert _queries(client, "/search/feed.atom?q=南京1号") == _queries(client, "/search/feed.atom?q=南京20号")
    one = make_entry(listed_on=today - dt.timedelta(days=3), list_code="serious-illegal")
    before = _queries(client, f"/lists/{one.credit_list.code}/feed.atom")
    for _ in range(10):
        make_entry(listed_on=today - dt.timedelta(days=3), list_code="serious-illegal")
    assert _queries(client, f"/lists/{one.credit_list.code}/feed.atom") == before


def test_cached_per_language_until_the_next_publication(client):
    enterprise = EnterpriseFactory()
    penalty(enterprise)
    url = f"/enterprises/{enterprise.uscc}/feed.atom"
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en")["X-Page-Cache"] == "miss"
    again = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert again["X-Page-Cache"] == "hit" and "public" in again["Cache-Control"]
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")["X-Page-Cache"] == "miss"
    penalty(enterprise)
    after = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert after["X-Page-Cache"] == "miss" and len(entries(parse(after))) == 2


def test_the_pages_announce_their_feeds(client, today):
    from listings.tests.factories import make_entry

    entry = make_entry(listed_on=today - dt.timedelta(days=3))
    enterprise = entry.enterprise
    page = client.get(f"/enterprises/{enterprise.uscc}/").content.decode()
    assert f'<link rel="alternate" type="application/atom+xml" href="/enterprises/{enterprise.uscc}/feed.atom"' in page
    page = client.get(f"/lists/{entry.credit_list.code}/").content.decode()
    assert f'href="/lists/{entry.credit_list.code}/feed.atom"' in page
    page = client.get("/search/?q=科技&province=11").content.decode()
    assert 'type="application/atom+xml" href="/search/feed.atom?q=%E7%A7%91%E6%8A%80&amp;province=11' in page
