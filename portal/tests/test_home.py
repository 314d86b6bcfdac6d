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
    f.EnterpriseFactory()
    # Cold: the site's version + 3 counts (enterprises, penalties, licences) + latest
    # penalties + latest licences.
    with django_assert_num_queries(6):
        client.get("/")
    f.EnterpriseFactory()
    # Warm (another language, so not the cached page): the counts come from the cache.
    with django_assert_num_queries(3):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["counts"]["enterprises"] == 1


@pytest.mark.parametrize("rows", [1, 30])
def test_it_issues_a_constant_number_of_queries(client, django_assert_num_queries, rows):
    for _ in range(rows):
        enterprise = f.EnterpriseFactory()
        f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None)
        f.LicenceFactory(enterprise=enterprise)
    with django_assert_num_queries(6):  # the site's version, 3 counts, latest penalties and licences
        response = client.get("/")
    assert len(response.context["latest_penalties"]) == min(rows, 5)
