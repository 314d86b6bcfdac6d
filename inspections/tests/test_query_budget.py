"""Every public page, rendered without any cache, costs at most 12 queries however much
it shows, and the same number when its rows grow (issue 9). The whole-page cache then
serves a repeat in one query (portal/tests/test_pagecache.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from credit.selectors.home import home_counts_refresh
from credit.selectors.search import planner_statistics_clear
from credit.tests import factories as f
from credit.tests.test_credit_file import fill_every_app_section, fill_every_section
from inspections.tests.test_views import drawn_plan, publish_all
from listings.tests.factories import make_entry

pytestmark = pytest.mark.django_db

BUDGET = 12


def addresses(enterprise, entry, plan) -> list[str]:
    return [
        "/",
        "/search/?q=科技",
        "/search/?province=11&status=active",
        enterprise.get_absolute_url(),
        "/lists/",
        f"/lists/{entry.credit_list.code}/",
        entry.get_absolute_url(),
        "/inspections/",
        plan.get_absolute_url(),
    ]


def costs(urls) -> dict[str, int]:
    found = {}
    for url in urls:
        cache.clear()  # nothing cached: neither the page nor its fragments or counts
        planner_statistics_clear()  # nor the search's copy of the planner's statistics (one query more)
        home_counts_refresh()  # but the totals, which the beat task keeps: no page counts the tables
        with CaptureQueriesContext(connection) as queries:
            response = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(url)
        assert response.status_code == 200, url
        assert response["X-Page-Cache"] == "miss", url
        found[url] = len(queries.captured_queries)
    return found


def test_every_public_page_stays_within_its_query_budget_as_rows_grow(setup_plan, now):
    plan, user = drawn_plan(setup_plan)
    publish_all(plan, user)
    enterprise = f.EnterpriseFactory(name="北京预算科技有限公司", region_code="110105",
                                     legal_representative=f.PersonFactory())
    fill_every_app_section(enterprise, 1, now)
    entry = enterprise.list_entries.filter(credit_list__code="abnormal-operations").first()
    urls = addresses(enterprise, entry, plan)
    before = costs(urls)
    assert all(count <= BUDGET for count in before.values()), before

    # More of everything: records in every section, entries on the list, firms found.
    fill_every_section(enterprise, 5)
    for index in range(6):
        make_entry(enterprise=f.EnterpriseFactory(name=f"北京增长{index}科技有限公司", region_code="110105"),
                   listed_on=f.ago(months=1, days=index))
    after = costs(urls)
    assert after == before, (before, after)
