"""The GIN token path must return exactly what a plain substring search returns.

Runs only against PostgreSQL (DATABASE_URL=postgres://...); SQLite has no GIN path.
"""

from __future__ import annotations

import json
import re

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


# --- Bounded search: one scan of at most SEARCH_COUNT_LIMIT + 1 candidates ----------------

LIMIT = 30


def _corpus_names() -> list[str]:
    """The corpus's names in a fixed shuffled order (every term's matches spread over the ids)."""
    import random

    names = (
        [f"北京某某{i}网络科技有限公司" for i in range(25)]
        + [f"上海某某{i}科技发展有限公司" for i in range(43)]
        + ["北京鑫源科技有限公司", "深圳鑫源贸易有限公司"]
        + [f"广州某某{i}餐饮管理有限公司" for i in range(12)]
    )
    random.Random(9).shuffle(names)
    return names


@pytest.fixture
def corpus(settings):
    """Frequent (科技: 70, above the bound), mid-frequency (网络科技: 25, more than a page),
    rare (鑫源: 2) terms, interleaved so that every term's matches are spread over the ids."""
    settings.SEARCH_COUNT_LIMIT = LIMIT
    names = _corpus_names()
    for name in names:
        EnterpriseFactory(name=name, region_code="110108" if name.startswith("北京") else "440305")


def analyse() -> None:
    """ANALYZE inside the test's transaction, and the search's copy of the statistics forgotten."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE credit_enterprise")
    selectors.search.planner_statistics_clear()


def plain_matches(query: str, **filters) -> list[int]:
    from django.db.models import Q

    q = Q()
    for term in query.split():
        q &= Q(name__icontains=term)
    return list(Enterprise.objects.filter(q, **filters).order_by("id").values_list("id", flat=True))


@pytest.mark.parametrize(
    ("query", "params", "filters"),
    [
        ("科", {}, {}),  # 1 character, frequent
        ("科技", {}, {}),  # 2 characters, frequent
        ("网络科技", {}, {}),  # mid-frequency: exact count, two pages
        ("鑫源", {}, {}),  # rare
        ("鑫源科技", {}, {}),  # rare, rechecked as a substring
        ("北京 科技", {}, {}),  # several terms
        ("科技", {"province": "44"}, {"region_code__startswith": "44"}),  # a keyword and a filter
    ],
)
def test_bounded_search_is_correct_for_every_frequency(client, corpus, query, params, filters):
    expected = plain_matches(query, **filters)
    assert expected
    first = client.get("/search/", {"q": query, **params}).context["result"].page
    shown = []
    for number in range(1, first.num_pages + 1):
        page = client.get("/search/", {"q": query, **params, "page": number}).context["result"].page
        assert page.number == number
        shown.extend(e.id for e in page.rows)
    if len(expected) <= LIMIT:
        # Exact below the bound: every match once, in id order.
        assert (first.count, first.bounded) == (len(expected), False)
        assert shown == expected
    else:
        # "More than LIMIT": LIMIT distinct matches in id order, pages stop at the bound.
        assert (first.count, first.bounded) == (LIMIT, True)
        assert len(shown) == LIMIT and shown == sorted(set(shown)) and set(shown) <= set(expected)
    # No missing rows on page 1: a fresh table stores rows in id order, so the first
    # candidates the index gives are the first matches by id.
    assert [e.id for e in first.rows] == expected[:20]


def test_filters_alone_are_bounded(client, corpus):
    expected = list(Enterprise.objects.filter(region_code="110108").order_by("id").values_list("id", flat=True))
    page = client.get("/search/", {"province": "11"}).context["result"].page
    assert (page.count, page.bounded) == (min(len(expected), LIMIT), len(expected) > LIMIT)
    assert [e.id for e in page.rows] == expected[:20]


def explain(queryset) -> str:
    sql, params = selectors.bounded_page_sql(queryset, page=1, columns=selectors.search.SEARCH_COLUMNS)
    with selectors.planner_proof(queryset.db), connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("科", "credit_enterprise_tokens_gin"),
        ("网络科技", "credit_enterprise_tokens_gin"),
        ("北京 科技", "credit_enterprise_tokens_gin"),
        ("Xinyuan", "credit_enterprise_name_en_trgm"),
        ("{uscc8}", "credit_enterprise_uscc_"),  # Django's _like B-tree or migration 0019's prefix index
        ("王小明", "credit_enterprise_legal_representative_name_5d10ca5f"),
    ],
)
def test_the_candidates_come_from_the_indexes(corpus, query, index):
    """Planner-proof: with sequential scans forbidden (every search whose estimate is not
    sound), whatever the estimate, the candidates come from an index and their scan runs
    under the LIMIT; the page's rows are fetched by primary key."""
    code = Enterprise.objects.earliest("id").uscc
    queryset = selectors.enterprise_name_match(Enterprise.objects.all(), query.format(uscc8=code[:8]))
    plan = explain(queryset)
    assert "Seq Scan on credit_enterprise" not in plan, plan
    assert index in plan, plan
    assert "credit_enterprise_pkey" in plan, plan
    # The candidates' scan runs under the LIMIT (it stops at SEARCH_COUNT_LIMIT + 1 rows).
    assert re.search(r"CTE candidates\n\s+->  Limit", plan), plan


def test_the_planner_settings_end_with_the_search():
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        before = cursor.fetchone()[0]
        selectors.bounded_page(Enterprise.objects.all(), page=1)
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone()[0] == before == "on"


@pytest.mark.parametrize(("query", "seqscan_forbidden"), [("科技", False), ("网络科技", True), ("北京 科技", True)])
def test_a_sequential_scan_is_forbidden_unless_the_estimate_is_sound(client, query, seqscan_forbidden):
    from django.test.utils import CaptureQueriesContext

    EnterpriseFactory(name="北京某某网络科技有限公司")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/search/", {"q": query}).context["result"].page.count == 1
    settings_sql = next(q["sql"] for q in ctx.captured_queries if "set_config" in q["sql"])
    assert "'jit'" in settings_sql and "'synchronize_seqscans'" in settings_sql
    assert ("'enable_seqscan'" in settings_sql) is seqscan_forbidden


# --- Frequent name terms: the bucket scan or the substring scan instead of the GIN ----------

SUBSTRING_SCAN = 'ORDER BY "credit_enterprise"."id" LIMIT'
BUCKET_SCAN = "generate_series"


@pytest.fixture
def no_bucket_scan(monkeypatch):
    """The substring scan's own behaviour, with the bucket scan out of the way."""
    from credit.selectors import search as search_module

    monkeypatch.setattr(search_module, "BUCKET_SCAN_MAX_BUCKETS", 0)


def analysed_search(client, query: str, **params):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/search/", {"q": query, **params}).context["result"].page
    searches = [q["sql"] for q in ctx.captured_queries if "WITH candidates" in q["sql"]]
    return page, searches


@pytest.fixture
def analysed(corpus):
    """The corpus with the GIN's statistics taken (ANALYZE runs inside the test's transaction)."""
    analyse()


@pytest.mark.parametrize("query", ["科", "科技", "网络科技", "北京 科技", "有限公司", "科技有限"])
@pytest.mark.parametrize("bucket_scan", [True, False])
def test_a_frequent_term_is_read_in_id_order_by_buckets_or_substring_and_stays_correct(client, analysed, query,
                                                                                        bucket_scan, monkeypatch):
    from credit.selectors import search as search_module

    monkeypatch.setattr(search_module, "BUCKET_SCAN_MAX_BUCKETS", 8 if bucket_scan else 0)
    # Whatever the tiny table's costs say, the bucket scan when it is allowed.
    monkeypatch.setattr(search_module, "BUCKET_SCAN_MAX_ENTRIES_PER_ROW", 10**9)
    expected = plain_matches(query)
    page, searches = analysed_search(client, query)
    # One query: by the bucketed index (the table is one bucket), or by substring tests over the
    # names in id order (capped or not: the table is small); never the GIN's whole posting lists.
    assert len(searches) == 1, searches
    if bucket_scan:
        assert BUCKET_SCAN in searches[0], searches
    else:
        assert "search_tokens" not in searches[0] and "LIKE" in searches[0], searches
    shown = []
    for number in range(1, page.num_pages + 1):
        shown.extend(e.id for e in analysed_search(client, query, page=number)[0].rows)
    if len(expected) <= LIMIT:
        assert (page.count, page.bounded, shown) == (len(expected), False, expected)
    else:
        # The first LIMIT matches in id order.
        assert (page.count, page.bounded, shown) == (LIMIT, True, expected[:LIMIT])


def test_the_substring_scan_reads_only_the_first_rows_when_the_table_is_large(client, analysed, settings, monkeypatch,
                                                                              no_bucket_scan):
    """Where the statistics say the table is larger than the rows that should hold N + 1
    matches, the scan is capped to those rows; a term that keeps its promise is answered by it."""
    from credit.selectors import search as search_module

    settings.SEARCH_COUNT_LIMIT = 5
    monkeypatch.setattr(search_module, "SUBSTRING_SCAN_MARGIN", 3)
    page, searches = analysed_search(client, "科技有限")
    assert len(searches) == 1 and SUBSTRING_SCAN in searches[0], searches
    assert (page.count, page.bounded) == (5, True)
    assert [e.id for e in page.rows] == plain_matches("科技有限")[:5]


def test_a_term_rarer_than_its_tokens_falls_back_to_the_index(client, analysed, settings, monkeypatch, no_bucket_scan):
    """北京 and 发展 are each frequent but never together: the capped scan finds fewer than
    N + 1 and the index query answers, exactly."""
    from credit.selectors import search as search_module

    settings.SEARCH_COUNT_LIMIT = 5
    monkeypatch.setattr(search_module, "SUBSTRING_SCAN_MARGIN", 1)
    page, searches = analysed_search(client, "北京 发展")
    assert len(searches) == 2 and SUBSTRING_SCAN in searches[0] and SUBSTRING_SCAN not in searches[1], searches
    assert (page.count, page.bounded, page.rows) == (0, False, [])
    page, _ = analysed_search(client, "某某1 发展")
    assert [e.id for e in page.rows] == plain_matches("某某1 发展")[:5]


def test_rare_terms_keep_the_index(client, analysed):
    page, searches = analysed_search(client, "鑫源科技")
    assert len(searches) == 1 and "search_tokens" in searches[0]
    assert [e.id for e in page.rows] == plain_matches("鑫源科技")


@pytest.fixture
def bucketed(settings, monkeypatch):
    """120 names in three buckets (ids 1-40, 65,537-65,576, 131,073-131,112), in id order in the
    table: 科技 in three of four, 餐饮 in the others, ABC科技 in ten names of bucket 0, 鑫源 only in
    the last bucket (in three names, one of them with a representative of that name, and as the
    representative of two names without the substring, one of which holds its token). The bucket
    scan is chosen whatever the (tiny) table's costs say."""
    from credit.selectors import search as search_module

    settings.SEARCH_COUNT_LIMIT = 5
    monkeypatch.setattr(search_module, "BUCKET_SCAN_MAX_ENTRIES_PER_ROW", 10**9)
    for bucket in range(3):
        for number in range(40):
            extra = {}
            if bucket == 2 and number < 3:
                name = "北京鑫源科技有限公司"
                if number == 2:
                    extra = {"legal_representative__name": "鑫源"}
            elif bucket == 2 and number == 3:
                name, extra = "北京某某科技有限公司", {"legal_representative__name": "鑫源"}
            elif bucket == 2 and number == 4:
                # The token 鑫源 (whitespace is not part of a name's tokens), not the substring.
                name, extra = "北京鑫 源贸易有限公司", {"legal_representative__name": "鑫源"}
            elif bucket == 0 and number % 4 == 1:
                name = f"深圳某某{number}ABC科技有限公司"
            elif number % 4:
                name = f"上海某某{number}科技有限公司"
            else:
                name = f"广州某某{number}餐饮管理有限公司"
            EnterpriseFactory(id=bucket * 65536 + number + 1, name=name, **extra)
    analyse()


def xinyuan_matches() -> list[int]:
    from django.db.models import Q

    return list(Enterprise.objects.filter(Q(name__contains="鑫源") | Q(legal_representative_name="鑫源"))
                .order_by("id").values_list("id", flat=True))


def test_a_term_with_letter_case_is_matched_in_any_case_by_the_bucket_scan(client, bucketed):
    """abc科 in ABC科技's names: the bucket scan's recheck ignores letter case, as the index
    query's does, so the bucket holds its matches and answers alone."""
    expected = plain_matches("abc科")
    assert len(expected) == 10
    page, searches = analysed_search(client, "abc科")
    assert len(searches) == 1 and BUCKET_SCAN in searches[0], searches
    assert (page.count, page.bounded, [e.id for e in page.rows]) == (5, True, expected[:5])


def test_the_bucket_scan_stops_in_the_first_bucket_that_holds_enough(client, bucketed):
    expected = plain_matches("科技")
    page, searches = analysed_search(client, "科技")
    assert len(searches) == 1 and "generate_series(0, 0)" in searches[0], searches
    assert (page.count, page.bounded) == (5, True)
    # Bucket 0's first matches: the first in id order.
    assert [e.id for e in page.rows] == expected[:5]


def test_a_term_missing_from_the_buckets_read_falls_back_to_the_index(client, bucketed):
    """鑫源 is frequent enough that its estimate promises N + 1 matches in bucket 0, but it is
    only in bucket 2, so bucket 0 holds none: the index query answers, exactly, each match once
    (the representative too)."""
    page, searches = analysed_search(client, "鑫源")
    assert len(searches) == 2 and "generate_series(0, 0)" in searches[0] and BUCKET_SCAN not in searches[1], searches
    assert (page.count, page.bounded, [e.id for e in page.rows]) == (5, False, xinyuan_matches())


def test_buckets_that_cover_the_table_give_the_exact_answer(client, bucketed, monkeypatch):
    """With a margin that sends the scan over four buckets (the table has three), its answer is
    complete: one query, every match once, the representative not counted twice."""
    from credit.selectors import search as search_module

    # 鑫源 is a token of 4 of 120 names: ceil(6 x 1,000 / (0.033 x 65,536)) = 3 buckets; 1,200: 4.
    monkeypatch.setattr(search_module, "SUBSTRING_SCAN_MARGIN", 1_200)
    page, searches = analysed_search(client, "鑫源")
    assert len(searches) == 1 and "generate_series(0, 3)" in searches[0], searches
    assert (page.count, page.bounded, [e.id for e in page.rows]) == (5, False, xinyuan_matches())
    # A frequent term still stops at N + 1 matches: the first five in id order.
    page, shown, _ = all_pages(client, "餐饮")
    assert (page.count, page.bounded, shown) == (5, True, plain_matches("餐饮")[:5])


def test_a_long_term_is_looked_up_by_its_rarest_tokens(client, analysed):
    """科技有限's 有限 is in every name: the index reads only the rarer 科技 and 技有, and the
    substring test rechecks the phrase."""
    from credit.selectors import search as search_module

    shares = {"科技": 0.2, "技有": 0.2, "有限": 0.8}
    assert search_module.name_tokens_to_read([["科技", "技有", "有限"]], shares) == {"科技", "技有"}
    # A token the statistics do not hold is rarer than any they hold.
    assert search_module.name_tokens_to_read([["鑫源", "源科", "科技"]], {"科技": 0.7, "源科": 0.001}) == {"鑫源"}
    queryset = selectors.enterprise_name_match(Enterprise.objects.all(), "鑫源科技", kept_tokens=frozenset({"鑫源"}))
    sql = str(queryset.query)
    assert re.search(r"ARRAY\[([^\]]*)\]", sql).group(1) == "鑫源" and "%鑫源科技%" in sql, sql
    assert list(queryset.order_by("id").values_list("id", flat=True)) == plain_matches("鑫源科技")


def test_a_code_prefix_is_read_from_the_prefix_index_then_the_other_matches(client, corpus):
    from django.db.models import Q

    code = Enterprise.objects.earliest("id").uscc[:8]
    # A name that holds the code's start and a code that does not start with it: the second part's.
    in_name = EnterpriseFactory(name=f"北京{code}科技有限公司")
    Enterprise.objects.filter(pk=in_name.pk).update(uscc="9" + ("3" if code[1] != "3" else "4") + in_name.uscc[2:])
    expected = list(Enterprise.objects.filter(Q(uscc__startswith=code) | Q(name__icontains=code)).order_by("id")
                    .values_list("id", flat=True))
    assert in_name.pk in expected
    page, shown, searches = all_pages(client, code)
    assert "UNION ALL" in searches[0] and "NOT" in searches[0], searches
    if len(expected) <= LIMIT:
        assert (page.count, page.bounded, shown) == (len(expected), False, expected)
    else:
        # The first LIMIT + 1 in the prefix index's order, shown in id order.
        assert (page.count, page.bounded, len(shown)) == (LIMIT, True, LIMIT)
        assert shown == sorted(set(shown)) and set(shown) <= set(expected)
    with connection.cursor() as cursor, selectors.planner_proof("default"):
        cursor.execute("EXPLAIN " + searches[0].replace("%", "%%"))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The codes come from one of the code's B-trees (migration 0019's or Django's), never a scan.
    assert "credit_enterprise_uscc_" in plan and "Seq Scan" not in plan, plan


def all_pages(client, query: str, **params) -> tuple[object, list[int], list[str]]:
    page, searches = analysed_search(client, query, **params)
    shown = []
    for number in range(1, page.num_pages + 1):
        shown.extend(e.id for e in analysed_search(client, query, page=number, **params)[0].rows)
    return page, shown, searches


def assert_bounded_answer(page, shown, expected):
    if len(expected) <= LIMIT:
        assert (page.count, page.bounded, shown) == (len(expected), False, expected)
    else:
        assert (page.count, page.bounded, shown) == (LIMIT, True, expected[:LIMIT])


@pytest.fixture
def filtered_corpus(settings):
    """The corpus's names, those with a 1 revoked and of risk class D, created so (an update
    would move rows out of id order in the table, which a bounded page's candidates follow)."""
    settings.SEARCH_COUNT_LIMIT = LIMIT
    names = _corpus_names()
    for name in names:
        EnterpriseFactory(name=name, region_code="110108" if name.startswith("北京") else "440305",
                          **({"status": "revoked", "risk_class": "D"} if "1" in name else {"status": "active"}))
    analyse()


@pytest.mark.parametrize(
    ("query", "params", "filters"),
    [
        ("网络科技", {"province": "11"}, {"region_code__startswith": "11"}),
        ("科技", {"province": "44"}, {"region_code__startswith": "44"}),
        ("科技", {"status": "revoked"}, {"status": "revoked"}),
        ("科技", {"status": "revoked", "risk_class": "D"}, {"status": "revoked", "risk_class": "D"}),
        ("餐饮", {"province": "44", "status": "active"}, {"region_code__startswith": "44", "status": "active"}),
        ("鑫源", {"province": "11"}, {"region_code__startswith": "11"}),
    ],
)
def test_a_name_with_filters_is_exact_below_the_bound_and_the_first_matches_above(client, filtered_corpus, query,
                                                                                     params, filters):
    """Whichever way the statistics send it (the substring scan in id order, the filters'
    B-trees, the GIN), a name with filters gives every match once below the bound and the
    first LIMIT in id order above it."""
    expected = plain_matches(query, **filters)
    assert expected
    page, shown, _ = all_pages(client, query, **params)
    assert_bounded_answer(page, shown, expected)


def test_a_frequent_name_with_filters_is_read_in_id_order_by_substring(client, analysed, no_bucket_scan):
    """网络科技 (30% of names) in province 11 (32%): the share is known from the statistics."""
    page, shown, searches = all_pages(client, "网络科技", province="11")
    assert "search_tokens" not in searches[0] and "LIKE" in searches[0], searches
    assert_bounded_answer(page, shown, plain_matches("网络科技", region_code__startswith="11"))


def test_rare_filters_are_read_through_their_index(client, analysed):
    """Few revoked names and a frequent term: the status B-tree gives the candidates and the
    name is tested by substring, no bitmap of the term's whole posting list."""
    few = list(Enterprise.objects.filter(name__contains="科技").order_by("id")[:2])
    Enterprise.objects.filter(pk__in=[e.pk for e in few]).update(status="revoked")
    analyse()
    page, shown, searches = all_pages(client, "科技", status="revoked")
    assert len(searches) == 1 and "search_tokens" not in searches[0] and SUBSTRING_SCAN not in searches[0], searches
    assert_bounded_answer(page, shown, [e.id for e in few])


@pytest.fixture
def english(corpus):
    """English names: "Ltd." in most, "Xinyuan" in two."""
    for number, enterprise in enumerate(Enterprise.objects.order_by("id")):
        enterprise.name_en = "Beijing Xinyuan Technology Co., Ltd." if "鑫源" in enterprise.name else (
            f"Shanghai Number {number} Co., Ltd." if number % 5 else "")
        enterprise.save(update_fields=["name_en"])
    analyse()


def english_matches(query: str) -> list[int]:
    """The ids whose English name holds every term of `query`, in any letter case."""
    from django.db.models import Q

    english_q = Q()
    for term in query.split():
        english_q &= Q(name_en__icontains=term)
    return list(Enterprise.objects.filter(english_q).order_by("id").values_list("id", flat=True))


def test_a_frequent_english_word_is_read_in_id_order_by_substring(client, english):
    """The trigram index's statistics put "Ltd." in 80% of the rows: no bitmap of every
    English name, the first matches in id order."""
    page, shown, searches = all_pages(client, "ltd.")
    assert "UPPER" in searches[0] and "search_tokens" not in searches[0], searches
    assert_bounded_answer(page, shown, english_matches("ltd."))


def test_a_rare_english_word_is_read_through_the_window_index(client, english, monkeypatch):
    """A word whose matches the estimate puts beyond the buckets the bucket scan may read (here:
    none) is read as two parts: the English names through the four-character window index
    (migration 0020), then every other match."""
    from credit.selectors import search as search_module

    monkeypatch.setattr(search_module, "ENGLISH_BUCKET_SCAN_MAX_BUCKETS", 0)
    page, shown, searches = all_pages(client, "Xinyuan")
    assert len(searches) == 1 and "credit_name_en_quadgrams" in searches[0] and "search_tokens" in searches[0]
    assert "credit_name_en_trigram_buckets" not in searches[0], searches
    assert_bounded_answer(page, shown, english_matches("Xinyuan"))


@pytest.mark.parametrize("query", ["Xin", "Xinyuan Co"])
def test_an_english_query_with_a_short_term_keeps_the_trigram_index(client, english, monkeypatch, query):
    """A term of three characters has no four-character window: with the bucket scan out of
    the way, pg_trgm's index answers the whole query, never the window index."""
    from credit.selectors import search as search_module

    monkeypatch.setattr(search_module, "BUCKET_SCAN_MAX_BUCKETS", 0)
    monkeypatch.setattr(search_module, "SUBSTRING_SCAN_MIN_SHARE_ENGLISH", 2.0)
    page, shown, searches = all_pages(client, query)
    assert len(searches) == 1 and "credit_name_en_quadgrams" not in searches[0], searches
    assert "credit_name_en_trigram_buckets" not in searches[0], searches
    assert_bounded_answer(page, shown, english_matches(query))


def test_the_window_part_uses_its_index_and_nothing_else():
    """The window part's candidates come from migration 0020's GIN; a query it cannot serve
    (a term shorter than four characters, a term not in Latin script) has no window part."""
    EnterpriseFactory(name="北京鑫源科技有限公司", name_en="Beijing Xinyuan Technology Co., Ltd.")
    match = selectors.enterprise_name_match
    plan = explain(match(Enterprise.objects.all(), "Xinyuan", mode="english"))
    assert "credit_enterprise_name_en_quadgrams_gin" in plan, plan
    assert match(Enterprise.objects.all(), "xinyuan tech", mode="english").count() == 1
    assert not match(Enterprise.objects.all(), "Xinyuan Co", mode="english").exists()
    assert not match(Enterprise.objects.all(), "Xinyuan 鑫源科技", mode="english").exists()


@pytest.mark.parametrize("query", ["Xinyuan", "xinyuan trading", "Shanghai number", "100%_a"])
def test_the_window_parts_find_every_match_once(client, english, monkeypatch, query):
    """The window index's part and the rest are disjoint and together every match: an English
    name, a Chinese name holding the word, a legal representative of that name, none twice,
    and LIKE's wildcards taken literally."""
    from credit.selectors import search as search_module

    monkeypatch.setattr(search_module, "ENGLISH_BUCKET_SCAN_MAX_BUCKETS", 0)
    monkeypatch.setattr(search_module, "SUBSTRING_SCAN_MIN_SHARE_ENGLISH", 2.0)
    EnterpriseFactory(name="深圳XINYUAN贸易有限公司", name_en="")
    EnterpriseFactory(name="北京某某贸易有限公司", name_en="Xinyuan Trading Co., Ltd.", legal_representative__name="Xinyuan")
    EnterpriseFactory(name="北京某某科技有限公司", name_en="Xinyuan 100%_A Co., Ltd.")
    EnterpriseFactory(name="北京某某服务有限公司", name_en="Xinyuan 1000A Co., Ltd.")  # not "100%_a"
    # Every window of the word, not the word: only the recheck tells.
    EnterpriseFactory(name="北京某某咨询有限公司", name_en="Xinyua Nyuan 100%_B 0%_A Co., Ltd.")
    analyse()
    representatives = Enterprise.objects.filter(legal_representative_name=query).values_list("id", flat=True)
    expected = sorted({*plain_matches(query), *english_matches(query), *representatives})
    assert expected
    page, shown, searches = all_pages(client, query)
    assert len(searches) == 1 and "credit_name_en_quadgrams" in searches[0], searches
    assert_bounded_answer(page, shown, expected)


def test_an_english_query_is_looked_for_in_capitals():
    assert selectors.search.english_parts("100%_a\\b ltd.") == ["100%_A\\B", "LTD."]
    assert selectors.search.english_parts("科技 ltd.") == []


def test_the_statistics_give_the_planners_own_estimate(corpus):
    """A chosen filter's share, read once from pg_stats and computed in Python, is the
    planner's estimate for that filter (its most common values, for equality)."""
    from credit.selectors import search as search_module

    Enterprise.objects.filter(pk__in=Enterprise.objects.order_by("id").values("pk")[:17]).update(status="revoked")
    analyse()
    known = search_module.planner_statistics("default")
    share = known.column_share("credit_enterprise", "status", "revoked")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) SELECT * FROM credit_enterprise WHERE status = 'revoked'")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert round(share * known.rows) == plan[0]["Plan"]["Plan Rows"] == 17
    assert known.shares["科技"] == pytest.approx(len(plain_matches("科技")) / Enterprise.objects.count())
    # Read once: the next search asks nothing more of pg_stats.
    assert search_module.planner_statistics("default") is known


def test_an_english_word_is_read_bucket_by_bucket_and_stays_exact(client, english, monkeypatch):
    """With the substring scan out of the way, a Latin query whose terms have three letters or
    more is read through the bucketed trigram index (migration 0019), then every other match:
    a Chinese name holding the word, a legal representative of that name, none counted twice."""
    from django.db.models import Q

    from credit.selectors import search as search_module

    monkeypatch.setattr(search_module, "SUBSTRING_SCAN_MIN_SHARE_ENGLISH", 2.0)
    in_name = EnterpriseFactory(name="深圳XINYUAN贸易有限公司", name_en="")
    both = EnterpriseFactory(name="北京某某贸易有限公司", name_en="Xinyuan Trading Co., Ltd.",
                             legal_representative__name="Xinyuan")
    analyse()
    expected = list(Enterprise.objects.filter(Q(name_en__icontains="xinyuan") | Q(name__icontains="xinyuan")
                                              | Q(legal_representative_name="Xinyuan")).order_by("id")
                    .values_list("id", flat=True))
    assert in_name.id in expected and both.id in expected
    page, shown, searches = all_pages(client, "Xinyuan")
    assert len(searches) == 1 and "credit_name_en_trigram_buckets" in searches[0], searches
    assert (page.count, page.bounded, shown) == (len(expected), False, expected)
    # Two words, frequent: the first matches in id order, from bucket 0.
    page, shown, searches = all_pages(client, "Shanghai number")
    assert "credit_name_en_trigram_buckets" in searches[0], searches
    both_words = list(Enterprise.objects.filter(name_en__icontains="shanghai").filter(name_en__icontains="number")
                      .order_by("id").values_list("id", flat=True))
    assert_bounded_answer(page, shown, both_words)


@pytest.fixture
def english_beyond_bucket_0(settings):
    """English names in buckets 0 and 2: "Xinyuan" only in three of bucket 2."""
    from credit.selectors import search as search_module

    settings.SEARCH_COUNT_LIMIT = 5
    for bucket in (0, 2):
        for number in range(20):
            english = "Xinyuan Trading Co., Ltd." if bucket == 2 and number < 3 else f"Shanghai {number} Co., Ltd."
            EnterpriseFactory(id=(bucket << search_module.BUCKET_BITS) + number + 1, name=f"上海某某{number}贸易有限公司",
                              name_en=english)
    analyse()


def test_an_english_bucket_scan_that_falls_short_gives_way_to_the_window_parts(client, english_beyond_bucket_0,
                                                                                monkeypatch):
    """An estimate that puts enough matches in bucket 0 when they are all in bucket 2: the bucket
    scan finds none, the window parts answer, exactly."""
    from credit.selectors import search as search_module

    monkeypatch.setattr(search_module, "english_share", lambda english, known: 0.2)
    page, shown, searches = all_pages(client, "Xinyuan")
    assert len(searches) == 2, searches
    assert "credit_name_en_trigram_buckets" in searches[0] and "credit_name_en_quadgrams" in searches[1], searches
    assert (page.count, page.bounded, shown) == (3, False, english_matches("xinyuan"))


def test_english_trigrams_and_patterns():
    from credit.selectors import search as search_module

    assert search_module.english_quadgrams(["Ltd.", "abcde"]) == ["ABCD", "BCDE", "LTD."]
    assert search_module.english_quadgrams(["Ltd", "Shanghai"]) == []  # a term too short for a window

    assert search_module.english_trigrams(["Ltd.", "abc"]) == ["ABC", "LTD", "TD."]
    assert search_module.english_trigrams(["Co", "Shanghai"]) == []  # a term too short for a trigram
    assert search_module._like_contains("100%_A\\B") == "%100\\%\\_A\\\\B%"


def test_the_window_function_matches_the_search():
    """Migration 0020's windows of a name are english_quadgrams of it (distinct, in capitals),
    none for a name shorter than four characters."""
    from credit.selectors import search as search_module

    with connection.cursor() as cursor:
        cursor.execute("SELECT credit_name_en_quadgrams('Abc abcd'), credit_name_en_quadgrams('Abc'), "
                       "credit_name_en_quadgrams('')")
        windows, short, empty = cursor.fetchone()
    assert sorted(windows) == search_module.english_quadgrams(["Abc abcd"]) == [" ABC", "ABC ", "ABCD", "BC A", "C AB"]
    assert short == empty == []


def test_the_window_statistics_estimate_a_latin_word(english):
    """ANALYZE of the window index gives each window's share of names; a word is estimated by
    its rarest window, a word shorter than four characters by the histogram of UPPER(name_en)."""
    from credit.selectors import search as search_module

    known = search_module.planner_statistics("default")
    total = Enterprise.objects.count()
    assert known.quadgrams["XINY"] == pytest.approx(len(english_matches("xiny")) / total)
    assert search_module.english_share(["XINYUAN"], known) == pytest.approx(len(english_matches("xinyuan")) / total)
    # Terms are taken as independent, as the Chinese terms are (match_share).
    assert search_module.english_share(["XINYUAN", "NUMBER"], known) == pytest.approx(
        len(english_matches("xinyuan")) * len(english_matches("number")) / total ** 2)
    assert search_module.english_share(["LTD"], known) == known.column_share(
        *search_module.ENGLISH_NAME_STATISTICS, ["LTD"], like=True)


def test_the_bucket_functions_match_the_search():
    """The migration's SQL functions and BUCKET_BITS agree: id 65,536 x 3 is in bucket 3."""
    from credit.selectors import search as search_module

    first = 3 << search_module.BUCKET_BITS
    with connection.cursor() as cursor:
        cursor.execute("SELECT credit_name_token_buckets('科 技 科技', %s), credit_bucket_tokens(ARRAY['科技'], 3), "
                       "credit_name_en_trigram_buckets('Ab cd', %s)", [first, first - 1])
        tokens, query, trigrams = cursor.fetchone()
    assert tokens == ["科#3", "技#3", "科技#3"] and query == ["科技#3"]
    assert sorted(trigrams) == sorted(["AB #2", "B C#2", " CD#2"])


def test_the_statistics_hold_every_filters_column():
    from credit.filters import EnterpriseFilter
    from credit.selectors import search as search_module

    filterset = EnterpriseFilter(data={"province": "11", "entity_type": "partnership", "status": "revoked",
                                       "risk_class": "D"}, queryset=Enterprise.objects.all())
    assert filterset.form.is_valid(), filterset.form.errors
    columns = {column for column, *_ in filterset.column_conditions()}
    assert len(columns) == 4 and columns <= set(search_module.STATISTICS_COLUMNS)
