from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit import selectors
from credit.models import Enterprise, EntityType, RegistrationStatus, RiskClass
from credit.tests.factories import EnterpriseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [e.name for e in response.context["result"].page.rows]


def test_it_finds_a_two_character_chinese_substring(client):
    match = EnterpriseFactory(name="北京某某科技有限公司")
    EnterpriseFactory(name="上海某某贸易有限公司")
    response = client.get("/search/", {"q": "科技"})
    assert response.status_code == 200
    assert names(response) == [match.name]
    assert "北京某某科技有限公司" in response.content.decode()


def test_it_finds_one_chinese_character_and_longer_terms(client):
    EnterpriseFactory(name="北京鑫源科技有限公司")
    EnterpriseFactory(name="上海某某贸易有限公司")
    assert names(client.get("/search/", {"q": "鑫"})) == ["北京鑫源科技有限公司"]
    assert names(client.get("/search/", {"q": "鑫源科技"})) == ["北京鑫源科技有限公司"]
    # Every whitespace-separated term must occur, in any order.
    assert names(client.get("/search/", {"q": "科技 北京"})) == ["北京鑫源科技有限公司"]
    assert names(client.get("/search/", {"q": "源北"})) == []


def test_it_finds_latin_names_case_insensitively(client):
    EnterpriseFactory(name="北京ABC科技有限公司")
    assert names(client.get("/search/", {"q": "abc"})) == ["北京ABC科技有限公司"]


def test_it_finds_by_legal_representative_name(client):
    person = PersonFactory(name="王小明")
    match = EnterpriseFactory(name="北京甲乙有限公司", legal_representative=person)
    EnterpriseFactory(name="北京丙丁有限公司")
    assert names(client.get("/search/", {"q": "王小明"})) == [match.name]


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {spaced} ", "{hyphened}"])
def test_it_jumps_to_the_credit_file_for_an_exact_code(client, typed):
    enterprise = EnterpriseFactory()
    code = enterprise.uscc
    q = typed.format(
        code=code, lower=code.lower(), spaced=f"{code[:6]} {code[6:12]} {code[12:]}", hyphened=f"{code[:9]}-{code[9:]}"
    )
    response = client.get("/search/", {"q": q})
    assert response.status_code == 302
    assert response["Location"] == f"/enterprises/{code}/"


def test_it_names_the_failed_rule_of_a_malformed_code_and_still_searches_names(client):
    enterprise = EnterpriseFactory()
    broken = enterprise.uscc[:17] + ("0" if enterprise.uscc[17] != "0" else "1")
    EnterpriseFactory(name=f"北京{broken}有限公司")
    response = client.get("/search/", {"q": broken}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    result = response.context["result"]
    assert "check character" in result.uscc_error
    assert names(response) == [f"北京{broken}有限公司"]
    assert "check character" in response.content.decode()


def test_it_says_when_a_valid_code_has_no_enterprise(client):
    from credit import uscc

    code = uscc.build("9", "1", "110108", "MA01XYW1")
    response = client.get("/search/", {"q": code})
    assert response.status_code == 200
    assert response.context["result"].uscc_unknown == code
    assert code in response.content.decode()


def test_it_explains_what_to_type_for_an_empty_query(client):
    response = client.get("/search/", {"q": "  "}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "unified social credit code" in response.context["form"].errors["q"][0]
    assert response.context["result"].page is None


def test_it_explains_a_too_short_query_and_keeps_it(client):
    response = client.get("/search/", {"q": "a", "risk_class": "C"}, HTTP_ACCEPT_LANGUAGE="en")
    errors = response.context["form"].errors["q"][0]
    assert "too short" in errors
    body = response.content.decode()
    assert 'value="a"' in body
    assert '<option value="C" selected>' in body


def test_it_shows_an_introduction_without_parameters(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert response.context["result"].page is None


@pytest.mark.parametrize(
    ("param", "value", "matching", "other"),
    [
        ("province", "44", {"region_code": "440305"}, {"region_code": "110108"}),
        ("entity_type", EntityType.PARTNERSHIP, {"entity_type": EntityType.PARTNERSHIP}, {}),
        ("status", RegistrationStatus.REVOKED, {"status": RegistrationStatus.REVOKED}, {}),
        ("risk_class", RiskClass.D, {"risk_class": RiskClass.D}, {}),
    ],
)
def test_it_applies_each_filter(client, param, value, matching, other):
    match = EnterpriseFactory(name="深圳某某科技有限公司", **matching)
    EnterpriseFactory(name="北京某某科技有限公司", **other)
    assert names(client.get("/search/", {"q": "科技", param: value})) == [match.name]


def test_it_rejects_an_unknown_filter_value_by_naming_the_field(client):
    response = client.get("/search/", {"q": "科技", "province": "99"})
    assert "province" in response.context["form"].errors


def test_it_shows_province_names_in_the_active_language(client):
    EnterpriseFactory(name="深圳某某科技有限公司", region_code="440305")
    body = client.get("/search/", {"q": "科技"}).content.decode()
    assert "广东省" in body
    body = client.get("/search/", {"q": "科技"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Guangdong" in body


def test_it_paginates_in_stable_id_order(client):
    made = [EnterpriseFactory(name=f"北京某某{i}科技有限公司") for i in range(45)]
    first = client.get("/search/", {"q": "科技"})
    page = first.context["result"].page
    assert page.count == 45 and not page.bounded and page.num_pages == 3
    assert [e.id for e in page.rows] == [e.id for e in made[:20]]
    third = client.get("/search/", {"q": "科技", "page": "3"}).context["result"].page
    assert [e.id for e in third.rows] == [e.id for e in made[40:]]
    # Out-of-range and garbage page numbers fall back to a real page.
    assert client.get("/search/", {"q": "科技", "page": "99"}).context["result"].page.number == 3
    assert client.get("/search/", {"q": "科技", "page": "x"}).context["result"].page.number == 1
    assert 'href="?q=%E7%A7%91%E6%8A%80&amp;page=2"' in first.content.decode()


def test_it_bounds_the_count(client, settings):
    settings.SEARCH_COUNT_LIMIT = 5
    for i in range(7):
        EnterpriseFactory(name=f"北京某某{i}科技有限公司")
    response = client.get("/search/", {"q": "科技"})
    page = response.context["result"].page
    assert page.bounded and page.count == 5
    assert "More than 5" in response.content.decode() or "超过 5" in response.content.decode()
    settings.SEARCH_COUNT_LIMIT = 7
    cache.clear()  # a new setting is no publication: the whole page was cached
    page = client.get("/search/", {"q": "科技"}).context["result"].page
    assert not page.bounded and page.count == 7


def test_it_counts_over_a_limit_subquery(settings):
    settings.SEARCH_COUNT_LIMIT = 3
    EnterpriseFactory.create_batch(2, name="北京某某科技有限公司")
    with CaptureQueriesContext(connection) as ctx:
        selectors.bounded_page(Enterprise.objects.all(), page=1)
    count_sql = ctx.captured_queries[0]["sql"].upper()
    assert "COUNT(" in count_sql and "LIMIT 4" in count_sql


@pytest.mark.parametrize("rows", [1, 50])
def test_it_issues_a_constant_number_of_queries(client, django_assert_num_queries, rows):
    for i in range(rows):
        EnterpriseFactory(name=f"北京某某{i}科技有限公司")
    # Cold:
    # 1. the site's version (the whole-page cache's key, portal.pagecache)
    # 2. SELECT COUNT(*) FROM (SELECT ... WHERE name matches LIMIT 1001)  -- bounded count
    # 3. SELECT ... WHERE name matches ORDER BY id LIMIT 20               -- the page
    with django_assert_num_queries(3):
        response = client.get("/search/", {"q": "科技", "province": "11"})
    assert len(response.context["result"].page.rows) == min(rows, 20)
    # Paging through the same search reuses the cached count: the version and the page query.
    with django_assert_num_queries(2):
        response = client.get("/search/", {"q": "科技", "province": "11", "page": "2"})
    # With one match, page 2 falls back to the only page.
    assert len(response.context["result"].page.rows) == (20 if rows == 50 else 1)


def test_it_searches_with_filters_alone_on_a_bounded_page(client, settings):
    settings.SEARCH_COUNT_LIMIT = 3
    for i in range(5):
        EnterpriseFactory(name=f"上海某某{i}贸易有限公司", region_code="310101", risk_class=RiskClass.C)
    EnterpriseFactory(name="北京某某科技有限公司", region_code="110108", risk_class=RiskClass.C)
    response = client.get("/search/", {"q": "", "province": "31", "risk_class": "C"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and not response.context["form"].errors
    page = response.context["result"].page
    assert page.bounded and page.count == 3
    assert all(name.startswith("上海") for name in names(response))
    response = client.get("/search/", {"status": RegistrationStatus.REVOKED}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["result"].page.count == 0
    assert "No enterprise matches these filters." in response.content.decode()


def test_it_finds_english_names_case_insensitively(client):
    match = EnterpriseFactory(name="北京鑫源科技有限公司", name_en="Beijing Xinyuan Technology Co., Ltd.")
    EnterpriseFactory(name="上海某某贸易有限公司", name_en="Shanghai Trading Co., Ltd.")
    response = client.get("/search/", {"q": "xinyuan tech"}, HTTP_ACCEPT_LANGUAGE="en")
    assert names(response) == [match.name]
    # English pages show the English name.
    assert "Beijing Xinyuan Technology Co., Ltd." in response.content.decode()
    assert names(client.get("/search/", {"q": "XINYUAN"})) == [match.name]
