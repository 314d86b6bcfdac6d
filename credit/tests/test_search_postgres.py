"""The GIN token path must return exactly what a plain substring search returns.

Runs only against PostgreSQL (DATABASE_URL=postgres://...); SQLite has no GIN path.
"""

from __future__ import annotations

import pytest
from django.db import connection

from credit import selectors
from credit.models import Enterprise
from credit.tests.factories import EnterpriseFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN path exists on PostgreSQL only"),
]

NAMES = [
    "北京鑫源科技有限公司",
    "北京源鑫贸易有限公司",
    "上海科技发展股份有限公司",
    "深圳市技科电子有限公司",
    "杭州鑫科源网络科技有限公司",
    "广州ABC科技有限公司",
    "成都某某餐饮管理有限公司",
]


@pytest.mark.parametrize("query", ["鑫", "科", "科技", "鑫源", "源鑫", "技科", "有限公司", "鑫源科", "科技有", "abc", "ABC科", "不存在"])
def test_it_matches_the_plain_substring_search(query):
    for name in NAMES:
        EnterpriseFactory(name=name)
    via_tokens = list(selectors.enterprise_name_match(Enterprise.objects.all(), query).order_by("id"))
    plain = list(Enterprise.objects.filter(name__icontains=query).order_by("id"))
    assert via_tokens == plain
    if query != "不存在":
        assert plain


def test_it_uses_the_gin_index():
    EnterpriseFactory(name="北京鑫源科技有限公司")
    queryset = selectors.enterprise_name_match(Enterprise.objects.all(), "鑫源").order_by()
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The table is tiny, so forbid whole-table plans to see that the index is usable.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "credit_enterprise_tokens_gin" in plan, plan


def test_english_names_use_the_trigram_index():
    EnterpriseFactory(name="北京鑫源科技有限公司", name_en="Beijing Xinyuan Technology Co., Ltd.")
    queryset = selectors.enterprise_name_match(Enterprise.objects.all(), "Xinyuan").order_by()
    assert queryset.count() == 1
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "credit_enterprise_name_en_trgm" in plan, plan
