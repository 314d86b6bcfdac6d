from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from credit.tests import factories as f

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def test_it_shows_the_search_box_counts_and_latest_publications(client):
    enterprise = f.EnterpriseFactory(name="北京最新科技有限公司")
    f.PenaltyFactory(enterprise=enterprise, violation_type="虚假宣传", publication_ends_on=None)
    f.PenaltyFactory(enterprise=enterprise, violation_type="公示期满的", publication_ends_on=dt.date(2020, 1, 1))
    f.PenaltyFactory(enterprise=enterprise, withdrawn_at=dt.datetime(2024, 6, 1, tzinfo=TZ), violation_type="已撤销的")
    f.LicenceFactory(enterprise=enterprise, name="食品经营许可证")
    from credit.selectors.home import home_counts_refresh

    home_counts_refresh()  # the beat task's count (with a broker, no request counts)
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'action="/search/"' in body and 'name="q"' in body
    assert response.context["counts"] == {"enterprises": 1, "penalties": 1, "licences": 1, "approximate": False}
    assert "虚假宣传" in body and "食品经营许可证" in body
    assert "已撤销的" not in body and "公示期满的" not in body
    assert f'href="/enterprises/{enterprise.uscc}/#penalties"' in body


def test_it_lists_the_latest_publications_newest_first(client):
    old = f.PenaltyFactory(published_at=dt.datetime(2023, 1, 1, tzinfo=TZ), publication_ends_on=None)
    new = f.PenaltyFactory(published_at=dt.datetime(2024, 1, 1, tzinfo=TZ), publication_ends_on=None)
    latest = client.get("/").context["latest_penalties"]
    assert [p.id for p in latest] == [new.id, old.id]


def test_it_caches_the_counts(client, django_assert_num_queries):
    from credit.selectors.home import home_counts_refresh

    f.EnterpriseFactory()
    home_counts_refresh()  # what the beat task does every few minutes
    f.EnterpriseFactory()
    # The site's version (the page cache's key) + latest penalties + latest licences: the
    # counts come from the cache.
    with django_assert_num_queries(3):
        response = client.get("/")
    assert response.context["counts"]["enterprises"] == 1


@pytest.mark.parametrize("rows", [1, 30])
def test_it_issues_a_constant_number_of_queries(client, django_assert_num_queries, rows):
    from credit.selectors.home import home_counts_refresh

    for _ in range(rows):
        enterprise = f.EnterpriseFactory()
        f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None)
        f.LicenceFactory(enterprise=enterprise)
    home_counts_refresh()
    with django_assert_num_queries(3):  # the site's version, latest penalties and licences
        response = client.get("/")
    assert len(response.context["latest_penalties"]) == min(rows, 5)
    # Served whole from the cache: the version alone.
    with django_assert_num_queries(1):
        assert client.get("/")["X-Page-Cache"] == "hit"


def test_old_counts_are_shown_while_a_new_count_is_queued(client, clock, now):
    from unittest import mock

    from credit.selectors.home import home_counts_refresh

    f.EnterpriseFactory()
    home_counts_refresh()
    f.EnterpriseFactory()
    clock.move_to(now + dt.timedelta(minutes=6))
    with mock.patch("credit.tasks.home_counts_refresh_task.delay") as queued:
        response = client.get("/")
        client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["counts"]["enterprises"] == 1  # the last count, not a new one
    assert queued.call_count == 1  # asked once, not by every request
    from credit.selectors import home_counts

    home_counts_refresh()  # the queued task
    assert home_counts()["enterprises"] == 2


def test_no_request_counts_the_tables_on_postgresql_before_the_first_count(client):
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("SQLite (the demo) counts at once; PostgreSQL shows its estimates")
    f.EnterpriseFactory()
    with mock.patch("credit.tasks.home_counts_refresh_task.delay") as queued, \
            CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert queued.call_count == 1
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert response.context["counts"]["approximate"] is True
    assert "约" in response.content.decode()
    assert "no-store" in response["Cache-Control"]  # estimates are kept by no cache
