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


def statements(ctx) -> list[str]:
    """The captured SQL without the savepoints of the test's own transaction."""
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))]


def test_it_takes_the_page_and_the_count_from_one_bounded_scan(settings):
    settings.SEARCH_COUNT_LIMIT = 3
    EnterpriseFactory.create_batch(2, name="北京某某科技有限公司")
    with CaptureQueriesContext(connection) as ctx:
        page = selectors.bounded_page(Enterprise.objects.filter(name__contains="科技"), page=1)
    assert page.count == 2 and not page.bounded and len(page.rows) == 2
    searches = [sql for sql in statements(ctx) if "credit_enterprise" in sql]
    assert len(searches) == 1
    sql = searches[0].upper()
    # At most limit + 1 candidates, picked without sorting them all; counted and numbered in the same query.
    assert "AS MATERIALIZED" in sql and "LIMIT 4" in sql and "COUNT(*) OVER ()" in sql
    candidates = sql[sql.index("AS MATERIALIZED") : sql.index("LIMIT 4")]
    assert "ORDER BY" not in candidates


def test_it_pages_through_a_bounded_result_without_repeating_rows(settings):
    settings.SEARCH_COUNT_LIMIT = 5
    made = [EnterpriseFactory(name=f"北京某某{i}科技有限公司").id for i in range(7)]
    pages = [selectors.bounded_page(Enterprise.objects.all(), page=n, per_page=2) for n in (1, 2, 3, 4)]
    assert [(p.number, p.num_pages, p.count, p.bounded) for p in pages] == [(n, 3, 5, True) for n in (1, 2, 3, 3)]
    shown = [e.id for p in pages[:3] for e in p.rows]
    # Pages stop at the bound, in id order, each row once, all of them matches.
    assert len(shown) == 5 and shown == sorted(set(shown)) and set(shown) <= set(made)
    assert [e.id for e in pages[3].rows] == [e.id for e in pages[2].rows]
    # Only the requested columns are read.
    row = selectors.bounded_page(Enterprise.objects.all(), page=1, columns=("uscc", "name")).rows[0]
    assert row.get_deferred_fields() >= {"search_tokens", "business_scope"}
    assert row.uscc and row.name


def test_it_counts_nothing_when_nothing_matches():
    EnterpriseFactory(name="北京某某科技有限公司")
    page = selectors.bounded_page(Enterprise.objects.filter(name__contains="贸易"), page="7")
    assert (page.rows, page.count, page.bounded, page.number, page.num_pages) == ([], 0, False, 1, 1)


@pytest.mark.parametrize("rows", [1, 50])
def test_it_issues_a_constant_number_of_queries(client, rows):
    for i in range(rows):
        EnterpriseFactory(name=f"北京某某{i}科技有限公司")
    # 1. the site's version (the whole-page cache's key, portal.pagecache)
    # 2. (PostgreSQL only) SELECT set_config(...) -- the planner settings, local to the search
    # 3. WITH candidates AS MATERIALIZED (... LIMIT 1001) ... -- the page and the bounded count
    # (PostgreSQL's statistics are read once per process and STATISTICS_SECONDS: a first search
    # before, then none.)
    expected = 3 if connection.vendor == "postgresql" else 2
    client.get("/search/", {"q": "科技", "province": "11", "page": "3"})
    for page in ("1", "2"):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/search/", {"q": "科技", "province": "11", "page": page})
        assert len(statements(ctx)) == expected
    # With one match, page 2 falls back to the only page.
    assert len(response.context["result"].page.rows) == (20 if rows == 50 else 1)


def test_it_finds_an_enterprise_by_the_start_of_its_code(client):
    match = EnterpriseFactory(name="北京甲乙有限公司")
    other = EnterpriseFactory(name="北京丙丁有限公司", uscc=match.uscc[:2] + "310101" + match.uscc[8:16] + "00")
    other.refresh_from_db()
    code = match.uscc
    for typed in (code[:8], code[:8].lower(), f"{code[:4]} {code[4:10]}", code[:12]):
        cache.clear()  # the same address twice is a whole-page cache hit, without a context to read
        assert names(client.get("/search/", {"q": typed})) == [match.name], typed
    # Seven characters are not yet taken for a code.
    assert names(client.get("/search/", {"q": code[:7]})) == []


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


@pytest.mark.parametrize(
    ("query", "sound"),
    [("", True), ("科", True), ("科技", True), ("北京市", False), ("北京 科技", False), ("ab", False), ("王小明", False)],
)
def test_only_single_token_terms_and_filters_trust_the_planner(query, sound):
    assert selectors.search.search_estimate_is_sound(query) is sound


def test_a_search_forms_fields_are_not_changed_by_a_request():
    """The form's fields are copied shallow per form (credit.filters._FieldsCopiedShallow): a
    form with an error, rendered, leaves the next form's fields and widgets as they were."""
    from credit.filters import EnterpriseFilter

    def form(data):
        filterset = EnterpriseFilter(data=data, queryset=Enterprise.objects.all())
        filterset.form.is_valid()
        return filterset.form

    fresh = form({"q": "科技"})
    before = {name: (dict(field.widget.attrs), list(field.choices) if hasattr(field, "choices") else None,
                     dict(field.error_messages)) for name, field in fresh.fields.items()}
    bad = form({"q": "科技", "province": "99", "status": "nope"})
    assert bad.errors
    str(bad)  # render every field with its error
    after = form({"q": "科技"})
    assert {name: (dict(field.widget.attrs), list(field.choices) if hasattr(field, "choices") else None,
                   dict(field.error_messages)) for name, field in after.fields.items()} == before
