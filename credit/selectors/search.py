"""Enterprise search: by name (Chinese substrings through the unigram/bigram index),
by legal representative, or straight to a file by its code."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BigIntegerField, ExpressionWrapper, F, Func, Q, QuerySet, TextField

from credit import uscc as uscc_rules
from credit.models import Enterprise
from credit.search import normalise_text, query_tokens

SEARCH_PAGE_SIZE = 20
# A search's match count is reused while the user pages through it.
SEARCH_COUNT_SECONDS = 120


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


def enterprise_name_match(queryset: QuerySet[Enterprise], query: str) -> QuerySet[Enterprise]:
    """Enterprises whose name (or English name) contains every term of the query, or
    whose legal representative is named exactly `query`.

    On PostgreSQL the GIN index over the name's unigrams and bigrams finds the
    candidates (a LIKE '%..%' of one or two Chinese characters cannot use pg_trgm). A
    term of one or two characters is its own token, so the token test is the whole
    test; a longer term is rechecked with a substring test, because holding all its
    bigrams does not make it a substring. Skipping the redundant recheck matters: the
    planner cannot estimate LIKE '%..%' well, and multiplying it into a common term's
    estimate makes it choose a bitmap over hundreds of thousands of rows instead of
    walking the primary key until the page is full.
    """
    terms = search_terms(query)
    if not terms:
        return queryset.none()
    if connection.vendor != "postgresql":
        name_q = Q()
        for term in terms:
            name_q &= Q(name__icontains=term)
        return queryset.filter(name_q | english_name_q(terms) | Q(legal_representative_name=" ".join(terms)))
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
    return queryset.filter(name_q | english_name_q(terms) | Q(legal_representative_name=" ".join(terms)))


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


def bounded_page(
    queryset: QuerySet[Enterprise], *, page: Any, per_page: int = SEARCH_PAGE_SIZE, count_cache_key: str = ""
) -> SearchPage:
    """One page of an id-ordered queryset with a count that never reads more than
    SEARCH_COUNT_LIMIT + 1 matches: COUNT(*) over a LIMIT subquery. The count also
    tells how to fetch the page.

    Two queries whatever the size of the result; one when the count of the same
    search is cached (paging through results does not count again). Pages stop at the bound; beyond it
    the user is asked to narrow the search (deep OFFSETs are slow anyway).
    """
    limit = settings.SEARCH_COUNT_LIMIT
    found = cache.get(count_cache_key) if count_cache_key else None
    if found is None:
        found = queryset.order_by()[: limit + 1].count()
        if count_cache_key:
            cache.set(count_cache_key, found, SEARCH_COUNT_SECONDS)
    bounded = found > limit
    count = limit if bounded else found
    num_pages = max(1, math.ceil(count / per_page))
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    number = min(max(number, 1), num_pages)
    offset = (number - 1) * per_page
    if bounded:
        # Many matches: walking the primary key fills a page after a few rows.
        ordering = F("id").asc()
    else:
        # At most SEARCH_COUNT_LIMIT matches: fetch them through the search index and
        # sort them. "id + 0" keeps the planner from walking the primary key, which
        # for a rare term would filter tens of thousands of rows to fill one page.
        ordering = ExpressionWrapper(F("id") + 0, output_field=BigIntegerField()).asc()
    rows = list(queryset.order_by(ordering)[offset : offset + per_page])
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
    # Only the columns the result table shows: search_tokens and business_scope are wide.
    columns = ("uscc", "name", "name_en", "legal_representative_name", "status", "established_on", "region_code")
    params = sorted((k, str(v)) for k, v in filterset.form.cleaned_data.items() if v)
    params.append(("limit", str(settings.SEARCH_COUNT_LIMIT)))
    count_key = "search:count:" + hashlib.sha256(repr(params).encode()).hexdigest()
    result.page = bounded_page(filterset.qs.only(*columns), page=data.get("page"), count_cache_key=count_key)
    return result




def uscc_problem(code: str) -> str:
    """The message of the rule a code breaks, or an empty string if it is valid."""
    try:
        uscc_rules.validate(code)
    except ValidationError as exc:
        return exc.messages[0]
    return ""
