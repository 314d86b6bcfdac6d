"""Enterprise search: by name (Chinese substrings through the unigram/bigram index),
by legal representative, or straight to a file by its code."""

from __future__ import annotations

import json
import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import BooleanField, Func, Q, QuerySet, TextField
from django.db.models.expressions import RawSQL

from credit import uscc as uscc_rules
from credit.models import Enterprise
from credit.search import normalise_text, query_tokens

SEARCH_PAGE_SIZE = 20
# Only the columns the result table shows: search_tokens and business_scope are wide.
SEARCH_COLUMNS = ("uscc", "name", "name_en", "legal_representative_name", "status", "established_on", "region_code")
# The bucketed token index (credit migration 0019): each name's tokens suffixed with `#` and
# the row's bucket, id >> BUCKET_BITS (65,536 ids a bucket; the 16 of the migration's function).
BUCKET_BITS = 16
BUCKET_ROWS = 1 << BUCKET_BITS
# The test of one bucket, bucket.b of the bucket scan (bucket_candidates): the indexed expression
# holds the query's tokens for that bucket.
BUCKET_TOKENS_TEST = (
    'credit_name_token_buckets("credit_enterprise"."search_tokens", "credit_enterprise"."id") '
    "@> credit_bucket_tokens(%s::text[], bucket.b)"
)
ENGLISH_BUCKET_TEST = (
    'credit_name_en_trigram_buckets("credit_enterprise"."name_en", "credit_enterprise"."id") '
    "@> credit_bucket_tokens(%s::text[], bucket.b)"
)
# The English name's four-character windows (credit migration 0020): a query in Latin letters
# whose terms have four characters or more is looked up by them, not by pg_trgm's trigrams.
ENGLISH_QUADGRAMS_TEST = 'credit_name_en_quadgrams("credit_enterprise"."name_en") @> %s::text[]'
# A term of this many characters or more from the code's alphabet is also taken for the
# start of a code: the first 8 name the registration authority, the entity category and the
# region (docs/rules.md, USCC).
USCC_PREFIX_MIN_LENGTH = 8


class NameTokenArray(Func):
    """string_to_array(search_tokens, ' '): the exact expression of the GIN index
    created in migration 0002, so the planner can use it for `@>`."""

    template = "string_to_array(%(expressions)s, ' ')"

    def __init__(self, expression, **extra):
        from django.contrib.postgres.fields import ArrayField

        super().__init__(expression, output_field=ArrayField(TextField()), **extra)


def search_terms(query: str) -> list[str]:
    """Whitespace separates terms; each must occur in the name."""
    return [term for term in (query or "").split() if term]


def english_name_q(terms: list[str]) -> Q:
    """The English name contains every term, in any letter case (UPPER(name_en) LIKE,
    served on PostgreSQL by the trigram index of credit migration 0005). Only for terms
    in Latin script: a Chinese term is never part of an English name."""
    if not terms or not all(term.isascii() for term in terms):
        return Q(pk__in=[])
    english_q = Q()
    for term in terms:
        english_q &= Q(name_en__icontains=term)
    return english_q


def uscc_prefix_q(query: str) -> Q:
    """The code starts with the query: 8 to 18 characters of the code's alphabet, typed as
    loosely as a whole code (credit.uscc.normalise). On PostgreSQL LIKE 'prefix%' is served
    by the varchar_pattern_ops B-tree Django creates for the unique `uscc`
    (credit_enterprise_uscc_..._like, credit migration 0001), and by credit_enterprise_uscc_prefix
    (migration 0019), which also holds the id: the code scan (bounded_page) reads it alone."""
    code = uscc_rules.normalise(query)
    if not uscc_rules.could_start_code(code, min_length=USCC_PREFIX_MIN_LENGTH):
        return Q(pk__in=[])
    return Q(uscc__startswith=code)


def enterprise_name_match(queryset: QuerySet[Enterprise], query: str, *, substring: bool = False,
                          mode: str = "", kept_tokens: frozenset[str] | None = None) -> QuerySet[Enterprise]:
    """Enterprises whose name (or English name) contains every term of the query, whose
    legal representative is named exactly `query`, or whose code starts with it.

    On PostgreSQL the GIN index over the name's unigrams and bigrams finds the
    candidates (a LIKE '%..%' of one or two Chinese characters cannot use pg_trgm). A
    term of one or two characters is its own token, so the token test is the whole
    test; a longer term is rechecked with a substring test, because holding all its
    bigrams does not make it a substring. Skipping the redundant recheck matters: the
    planner cannot estimate LIKE '%..%' well, and multiplying it into a common term's
    estimate makes it choose a bitmap over hundreds of thousands of rows instead of a
    scan that stops after SEARCH_COUNT_LIMIT + 1 matches (bounded_page).

    `substring` (or `mode="substring"`): the same matches by plain substring tests only (what
    SQLite always runs), for the substring scan of a frequent term (bounded_page), where the
    token test would only cost time.

    For a query that may start a code (uscc_prefix_q), on PostgreSQL, the two halves of the
    code scan: `mode="code"`, the codes that start with it (a B-tree range that a LIMIT stops),
    and `mode="not code"`, every other match.

    For a query in Latin letters whose terms have three characters or more (english_trigrams),
    on PostgreSQL, the two halves of its bucket scan: `mode="english bucket"`, the English names
    that match, through the bucketed trigram index one bucket at a time, and `mode="not
    english"`, every other match. For terms of four characters or more (english_quadgrams),
    `mode="english"` is the English names that match through the four-character window index,
    the first of the two parts of the index query (bounded_page).

    For a query of Chinese terms only (name_term_tokens), on PostgreSQL, the two halves of
    the bucket scan (bucket_candidates): `mode="bucket"`, the names that match, read through
    the bucketed token index one bucket at a time (the bucket is the SQL name bucket.b of the
    enclosing query); `mode="representative"`, the legal representatives named `query` whose
    enterprise's name does not match (so no row is found twice).

    `kept_tokens`: of a term longer than two characters (rechecked as a substring), only these
    of its tokens go to the index (name_tokens_to_read): its frequent bigrams would make the
    index read their whole posting lists for nothing.
    """
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    substring = substring or mode == "substring"
    if mode in ("bucket", "representative"):
        return _chinese_name_part(queryset, terms, mode=mode, kept_tokens=kept_tokens)
    if mode == "english bucket":
        return _english_bucket_part(queryset, terms)
    if mode == "english":
        return _english_window_part(queryset, terms)
    if substring or connection.vendor != "postgresql":
        name_q = Q()
        for term in terms:
            name_q &= _name_contains_q(term)
        return queryset.filter(
            name_q | english_name_q(terms) | Q(legal_representative_name=" ".join(terms)) | uscc_prefix_q(query)
        )
    tokens, name_q = _token_test(terms, kept_tokens)
    queryset = queryset.alias(name_token_array=NameTokenArray("search_tokens"))
    name_q &= Q(name_token_array__contains=tokens)
    others = name_q | english_name_q(terms) | Q(legal_representative_name=" ".join(terms))
    if mode == "not english":
        return queryset.filter(name_q | Q(legal_representative_name=" ".join(terms)) | uscc_prefix_q(query)).exclude(
            english_name_q(terms))
    if mode == "code":
        return queryset.filter(uscc_prefix_q(query))
    if mode == "not code":
        return queryset.filter(others).exclude(uscc_prefix_q(query))
    return queryset.filter(others | uscc_prefix_q(query))


def _name_contains_q(term: str) -> Q:
    """The name holds `term`: a term without letter case uses LIKE on the column itself, whose
    statistics give the planner a usable estimate (UPPER(name) has none)."""
    return Q(name__contains=term) if term.lower() == term.upper() else Q(name__icontains=term)


def _token_test(terms: list[str], kept_tokens: frozenset[str] | None) -> tuple[list[str], Q]:
    """The index's name test of `terms`: the tokens to look up (term_tokens_to_read, each once)
    and the substring recheck of every term longer than two characters (holding all its
    bigrams does not make it a substring)."""
    tokens: list[str] = []
    recheck = Q()
    for term in terms:
        tokens.extend(term_tokens_to_read(term, kept_tokens))
        if len(normalise_text(term)) > 2:
            recheck &= _name_contains_q(term)
    return list(dict.fromkeys(tokens)), recheck


def term_tokens_to_read(term: str, kept_tokens: frozenset[str] | None) -> list[str]:
    """The index tokens a term is looked up by: all of them, or, for a term rechecked as a
    substring (longer than two characters), those of `kept_tokens` (at least one)."""
    tokens = query_tokens(term)
    if kept_tokens is None or len(normalise_text(term)) <= 2:
        return tokens
    return [token for token in tokens if token in kept_tokens] or tokens


def _chinese_name_part(queryset: QuerySet[Enterprise], terms: list[str], *, mode: str,
                       kept_tokens: frozenset[str] | None) -> QuerySet[Enterprise]:
    """The halves of a bucket scan (enterprise_name_match, mode "bucket" or "representative"):
    the index query's own name test (the tokens read, a term of three characters or more
    rechecked as a substring, in any letter case if it has one), with the tokens of the row's
    bucket; and the representatives of that name whose row fails exactly that test."""
    tokens, name_q = _token_test(terms, kept_tokens)
    if mode == "representative":
        queryset = queryset.alias(name_token_array=NameTokenArray("search_tokens"))
        return queryset.filter(legal_representative_name=" ".join(terms)).exclude(
            Q(name_token_array__contains=tokens) & name_q)
    in_bucket = RawSQL(BUCKET_TOKENS_TEST, [tokens], output_field=BooleanField())
    return queryset.filter(in_bucket, name_q)


def english_windows(terms: list[str], size: int) -> list[str]:
    """The distinct `size`-character windows, in capitals, that an English name holding every
    term holds; [] if a term is shorter."""
    if not terms or any(len(term) < size for term in terms):
        return []
    upper = [term.upper() for term in terms]
    return sorted({term[i:i + size] for term in upper for i in range(len(term) - size + 1)})


def english_trigrams(terms: list[str]) -> list[str]:
    """The three-character windows of the terms (credit migration 0019's
    credit_name_en_trigram_buckets, by bucket)."""
    return english_windows(terms, 3)


def english_quadgrams(terms: list[str]) -> list[str]:
    """The four-character windows of the terms (credit migration 0020's credit_name_en_quadgrams)."""
    return english_windows(terms, 4)


def _like_contains(term: str) -> str:
    """LIKE's pattern for "contains `term`", escaped by Django's own icontains escaping."""
    return "%" + connection.ops.prep_for_like_query(term) + "%"


def _english_bucket_part(queryset: QuerySet[Enterprise], terms: list[str]) -> QuerySet[Enterprise]:
    """The English names of one bucket (bucket.b) that contain every term in any letter case:
    the bucketed trigram index gives the candidates, _english_rechecks checks each."""
    in_bucket = RawSQL(ENGLISH_BUCKET_TEST, [english_trigrams(terms)], output_field=BooleanField())
    return queryset.filter(in_bucket, *_english_rechecks(terms))


def _english_window_part(queryset: QuerySet[Enterprise], terms: list[str]) -> QuerySet[Enterprise]:
    """The English names that contain every term (of four characters or more) in any letter
    case: the four-character window index (credit migration 0020) gives the candidates,
    _english_rechecks checks each. A part of its own (bounded_page's `parts`), never an arm of
    an OR: there the heap scan would compute every candidate's windows again (30 us a row).
    Nothing for terms without windows or not all in Latin script (never an English match)."""
    windows = english_quadgrams(terms)
    if not windows or not all(term.isascii() for term in terms):
        return queryset.none()
    in_windows = RawSQL(ENGLISH_QUADGRAMS_TEST, [windows], output_field=BooleanField())
    return queryset.filter(in_windows, *_english_rechecks(terms))


def _english_rechecks(terms: list[str]) -> list[RawSQL]:
    """UPPER(name_en) LIKE (icontains's own test) for each term, written so that pg_trgm's index
    on UPPER(name_en) does not serve it: the candidates come from another index, and a bitmap
    AND with the trigrams' whole posting lists is what that index avoids."""
    return [RawSQL("UPPER(\"credit_enterprise\".\"name_en\"::text || '') LIKE %s", [_like_contains(term.upper())],
                   output_field=BooleanField()) for term in terms]


@dataclass
class SearchPage:
    rows: list[Enterprise]
    number: int
    num_pages: int
    count: int  # exact when not bounded, otherwise the limit
    bounded: bool  # True: more than `count` matches exist

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * SEARCH_PAGE_SIZE + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * SEARCH_PAGE_SIZE + len(self.rows)


# Planner settings for the one candidate scan on PostgreSQL, local to its transaction:
# - no JIT: the search's cost estimates pass jit_above_cost, and compiling the query took
#   150 ms where running it takes 10-30;
# - no parallel workers and no synchronised scans: the first BOUND + 1 candidates found
#   must be the same ones on every request (a sequential scan starts at the first block),
#   or paging through "more than N" would repeat or skip rows.
PLANNER_SETTINGS = {"jit": "off", "max_parallel_workers_per_gather": "0", "synchronize_seqscans": "off"}
# - and, unless the planner's estimate is trustworthy (search_estimate_is_sound), no
#   sequential scan: the candidates then come from the indexes (the token GIN, the English
#   name's trigrams, the code's and the representative's B-trees, the filters' B-trees).
#   A term whose match count the planner overestimates would otherwise read the table
#   until it found BOUND + 1 matches, or all of it.
NO_SEQSCAN = {"enable_seqscan": "off"}


def search_estimate_is_sound(query: str) -> bool:
    """Whether the planner's estimate of the match count comes straight from statistics:
    filters alone (each a column with its histogram) or one Chinese term of one or two
    characters (one token, whose frequency the GIN's element statistics hold). Then a
    frequent match is found fastest by a sequential scan that stops after BOUND + 1 rows
    (科: 5,000 rows, 11 ms, against 34 ms to build a bitmap of 200,000 index entries).
    Several tokens are estimated as if independent: 网络科技's bigrams were estimated at
    69 matches for 42,104."""
    terms = search_terms(query)
    if not terms:
        return True
    return len(terms) == 1 and len(normalise_text(terms[0])) <= 2 and not terms[0].isascii()


# A name query whose estimated share of matching names is at least this is read by the
# substring scan (bounded_page) instead of the token GIN: a GIN query intersects the whole
# posting lists of its tokens, which for frequent tokens (北京市: 170,000 entries) costs far
# more than reading names in id order until N + 1 match (about 6,000 for 北京市). Below it the
# GIN is cheaper (环保科技, 1.4%: 14,000 entries against 72,000 names read). Measured at
# 1,000,000 enterprises, bench/RESULTS.md "Frequent name terms". A frequent single token (科)
# is found faster this way too: a substring test costs a third of splitting search_tokens.
SUBSTRING_SCAN_MIN_SHARE = 0.03
# The same for a query in Latin letters (english_share): its substring scan tests UPPER() of the
# name and of the English name, about six times the cost per row of a Chinese term's. At
# 1,000,000 enterprises the bucketed trigrams cost about as much as the scan near 20-25%
# (TECHNOLOGY, 20%: 5.3 ms either way; BEIJING, 11%: 4.9 ms by buckets, 8.6 by substring; LTD.,
# 63%: 2.4 ms by substring, 4.6 by buckets). Measured in bench/RESULTS.md, "English words".
SUBSTRING_SCAN_MIN_SHARE_ENGLISH = 0.25
# The substring scan reads at most this many times the names the estimate says hold N + 1
# matches; if it finds fewer, the estimate was wrong and the GIN query answers instead. The
# bucket scan reads as many times the buckets.
SUBSTRING_SCAN_MARGIN = 2
# A Chinese name is read by the bucket scan (bucket_candidates_sql) when the estimate puts N + 1
# matches (times the margin) in at most this many buckets, and the bucketed index's entries it
# reads are at most this many times the names the substring scan would test: an entry costs
# less than a row read and tested (at a million enterprises 安, 5% of names: 2 ms by buckets,
# 11 ms by substring, 13 ms by the GIN; 有限公司, 77%: 1.7 ms by substring). Measured in
# bench/RESULTS.md, "Bucketed name tokens".
BUCKET_SCAN_MAX_BUCKETS = 8
BUCKET_SCAN_MAX_ENTRIES_PER_ROW = 1
# A Latin query's bucket scan reads at most this many buckets: its estimate (english_share, the
# rarest four-character window) overstates a compound transliteration whose windows are each
# common (CHENGHUA: 0.4% estimated, 0.05% real), a bucket read for nothing costs about 0.5 ms, and
# below about 0.7% of names the window index answers in 2-5 ms (bench/RESULTS.md, "English words").
ENGLISH_BUCKET_SCAN_MAX_BUCKETS = 4
# A name query with filters is read through the filters' B-trees (the name tested by
# substring) when the statistics put the filters' rows at most at this (the most the
# substring scan may read, 2 x 1,001 / 3%) and below the name index's entries.
FILTER_SCAN_MAX_ROWS = 66_734
# What the planner's statistics say, read from pg_stats once per STATISTICS_SECONDS per process
# (planner_statistics): they change only when ANALYZE runs (autovacuum's, after a tenth of the
# rows changed), and reading them on every search cost about 1 ms of PostgreSQL's CPU (the
# GIN's thousand most common tokens unnested per request).
STATISTICS_SECONDS = 300
STATISTICS_SQL = """SELECT (SELECT reltuples FROM pg_class WHERE oid = 'credit_enterprise'::regclass),
    (SELECT json_agg(json_build_array(s.tablename, s.attname, s.null_frac, s.most_common_vals::text::text[],
        s.most_common_freqs, s.histogram_bounds::text::text[], s.most_common_elems::text::text[],
        s.most_common_elem_freqs))
     FROM pg_stats s WHERE s.schemaname = current_schema()
       AND (s.tablename = ANY(%s) OR s.tablename = 'credit_enterprise' AND s.attname = ANY(%s)))"""
# The columns the search's filters test (EnterpriseFilter.column_conditions; a test checks that
# every filter's column is here): the wide columns' histograms are not worth reading.
STATISTICS_COLUMNS = ("region_code", "entity_type", "status", "risk_class")
# The GIN's statistics (ANALYZE of the expression index of migration 0002): the most common
# tokens and their shares of names.
TOKEN_STATISTICS = "credit_enterprise_tokens_gin"
# The English name's: the trigram index's expression UPPER(name_en), whose histogram estimates
# '%LTD.%' at 63% of the rows, as it is.
ENGLISH_NAME_STATISTICS = ("credit_enterprise_name_en_trgm", "upper")
# The English name's four-character windows (the GIN of credit migration 0020): the most common
# ones (down to about 0.2% of names) and their shares, by which a Latin query whose terms have
# four characters or more is estimated (the histogram's 101 sampled names cannot tell a word of
# 0.05% of names from one of 1%).
QUADGRAM_STATISTICS = "credit_enterprise_name_en_quadgrams_gin"


@dataclass(frozen=True)
class ColumnStatistics:
    null_frac: float
    values: tuple[str, ...]  # the most common values
    freqs: tuple[float, ...]  # their shares of rows
    bounds: tuple[str, ...]  # the histogram of the rest


@dataclass(frozen=True)
class PlannerStatistics:
    """One reading of pg_stats: the GIN's token shares, the table's row count when they were
    taken (0: never), each column's (and index expression's) statistics, and the English
    windows' shares (QUADGRAM_STATISTICS)."""

    shares: dict[str, float]
    rows: float
    columns: dict[tuple[str, str], ColumnStatistics]
    read_at: float = 0.0
    quadgrams: dict[str, float] = field(default_factory=dict)  # the English windows' shares of names

    def column_share(self, table: str, column: str, low: Any, high: Any = None, *, like: bool = False) -> float | None:
        """The share of rows whose `column` equals `low`, lies in [low, high), or (`like`)
        contains every string of `low`, as the planner reckons it: the most common values that
        pass, plus the rest's share times the passing part of the histogram (None: no
        statistics)."""
        stats = self.columns.get((table, column))
        if stats is None:
            return None
        if like:
            def passes(value: str) -> bool:
                return all(part in value for part in low)
        elif high is None:
            def passes(value: str) -> bool:
                return value == str(low)
        else:
            def passes(value: str) -> bool:
                return str(low) <= value < str(high)
        common = sum(freq for value, freq in zip(stats.values, stats.freqs, strict=True) if passes(value))
        rest = max(1 - stats.null_frac - sum(stats.freqs), 0)
        histogram = sum(passes(value) for value in stats.bounds) / len(stats.bounds) if stats.bounds else 0
        return common + rest * histogram


_statistics: dict[str, PlannerStatistics] = {}


def planner_statistics(using: str) -> PlannerStatistics:
    """The statistics of credit_enterprise, its token GIN and its English trigram and window
    indexes (empty off PostgreSQL), at most STATISTICS_SECONDS old."""
    db_connection = connections[using]
    if db_connection.vendor != "postgresql":
        return PlannerStatistics({}, 0.0, {})
    now = time.monotonic()
    cached = _statistics.get(using)
    if cached is not None and now - cached.read_at < STATISTICS_SECONDS:
        return cached
    with db_connection.cursor() as cursor:
        cursor.execute(STATISTICS_SQL, [[TOKEN_STATISTICS, ENGLISH_NAME_STATISTICS[0], QUADGRAM_STATISTICS],
                                        list(STATISTICS_COLUMNS)])
        rows, entries = cursor.fetchone()
    if isinstance(entries, str):
        entries = json.loads(entries)
    shares: dict[str, float] = {}
    quadgrams: dict[str, float] = {}
    columns: dict[tuple[str, str], ColumnStatistics] = {}
    element_shares = {TOKEN_STATISTICS: shares, QUADGRAM_STATISTICS: quadgrams}
    for table, column, null_frac, values, freqs, bounds, elements, element_freqs in entries or ():
        if table in element_shares:
            # most_common_elem_freqs ends with three more numbers (min, max, null share): zip stops before.
            element_shares[table].update(zip(elements or (), (float(f) for f in element_freqs or ()), strict=False))
            continue
        columns[(table, column)] = ColumnStatistics(
            float(null_frac or 0), tuple(values or ()), tuple(float(f) for f in freqs or ()), tuple(bounds or ()))
    _statistics[using] = snapshot = PlannerStatistics(shares, max(float(rows or 0), 0.0), columns, now,
                                                      quadgrams=quadgrams)
    return snapshot


def planner_statistics_clear() -> None:
    """Forget the statistics read (a test that runs ANALYZE; the next search reads them again)."""
    _statistics.clear()


@dataclass(frozen=True)
class TokenStatistics:
    """What the statistics say of a query: the share of names holding each GIN token they
    know, the table's row count when they were taken (0: never), and the share of every
    asked estimate (PlannerStatistics.column_share; None: no statistics)."""

    shares: dict[str, float]
    rows: float = 0.0
    estimates: tuple[float | None, ...] = ()


def name_term_tokens(query: str) -> list[list[str]]:
    """The GIN tokens of each term of a name query that only Chinese text can match (every
    term non-ASCII), or [] for any other query."""
    terms = search_terms(query)
    if not terms or any(term.isascii() for term in terms):
        return []
    return [query_tokens(term) for term in terms]


def english_parts(query: str) -> list[str]:
    """What UPPER(name_en) must contain for a query the English name can match (english_name_q):
    each term in capitals; [] for any other query."""
    terms = search_terms(query)
    if not terms or not all(term.isascii() for term in terms):
        return []
    return [term.upper() for term in terms]


def english_share(english: list[str], known: PlannerStatistics) -> float | None:
    """The estimated share of English names holding every part (english_parts): where each has
    four characters or more and the window index has statistics, match_share of their windows
    (a window the statistics do not list is rarer than 0.2% of names: 0); otherwise the
    histogram of UPPER(name_en) (None: no statistics)."""
    windows = [english_quadgrams([part]) for part in english]
    if english and known.quadgrams and all(windows):
        return match_share(windows, known.quadgrams)
    return known.column_share(*ENGLISH_NAME_STATISTICS, english, like=True)


def match_share(term_tokens: list[list[str]], shares: dict[str, float]) -> float:
    """The estimated share of names matching every term: a term holds all its tokens, so it
    is at most as frequent as its rarest token, and a chain of adjacent bigrams is rarely much
    rarer than its rarest link (网络科技: 络科 4.1%, the phrase 4.2%); a token missing from the
    statistics is rarer than all of them (0). Terms are taken as independent."""
    share = 1.0
    for tokens in term_tokens:
        share *= min((shares.get(token, 0.0) for token in tokens), default=0.0)
    return share


# One scan for the page and the count: at most BOUND + 1 candidate ids, in no order (an
# index scan under a LIMIT without ORDER BY stops as soon as it has them), then numbered by
# id; the page number is clamped to the pages there are, and only the page's rows are read.
BOUNDED_PAGE_SQL = """
WITH candidates AS MATERIALIZED ({candidates}),
numbered AS (
    SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS position, COUNT(*) OVER () AS found FROM candidates
),
paged AS (
    SELECT id, position, found,
        (CASE WHEN found > %s THEN %s ELSE found END + %s - 1) / %s AS num_pages
    FROM numbered
),
shown AS (
    SELECT id, position, found, CASE WHEN %s > num_pages THEN num_pages ELSE %s END AS number FROM paged
)
SELECT {columns}, shown.found, shown.number
FROM shown JOIN {table} ON {table}.{pk} = shown.id
WHERE shown.position > (shown.number - 1) * %s AND shown.position <= shown.number * %s AND shown.position <= %s
ORDER BY shown.position
"""


def bucket_candidates_sql(names: QuerySet[Enterprise], representatives: QuerySet[Enterprise], buckets: int, *,
                          limit: int) -> tuple[str, list[Any]]:
    """At most `limit` ids of the bucket scan: the matching names of buckets 0 to `buckets` - 1,
    bucket after bucket (each through the bucketed token index, which reads only that bucket's
    posting lists; a bucket's matches in the table's storage order), then the legal
    representatives of that name whose enterprise's name does not match. The LIMIT stops the
    scan as soon as it has them: a frequent term reads one or two buckets."""
    db = names.db
    names_sql, names_params = names.order_by().values("id").query.get_compiler(db).as_sql()
    people_sql, people_params = representatives.order_by().values("id").query.get_compiler(db).as_sql()
    sql = (f"SELECT id FROM (SELECT bucket_names.id FROM generate_series(0, %s) AS bucket(b) "
           f"CROSS JOIN LATERAL ({names_sql}) AS bucket_names UNION ALL ({people_sql})) AS bucket_scan LIMIT %s")
    return sql, [buckets - 1, *names_params, *people_params, limit]


def name_tokens_to_read(term_tokens: list[list[str]], shares: dict[str, float]) -> frozenset[str]:
    """The tokens a name query is looked up by in the index (term_tokens_to_read): of a term
    rechecked as a substring, its rarest token and those at most twice as frequent; a token the
    statistics do not hold is rarer than all they hold. 品有限公 is read through 品有 (2.7% of
    names) alone, not also through 有限 and 限公 (81%, 77%): the substring test rechecks the rest."""
    kept: set[str] = set()
    for tokens in term_tokens:
        rarest = min(shares.get(token, 0.0) for token in tokens)
        kept.update(token for token in tokens if shares.get(token, 0.0) <= 2 * rarest)
    return frozenset(kept)


@contextmanager
def planner_proof(using: str, *, sequential_scan: bool = False):
    """Queries in the block run under PLANNER_SETTINGS (and NO_SEQSCAN unless
    `sequential_scan`) on PostgreSQL, set in a transaction of their own (or a savepoint)
    that is rolled back at the end: the block only reads, and the rollback ends the
    settings with it, also inside a caller's transaction."""
    db_connection = connections[using]
    planner_settings = PLANNER_SETTINGS if sequential_scan else {**PLANNER_SETTINGS, **NO_SEQSCAN}
    if db_connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        params = [value for item in planner_settings.items() for value in item]
        with db_connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join("set_config(%s, %s, true)" for _ in planner_settings), params)
        yield
        transaction.set_rollback(True, using=using)


def bounded_page_sql(
    queryset: QuerySet[Enterprise], *, page: Any, per_page: int = SEARCH_PAGE_SIZE, columns: tuple[str, ...] = (),
    scan_rows: int | None = None, buckets: tuple[QuerySet[Enterprise], QuerySet[Enterprise], int] | None = None,
    parts: tuple[QuerySet[Enterprise], ...] = (),
) -> tuple[str, list[Any]]:
    """The one query of `bounded_page` (also what bench/search_explain.py explains).

    `scan_rows`: the candidates are looked for only among the first `scan_rows` rows in id
    order (the substring scan: a primary-key scan that reads no more than that).

    `buckets`: the candidates come from the bucket scan instead (bucket_candidates_sql of its
    two halves and the number of buckets), and each row also gives the table's highest id
    (`top_id`): the buckets held every match if it lies in the last bucket read.

    `parts`: the candidates are those of each part in turn (disjoint querysets whose union is
    the matches), so that a part's own index scan stops under the LIMIT (the code scan)."""
    limit = settings.SEARCH_COUNT_LIMIT
    try:
        requested = max(int(page), 1)
    except (TypeError, ValueError):
        requested = 1
    opts = queryset.model._meta
    fields = [opts.get_field(name) for name in columns] if columns else list(opts.concrete_fields)
    if opts.pk not in fields:
        fields.insert(0, opts.pk)
    quote = connections[queryset.db].ops.quote_name
    table = quote(opts.db_table)
    extra = ""
    if buckets is not None:
        candidates_sql, candidates_params = bucket_candidates_sql(*buckets, limit=limit + 1)
        extra = f", (SELECT max({quote(opts.pk.column)}) FROM {table}) AS top_id"
    elif parts:
        # Each part under its own LIMIT too, so that the planner costs it as a scan that stops
        # (an index scan of the code's B-tree, not a bitmap of its whole range).
        compiled = [part.order_by().values(opts.pk.attname)[: limit + 1].query.get_compiler(queryset.db).as_sql()
                    for part in parts]
        candidates_sql = (f"SELECT {quote(opts.pk.column)} FROM ("
                          + " UNION ALL ".join(f"({sql})" for sql, _ in compiled) + ") AS parts LIMIT %s")
        candidates_params = [*(param for _, params in compiled for param in params), limit + 1]
    else:
        candidates = queryset.order_by().values(opts.pk.attname)[: limit + 1]
        candidates_sql, candidates_params = candidates.query.get_compiler(queryset.db).as_sql()
    if scan_rows is not None:
        # The table's rows in id order, at most scan_rows of them, under the table's own name,
        # so that the WHERE clause reads as before. The select list has no parameter, so the
        # LIMIT's comes first.
        source = f"FROM {table} "
        if source not in candidates_sql:
            raise ValueError(f"a substring scan reads {table} alone: {candidates_sql}")
        candidates_sql = candidates_sql.replace(
            source, f"FROM (SELECT * FROM {table} ORDER BY {table}.{quote(opts.pk.column)} LIMIT %s) {table} ", 1
        )
        candidates_params = (scan_rows, *candidates_params)
    sql = BOUNDED_PAGE_SQL.format(
        candidates=candidates_sql,
        columns=", ".join(f"{table}.{quote(field.column)}" for field in fields) + extra,
        table=table,
        pk=quote(opts.pk.column),
    )
    params = [*candidates_params, limit, limit, per_page, per_page, requested, requested, per_page, per_page, limit]
    return sql, params


def bounded_page(
    queryset: QuerySet[Enterprise],
    *,
    page: Any,
    per_page: int = SEARCH_PAGE_SIZE,
    columns: tuple[str, ...] = (),
    sequential_scan: bool = False,
    term_tokens: list[list[str]] = (),
    english: list[str] = (),
    filters: list[tuple[str, Any, Any]] = (),
    name_part=None,
    code_prefix: bool = False,
) -> SearchPage:
    """One page of the matches of `queryset` with a count that is exact up to
    SEARCH_COUNT_LIMIT and "more than SEARCH_COUNT_LIMIT" beyond it, from ONE query that
    never reads more than SEARCH_COUNT_LIMIT + 1 matching rows, whatever the frequency
    of the term or the planner's estimate of it (on PostgreSQL one more statement sets
    PLANNER_SETTINGS for it).

    At most the limit's matches there are all found and shown in id order. Beyond it the
    pages show the first SEARCH_COUNT_LIMIT + 1 matches the indexes give (on PostgreSQL
    in the table's storage order, which the loader writes in id order; on SQLite in id
    order), sorted by id; pages stop at the bound and the user is asked to narrow the
    search. `columns` are the fields to load (all of them if empty); `sequential_scan`
    lets the planner choose a sequential scan (see search_estimate_is_sound).

    `term_tokens` (name_term_tokens) or `english` (english_parts), `filters` (the chosen
    filters as column ranges, EnterpriseFilter.column_conditions) and `name_part` (a function
    of an enterprise_name_match mode and kept tokens giving the query's matches that way;
    `queryset` is then only the model's) let a name query skip the plain index query: the
    statistics give the share of matching rows (the name's share times each filter's).

    - A Chinese name whose bucket scan reads few index entries (BUCKET_SCAN_MAX_BUCKETS
      buckets at most, and fewer entries than BUCKET_SCAN_MAX_ENTRIES_PER_ROW times the rows
      the substring scan would read) is read bucket by bucket (bucket_candidates_sql); if the
      buckets it read hold fewer than N + 1 matches and the table has more, the index query
      answers after all.
    - At SUBSTRING_SCAN_MIN_SHARE or more, the candidates are the first N + 1 matches among
      the first rows in id order (at most SUBSTRING_SCAN_MARGIN times the rows the share says
      hold them); if those rows hold fewer, the index query answers after all (one query
      more, only when the statistics misled).
    - Below it, with filters that hold fewer rows than the name's index entries (and at most
      FILTER_SCAN_MAX_ROWS), the candidates come from the filters' B-trees, the name tested
      by substring on each (科技 + revoked + risk D: 2,700 rows instead of a bitmap AND of
      the 181,000 entries of 科技).
    - Otherwise the index query (the GIN, the trigrams, the B-trees) answers; a Chinese term
      longer than two characters is looked up by its rarest tokens only (name_tokens_to_read).
      A query that may start a code (`code_prefix`) is read as the codes that start with it,
      then every other match (the code scan: a B-tree range under the LIMIT, not a bitmap of
      the 36,000 codes of a district); any other Latin query whose terms have four characters
      or more as the English names that match through the four-character window index, then
      every other match (XINGGUANG: 730 candidates from 132 index pages, 4 ms, against pg_trgm's
      884 from 344 pages of trigram postings, 11 ms).
    """
    limit = settings.SEARCH_COUNT_LIMIT
    manager = queryset.model._default_manager.db_manager(queryset.db)
    tokens = list(dict.fromkeys(token for term in term_tokens for token in term)) if name_part is not None else []
    statistics = TokenStatistics({})
    if name_part is not None and (tokens or english):
        known = planner_statistics(queryset.db)
        estimates = []
        if english and not term_tokens:
            estimates.append(english_share(english, known))
        estimates.extend(known.column_share(queryset.model._meta.db_table, *condition) for condition in filters)
        statistics = TokenStatistics({t: known.shares[t] for t in tokens if t in known.shares}, known.rows,
                                     tuple(estimates))
    rows = None
    name_share, filter_share = 0.0, 1.0
    if tokens:
        name_share = match_share(term_tokens, statistics.shares)
    elif english and statistics.estimates:
        name_share = statistics.estimates[0] or 0.0
    for value in statistics.estimates[len(statistics.estimates) - len(filters):] if filters else ():
        filter_share *= 1.0 if value is None else value
    share = name_share * filter_share
    kept = name_tokens_to_read(term_tokens, statistics.shares) if tokens else None
    filter_rows = filter_share * statistics.rows
    # The GIN reads the posting list of every token; the trigram index at least the matches.
    index_entries = statistics.rows * (sum(statistics.shares.get(t, 0.0) for t in kept) if tokens else name_share)
    scan_rows = math.ceil((limit + 1) * SUBSTRING_SCAN_MARGIN / share) if share else 0
    buckets = math.ceil((limit + 1) * SUBSTRING_SCAN_MARGIN / (share * BUCKET_ROWS)) if share else 0
    how = ""
    # The window parts answer a Latin query whose terms all have four characters or more.
    english_windows_read = bool(english) and not tokens and bool(english_quadgrams(english))
    if english and not tokens and share and share < SUBSTRING_SCAN_MIN_SHARE_ENGLISH and english_trigrams(english):
        # Terms with windows have the window parts below them; shorter ones only pg_trgm.
        max_buckets = ENGLISH_BUCKET_SCAN_MAX_BUCKETS if english_windows_read else BUCKET_SCAN_MAX_BUCKETS
        if buckets <= max_buckets and not (filters and filter_rows <= FILTER_SCAN_MAX_ROWS):
            how = "english buckets"
    elif tokens and share and buckets <= BUCKET_SCAN_MAX_BUCKETS and not code_prefix:
        # A full-width code (９１１１...) is Chinese text that may start a code: never here, the
        # bucket scan's second part holds only the representatives.
        bucket_entries = min(buckets * BUCKET_ROWS, statistics.rows) * sum(statistics.shares.get(t, 0.0) for t in kept)
        if (bucket_entries <= BUCKET_SCAN_MAX_ENTRIES_PER_ROW * min(scan_rows, statistics.rows)
                and not (filters and filter_rows <= min(bucket_entries, FILTER_SCAN_MAX_ROWS))):
            how = "buckets"
    if not how and share >= (SUBSTRING_SCAN_MIN_SHARE if tokens else SUBSTRING_SCAN_MIN_SHARE_ENGLISH):
        how = "substring"
    elif not how and filters and name_share and statistics.rows and filter_rows <= min(index_entries,
                                                                                        FILTER_SCAN_MAX_ROWS):
        how = "filters"

    def page_of(part: QuerySet[Enterprise], **candidates) -> list[Enterprise]:
        sql, params = bounded_page_sql(part, page=page, per_page=per_page, columns=columns, **candidates)
        return list(manager.raw(sql, params))

    rows = None
    # The bucket scans are index scans by design: never a sequential scan evaluating the
    # bucketed expression on every row, whatever the estimate.
    with planner_proof(queryset.db, sequential_scan=sequential_scan and how not in ("buckets", "english buckets")):
        if how in ("buckets", "english buckets"):
            halves = ((name_part("bucket", kept), name_part("representative", kept)) if how == "buckets"
                      else (name_part("english bucket"), name_part("not english")))
            rows = page_of(queryset, buckets=(*halves, buckets))
            if rows and rows[0].found > limit:
                pass  # N + 1 matches: the page is the buckets'
            elif rows and rows[0].top_id >> BUCKET_BITS < buckets:
                pass  # every bucket there is was read: the answer is complete
            else:
                # Fewer matches than the estimate promised (or none: then the table's extent is
                # not known): the index query answers.
                rows = None
        elif how == "substring":
            # Where the cap would not stop before the table's end, the scan reads it all and
            # its answer is complete (a frequent term still stops at N + 1 matches).
            capped = scan_rows < statistics.rows
            rows = page_of(name_part("substring"), scan_rows=scan_rows if capped else None)
            if capped and (not rows or rows[0].found <= limit):
                rows = None  # fewer matches than the estimate promised: the index query answers
        elif how == "filters":
            rows = page_of(name_part("substring"))
        if rows is None and code_prefix and name_part is not None:
            rows = page_of(queryset, parts=(name_part("code"), name_part("not code")))
        if rows is None and english_windows_read:
            rows = page_of(queryset, parts=(name_part("english"), name_part("not english")))
        if rows is None:
            rows = page_of(name_part("", kept) if name_part is not None else queryset)
    found, number = (rows[0].found, rows[0].number) if rows else (0, 1)
    bounded = found > limit
    count = limit if bounded else found
    num_pages = max(1, math.ceil(count / per_page))
    return SearchPage(rows=rows, number=number, num_pages=num_pages, count=count, bounded=bounded)


@dataclass
class SearchResult:
    filterset: Any
    query: str = ""
    redirect_to: str = ""
    uscc_error: str = ""  # the query looked like a code but broke this rule
    uscc_unknown: str = ""  # a valid code that no enterprise has
    page: SearchPage | None = None
    searched: bool = False


def _looks_like_code(value: str) -> bool:
    return uscc_rules.looks_like_code(value)


def enterprise_search(*, data) -> SearchResult:
    """Parse the search form, and either point at one enterprise (an exact, valid
    USCC) or return one page of matches by name or legal representative."""
    from credit.filters import EnterpriseFilter

    filterset = EnterpriseFilter(data=data or None, queryset=Enterprise.objects.all())
    result = SearchResult(filterset=filterset)
    if not filterset.is_bound or not filterset.form.is_valid():
        return result
    query = filterset.form.cleaned_data.get("q", "")
    result.query = query
    code = uscc_rules.normalise(query)
    if _looks_like_code(code):
        try:
            code = uscc_rules.validate(code)
        except uscc_rules.USCCError as exc:
            result.uscc_error = exc.messages[0]
        else:
            if Enterprise.objects.filter(uscc=code).exists():
                result.redirect_to = f"/enterprises/{code}/"
                return result
            result.uscc_unknown = code
    result.searched = True
    postgresql = connection.vendor == "postgresql"
    term_tokens = name_term_tokens(query) if postgresql else []
    english = english_parts(query) if postgresql else []

    def name_part(mode: str, kept_tokens: frozenset[str] | None = None) -> QuerySet[Enterprise]:
        # The same filters of the same validated form, the name matched another way
        # (enterprise_name_match's modes).
        filterset.name_match_mode, filterset.name_kept_tokens = mode, kept_tokens
        try:
            return filterset.filter_queryset(Enterprise.objects.all())
        finally:
            filterset.name_match_mode, filterset.name_kept_tokens = "", None

    filters = filterset.column_conditions()
    # A name with filters is read in id order, through the filters' B-trees or through the
    # name's indexes (bounded_page), never by a sequential scan until N + 1 match, which the
    # planner would choose from estimates that treat the name and the filters as independent.
    by_parts = bool(term_tokens or english)
    result.page = bounded_page(
        # With name_part, the whole query is built only where it is read (the index query).
        filterset.queryset if by_parts else filterset.qs, page=data.get("page"), columns=SEARCH_COLUMNS,
        sequential_scan=search_estimate_is_sound(query) and not (query and filters),
        term_tokens=term_tokens, english=english, filters=filters,
        name_part=name_part if by_parts else None,
        code_prefix=postgresql and uscc_rules.could_start_code(code, min_length=USCC_PREFIX_MIN_LENGTH),
    )
    return result




def uscc_problem(code: str) -> str:
    """The message of the rule a code breaks, or an empty string if it is valid."""
    try:
        uscc_rules.validate(code)
    except ValidationError as exc:
        return exc.messages[0]
    return ""
