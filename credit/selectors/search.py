"""Enterprise search: by name (Chinese substrings through the unigram/bigram index),
by legal representative, or straight to a file by its code."""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import Func, Q, QuerySet, TextField

from credit import uscc as uscc_rules
from credit.models import Enterprise
from credit.search import normalise_text, query_tokens

SEARCH_PAGE_SIZE = 20
# Only the columns the result table shows: search_tokens and business_scope are wide.
SEARCH_COLUMNS = ("uscc", "name", "name_en", "legal_representative_name", "status", "established_on", "region_code")
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
    (credit_enterprise_uscc_..._like, credit migration 0001)."""
    code = uscc_rules.normalise(query)
    if not uscc_rules.could_start_code(code, min_length=USCC_PREFIX_MIN_LENGTH):
        return Q(pk__in=[])
    return Q(uscc__startswith=code)


def enterprise_name_match(queryset: QuerySet[Enterprise], query: str) -> QuerySet[Enterprise]:
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
    """
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    if connection.vendor != "postgresql":
        name_q = Q()
        for term in terms:
            name_q &= Q(name__icontains=term)
        return queryset.filter(
            name_q | english_name_q(terms) | Q(legal_representative_name=" ".join(terms)) | uscc_prefix_q(query)
        )
    tokens: list[str] = []
    name_q = Q()
    for term in terms:
        tokens.extend(query_tokens(term))
        if len(normalise_text(term)) > 2:
            # A term without letter case uses LIKE on the column itself, whose
            # statistics give the planner a usable estimate (UPPER(name) has none).
            lookup = "name__contains" if term.lower() == term.upper() else "name__icontains"
            name_q &= Q(**{lookup: term})
    queryset = queryset.alias(name_token_array=NameTokenArray("search_tokens"))
    name_q &= Q(name_token_array__contains=list(dict.fromkeys(tokens)))
    return queryset.filter(
        name_q | english_name_q(terms) | Q(legal_representative_name=" ".join(terms)) | uscc_prefix_q(query)
    )


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
        with db_connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in planner_settings),
                [value for item in planner_settings.items() for value in item],
            )
        yield
        transaction.set_rollback(True, using=using)


def bounded_page_sql(
    queryset: QuerySet[Enterprise], *, page: Any, per_page: int = SEARCH_PAGE_SIZE, columns: tuple[str, ...] = ()
) -> tuple[str, list[Any]]:
    """The one query of `bounded_page` (also what bench/search_explain.py explains)."""
    limit = settings.SEARCH_COUNT_LIMIT
    try:
        requested = max(int(page), 1)
    except (TypeError, ValueError):
        requested = 1
    opts = queryset.model._meta
    fields = [opts.get_field(name) for name in columns] if columns else list(opts.concrete_fields)
    if opts.pk not in fields:
        fields.insert(0, opts.pk)
    candidates = queryset.order_by().values(opts.pk.attname)[: limit + 1]
    candidates_sql, candidates_params = candidates.query.get_compiler(queryset.db).as_sql()
    quote = connections[queryset.db].ops.quote_name
    table = quote(opts.db_table)
    sql = BOUNDED_PAGE_SQL.format(
        candidates=candidates_sql,
        columns=", ".join(f"{table}.{quote(field.column)}" for field in fields),
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
    """
    limit = settings.SEARCH_COUNT_LIMIT
    sql, params = bounded_page_sql(queryset, page=page, per_page=per_page, columns=columns)
    with planner_proof(queryset.db, sequential_scan=sequential_scan):
        rows = list(queryset.model._default_manager.db_manager(queryset.db).raw(sql, params))
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
    result.page = bounded_page(
        filterset.qs, page=data.get("page"), columns=SEARCH_COLUMNS, sequential_scan=search_estimate_is_sound(query)
    )
    return result




def uscc_problem(code: str) -> str:
    """The message of the rule a code breaks, or an empty string if it is valid."""
    try:
        uscc_rules.validate(code)
    except ValidationError as exc:
        return exc.messages[0]
    return ""
