"""The API's lists and entries (listings/api.py): cursor pages in a stable order that neither
repeat nor skip rows added while a client pages; the site's filters and their errors; the
entries of the credit file."""

from __future__ import annotations

import pytest
from django.utils import translation

from credit.tests import factories as f
from listings.tests.factories import make_entry

pytestmark = pytest.mark.django_db


def get(client, url):
    with translation.override("en"):
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en")


def test_cursor_pages_neither_repeat_nor_skip_when_rows_are_added(client):
    entries = [make_entry(listed_on=f.ago(days=20 + i)) for i in range(5)]
    first = get(client, "/api/v1/list-entries/?page_size=2").json()
    seen = [row["id"] for row in first["results"]]
    added = make_entry(listed_on=f.ago(days=1))  # newer than everything: before the first page
    url = first["next"]
    while url:
        page = get(client, url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted((e.pk for e in entries), reverse=True)
    assert added.pk not in seen
    assert get(client, "/api/v1/list-entries/?page_size=0").status_code == 400
    assert "cursor" in get(client, "/api/v1/list-entries/?cursor=bm9wZQ").json()


def test_entries_take_the_list_pages_filters_and_name_their_errors(client):
    entry = make_entry(listed_on=f.ago(days=30))
    rows = get(client, f"/api/v1/list-entries/?list={entry.credit_list.code}").json()["results"]
    assert [r["id"] for r in rows] == [entry.pk]
    assert rows[0]["status"] == "active" and rows[0]["status_label"] == "On the list"
    assert rows[0]["list"]["code"] == entry.credit_list.code and rows[0]["enterprise"]["uscc"] == entry.enterprise.uscc
    assert get(client, "/api/v1/list-entries/?status=removed").json()["results"] == []
    bad = get(client, "/api/v1/list-entries/?region=abc")
    assert bad.status_code == 400 and "region" in bad.json()
    assert "list" in get(client, "/api/v1/list-entries/?list=nope").json()


def test_the_credit_file_lists_the_entries_and_the_notice(client):
    entry = make_entry(listed_on=f.ago(days=30))
    data = get(client, f"/api/v1/enterprises/{entry.enterprise.uscc}/").json()
    rows = data["sections"]["list_entries"]
    assert [r["id"] for r in rows] == [entry.pk] and rows[0]["current"] is True
    assert rows[0]["url"].endswith(f"/api/v1/list-entries/{entry.pk}/")
    assert [n["kind"] for n in data["notices"]] == ["alert"] and "on a list" in data["notices"][0]["text"]
