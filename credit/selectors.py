from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BigIntegerField,
    ExpressionWrapper,
    F,
    Func,
    Prefetch,
    Q,
    QuerySet,
    TextField,
)
from django.utils import timezone

from credit import uscc as uscc_rules
from credit.models import (
    AdministrativeLicence,
    AdministrativePenalty,
    AnnualReport,
    Branch,
    CapitalContribution,
    ChangeRecord,
    ChattelMortgage,
    CommitmentLetter,
    Enterprise,
    EnterpriseAccount,
    EquityPledge,
    InstantDisclosure,
    JudicialAssistance,
    KeyPerson,
    RegistrationStatus,
    Shareholder,
)
from credit.search import normalise_text, query_tokens

SEARCH_PAGE_SIZE = 20
HOME_COUNTS_CACHE_KEY = "portal:home:counts"
HOME_COUNTS_SECONDS = 300
# A search's match count is reused while the user pages through it.
SEARCH_COUNT_SECONDS = 120


def enterprise_get(*, uscc: str) -> Enterprise | None:
    """The enterprise of a credit file with its registration authority's names. The file
    shows the legal representative's name from the enterprise row, so the person is not
    joined, and search_tokens (wide, used only by search) is not read. This is the one
    query of a cached credit file, so its SQL is written once per process (see
    _sql_written_once)."""
    code = uscc_rules.normalise(uscc)
    rows = list(Enterprise.objects.raw(_enterprise_sql(), [code]))
    _attach_related(Enterprise, rows, _ENTERPRISE_RELATED)
    return rows[0] if rows else None


# --- search -----------------------------------------------------------------


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


def enterprise_name_match(queryset: QuerySet[Enterprise], query: str) -> QuerySet[Enterprise]:
    """Enterprises whose name contains every term of the query, or whose legal
    representative is named exactly `query`.

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
        return queryset.filter(name_q | Q(legal_representative_name=" ".join(terms)))
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
    return queryset.filter(name_q | Q(legal_representative_name=" ".join(terms)))


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
    return len(value) == uscc_rules.LENGTH and value.isascii() and value.isalnum() and any(c.isdigit() for c in value)


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
    columns = ("uscc", "name", "legal_representative_name", "status", "established_on", "region_code")
    params = sorted((k, str(v)) for k, v in filterset.form.cleaned_data.items() if v)
    params.append(("limit", str(settings.SEARCH_COUNT_LIMIT)))
    count_key = "search:count:" + hashlib.sha256(repr(params).encode()).hexdigest()
    result.page = bounded_page(filterset.qs.only(*columns), page=data.get("page"), count_cache_key=count_key)
    return result


# --- home ---------------------------------------------------------------------


def _penalty_shown_q() -> Q:
    """Penalties the public sees: not withdrawn, publication period not over."""
    today = timezone.localdate()
    return Q(withdrawn_at__isnull=True) & (Q(publication_ends_on__isnull=True) | Q(publication_ends_on__gte=today))


def home_counts() -> dict[str, int]:
    """Totals for the home page. COUNT(*) over millions of rows scans the table on
    PostgreSQL, so the numbers are cached for a few minutes."""
    counts = cache.get(HOME_COUNTS_CACHE_KEY)
    if counts is None:
        counts = {
            "enterprises": Enterprise.objects.count(),
            "penalties": AdministrativePenalty.objects.filter(_penalty_shown_q()).count(),
            "licences": AdministrativeLicence.objects.filter(withdrawn_at__isnull=True).count(),
        }
        cache.set(HOME_COUNTS_CACHE_KEY, counts, HOME_COUNTS_SECONDS)
    return counts


def latest_penalties(*, limit: int = 5) -> list[AdministrativePenalty]:
    # ORDER BY published_at DESC LIMIT n walks the published_at index (migration 0002).
    return list(
        AdministrativePenalty.objects.filter(_penalty_shown_q())
        .select_related("enterprise", "source_agency")
        .order_by("-published_at", "-id")[:limit]
    )


def latest_licences(*, limit: int = 5) -> list[AdministrativeLicence]:
    return list(
        AdministrativeLicence.objects.filter(withdrawn_at__isnull=True)
        .select_related("enterprise", "source_agency")
        .order_by("-published_at", "-id")[:limit]
    )


# --- credit file ----------------------------------------------------------------


@dataclass(frozen=True)
class _Section:
    """One of the file's own sections: its context name, its model, which rows are shown
    (as a filter, and as the SQL condition of the probe), their order, and the related
    rows the template reads: (foreign key, the few fields of it that are shown)."""

    name: str
    model: type
    ordering: tuple[str, ...] = ("id",)
    related: tuple[tuple[str, tuple[str, ...]], ...] = ()
    shown: Q = Q()
    condition: str = ""


_SOURCE_AGENCY = ("source_agency", ("name", "name_en"))

# The file's own sections in NECIPS order. Sections are fetched only when they have rows.
_SECTIONS: tuple[_Section, ...] = (
    _Section("shareholders", Shareholder, related=(_SOURCE_AGENCY, ("person", ("id_type", "id_number")))),
    _Section("key_personnel", KeyPerson, related=(_SOURCE_AGENCY, ("person", ("name",)))),
    _Section("branches", Branch, related=(_SOURCE_AGENCY,)),
    _Section("changes", ChangeRecord, ("-changed_on", "-id"), (_SOURCE_AGENCY,)),
    _Section("chattel_mortgages", ChattelMortgage, ("-registered_on", "-id"), (_SOURCE_AGENCY,)),
    _Section(
        "equity_pledges", EquityPledge, ("-established_on", "-id"), (_SOURCE_AGENCY, ("pledgor_person", ("id_number",)))
    ),
    _Section("licences", AdministrativeLicence, ("-decided_on", "-id"), (_SOURCE_AGENCY,)),
    _Section("penalties", AdministrativePenalty, ("-decided_on", "-id"), (_SOURCE_AGENCY,)),
    _Section("judicial_assistance", JudicialAssistance, ("-decided_on", "-id"), (_SOURCE_AGENCY,)),
    _Section(
        "annual_reports",
        AnnualReport,
        ("-year", "-version"),
        shown=Q(published_at__isnull=False),
        condition="published_at IS NOT NULL",
    ),
    _Section("instant_disclosures", InstantDisclosure, ("-published_at", "-id")),
    _Section("commitment_letters", CommitmentLetter, ("-signed_on", "-id")),
)
_SECTION_BY_NAME = {section.name: section for section in _SECTIONS}
# Stands for the enterprise id while the ORM writes a section's SQL.
_ENTERPRISE_PARAM = -1


def _related_alias(foreign_key: str, field: str) -> str:
    return f"{foreign_key}_shown_{field}"


def _related_annotations(related: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, F]:
    return {
        _related_alias(foreign_key, field): F(f"{foreign_key}__{field}")
        for foreign_key, fields in related
        for field in fields
    }


def _sql_written_once(queryset: QuerySet, placeholder: Any) -> str:
    """The SQL of a queryset whose only parameter is `placeholder`, to be run with raw().

    Compiling a queryset costs more Python than running it (about half a millisecond
    for a few rows), and the credit file runs several per page that differ only in the
    enterprise. Callers cache the result per process. Related rows' shown fields are
    joined in as annotations rather than select_related, which raw() cannot fill."""
    sql, params = queryset.query.sql_with_params()
    if params != (placeholder,):
        raise ValueError(f"the placeholder must be the only parameter, got {params!r}")
    return sql


def _attach_related(model: type, rows: list, related: tuple[tuple[str, tuple[str, ...]], ...]) -> None:
    """Build each row's related objects from the joined fields. Their other fields are
    deferred: reading one would cost a query, which the query-count tests would catch."""
    for foreign_key, fields in related:
        field = model._meta.get_field(foreign_key)
        related_model = field.related_model
        names = [related_model._meta.pk.attname, *fields]
        aliases = [_related_alias(foreign_key, name) for name in fields]
        for row in rows:
            pk = getattr(row, field.attname)
            values = [pk, *(getattr(row, alias) for alias in aliases)]
            field.set_cached_value(row, None if pk is None else related_model.from_db(row._state.db, names, values))


_ENTERPRISE_RELATED = (("registration_authority", ("name", "name_en")),)
# Stands for the code while the ORM writes the enterprise's SQL.
_USCC_PARAM = "<uscc>"


@functools.cache
def _enterprise_sql() -> str:
    queryset = (
        Enterprise.objects.filter(uscc=_USCC_PARAM)
        .defer("search_tokens")
        .annotate(**_related_annotations(_ENTERPRISE_RELATED))
    )
    return _sql_written_once(queryset, _USCC_PARAM)


@functools.cache
def _section_sql(name: str) -> str:
    """The SQL of one section, written by the ORM once per process."""
    section = _SECTION_BY_NAME[name]
    queryset = (
        section.model.objects.filter(section.shown, enterprise_id=_ENTERPRISE_PARAM)
        .annotate(**_related_annotations(section.related))
        .order_by(*section.ordering)
    )
    return _sql_written_once(queryset, _ENTERPRISE_PARAM)


def _section_rows(section: _Section, enterprise_id: int) -> list:
    """The section's rows with their related rows (and a shareholder's contributions)."""
    rows = list(section.model.objects.raw(_section_sql(section.name), [enterprise_id]))
    _attach_related(section.model, rows, section.related)
    if section.model is Shareholder and rows:
        _attach_contributions(rows, enterprise_id)
    return rows


@functools.cache
def _contributions_sql() -> str:
    queryset = CapitalContribution.objects.filter(shareholder__enterprise_id=_ENTERPRISE_PARAM).order_by(
        "kind", "contributed_on", "id"
    )
    return _sql_written_once(queryset, _ENTERPRISE_PARAM)


def _attach_contributions(shareholders: list[Shareholder], enterprise_id: int) -> None:
    """Each shareholder's capital contributions as `contribution_rows`, from one query
    (written once per process, like the sections')."""
    by_shareholder: dict[int, list[CapitalContribution]] = {holder.pk: [] for holder in shareholders}
    for contribution in CapitalContribution.objects.raw(_contributions_sql(), [enterprise_id]):
        by_shareholder.get(contribution.shareholder_id, []).append(contribution)
    for holder in shareholders:
        holder.contribution_rows = by_shareholder[holder.pk]


@functools.cache
def _sections_present_sql() -> str:
    """One EXISTS per own section, then four for the listings and inspections sections
    (their selectors skip the queries of what is empty): list entries that are not
    revoked; an active bar on the legal representative from another enterprise's
    serious-list entry (the same rule as listings.selectors.person_bar_get); spot checks;
    published double-random tasks."""
    from inspections.models import SpotCheck, Task
    from listings.models import EntryState, ListEntry

    probes = []
    for section in _SECTIONS:
        where = "enterprise_id = %s" + (f" AND {section.condition}" if section.condition else "")
        probes.append(f"EXISTS (SELECT 1 FROM {section.model._meta.db_table} WHERE {where})")
    entries = ListEntry._meta.db_table
    revoked = EntryState.REVOKED.value
    probes += [
        f"EXISTS (SELECT 1 FROM {entries} WHERE enterprise_id = %s AND state <> '{revoked}')",
        f"EXISTS (SELECT 1 FROM {entries} WHERE barred_person_id = %s AND bar_ends_on >= %s"
        f" AND state <> '{revoked}' AND enterprise_id <> %s)",
        f"EXISTS (SELECT 1 FROM {SpotCheck._meta.db_table} WHERE enterprise_id = %s)",
        f"EXISTS (SELECT 1 FROM {Task._meta.db_table} WHERE enterprise_id = %s AND published_at IS NOT NULL)",
    ]
    return "SELECT " + ", ".join(probes)


def credit_file(*, enterprise: Enterprise, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the credit file shows, section by section in NECIPS order, plus the
    sections of the listings and inspections apps, merged into the same context.

    Most enterprises have records in only a few sections, and each ORM query costs
    about a millisecond of Python and round trip even when it finds nothing. So one
    plain SQL query asks which sections have rows (an EXISTS per section, each an
    index probe), and only those sections are fetched, including those of the
    listings and inspections apps: at most one query per section whatever its length
    (see the query-count test).
    """
    from inspections import selectors as inspection_selectors
    from listings import selectors as listing_selectors
    from listings.models import local_today

    today = today or timezone.localdate()
    pk = enterprise.pk
    # The bar is judged on the listings app's own calendar day, as person_bar_get does.
    params = [pk] * len(_SECTIONS) + [pk, enterprise.legal_representative_id, local_today(), pk, pk, pk]
    with connection.cursor() as cursor:
        cursor.execute(_sections_present_sql(), params)
        # SQLite answers 0/1: the other apps' hints must be real booleans.
        present = [bool(value) for value in cursor.fetchone()]
    has_entries, has_bar, has_spot_checks, has_results = present[len(_SECTIONS) :]
    context: dict[str, Any] = {"enterprise": enterprise}
    for section, has_rows in zip(_SECTIONS, present[: len(_SECTIONS)], strict=True):
        context[section.name] = _section_rows(section, pk) if has_rows else []
    # A penalty whose publication period is over is no longer public (credit repair or
    # expiry); the file says how many are no longer shown rather than hiding it silently.
    penalties = context["penalties"]
    context["penalties"] = [p for p in penalties if not p.publication_ends_on or p.publication_ends_on >= today]
    context["penalties_ended"] = len(penalties) - len(context["penalties"])
    # Most branches are not registered enterprises here, so a link to their code would
    # 404: one lookup of the codes that do exist, made only when there are branches.
    branch_codes = {branch.uscc for branch in context["branches"]}
    context["registered_branch_codes"] = (
        set(Enterprise.objects.filter(uscc__in=branch_codes).values_list("uscc", flat=True)) if branch_codes else set()
    )
    context.update(
        listing_selectors.credit_file_sections(enterprise=enterprise, has_entries=has_entries, has_bar=has_bar)
    )
    context.update(
        inspection_selectors.credit_file_sections(
            enterprise=enterprise, has_spot_checks=has_spot_checks, has_results=has_results
        )
    )
    return context


def uscc_problem(code: str) -> str:
    """The message of the rule a code breaks, or an empty string if it is valid."""
    try:
        uscc_rules.validate(code)
    except ValidationError as exc:
        return exc.messages[0]
    return ""


# --- the enterprise's own area (/account/) ------------------------------------------


def enterprise_account_get(*, user) -> EnterpriseAccount | None:
    """The enterprise login of `user` with its enterprise, or None (anonymous, staff, unbound)."""
    if not user.is_authenticated:
        return None
    return (
        EnterpriseAccount.objects.select_related("enterprise__registration_authority")
        .filter(user_id=user.pk)
        .first()
    )


class FilingState:
    FIRST_NEXT_YEAR = "first_next_year"  # set up this year: the first report is filed next year
    DUE = "due"  # window open, not filed yet
    FILED = "filed"
    OVERDUE = "overdue"  # window closed without a report
    NOT_REQUIRED = "not_required"  # deregistered


@dataclass(frozen=True)
class FilingReminder:
    state: str
    report_year: int  # the year the report covers
    opens_on: dt.date  # 1 January of the filing year
    closes_on: dt.date  # 30 June of the filing year
    filed_at: dt.datetime | None = None
    days_left: int = 0

    @property
    def next_report_year(self) -> int:
        return self.report_year + 1

    @property
    def next_opens_on(self) -> dt.date:
        return dt.date(self.report_year + 2, 1, 1)

    @property
    def next_closes_on(self) -> dt.date:
        return dt.date(self.report_year + 2, 6, 30)


def annual_report_filing(*, established_on: dt.date, today: dt.date, filed_at: dt.datetime | None = None,
                         deregistered: bool = False) -> FilingReminder:
    """Where an enterprise stands with its annual report on `today` (DESIGN §3): the report
    for year Y is filed between 1 January and 30 June of Y + 1, and an enterprise set up in
    a year files from the next year. `filed_at` is when the report for today.year - 1 was
    first submitted, if it was."""
    report_year = today.year - 1
    if established_on.year > report_year:
        # Set up this year: its first report covers this year and is filed next year.
        report_year = established_on.year
    opens_on, closes_on = dt.date(report_year + 1, 1, 1), dt.date(report_year + 1, 6, 30)
    if deregistered:
        state = FilingState.NOT_REQUIRED
    elif report_year == today.year:
        state = FilingState.FIRST_NEXT_YEAR
    elif filed_at is not None:
        state = FilingState.FILED
    elif today <= closes_on:
        state = FilingState.DUE
    else:
        state = FilingState.OVERDUE
    days_left = (closes_on - today).days if state == FilingState.DUE else 0
    return FilingReminder(state, report_year, opens_on, closes_on, filed_at, days_left)


def annual_report_reminder(*, enterprise: Enterprise, today: dt.date) -> FilingReminder:
    """The filing reminder for the enterprise's own area: one query for the report of last year."""
    filed_at = (
        AnnualReport.objects.filter(enterprise=enterprise, year=today.year - 1)
        .order_by("submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    return annual_report_filing(
        established_on=enterprise.established_on,
        today=today,
        filed_at=filed_at,
        deregistered=enterprise.status == RegistrationStatus.DEREGISTERED,
    )


def account_list_entries(*, enterprise: Enterprise, today: dt.date) -> list:
    """The enterprise's entries that are on a list today, with what it may do about each.

    Two queries whatever the number of entries: the entries with their list, reason and
    deciding authority, and their objections. Each entry gets `open_objection`,
    `last_objection`, `may_object` (within the 30 days and nothing being handled; the
    objection service checks the same rules) and `repair_open`.
    """
    from listings.models import ListEntry, Objection, active_q

    entries = list(
        ListEntry.objects.filter(active_q(today), enterprise=enterprise)
        .select_related("credit_list", "reason", "deciding_agency")
        .prefetch_related(Prefetch("objections", queryset=Objection.objects.order_by("-submitted_on", "-id")))
        .order_by("-listed_on", "-id")
    )
    for entry in entries:
        objections = list(entry.objections.all())
        entry.last_objection = objections[0] if objections else None
        entry.open_objection = next((o for o in objections if o.is_open), None)
        entry.may_object = entry.open_objection is None and today <= entry.objection_deadline
        entry.repair_open = today >= entry.repair_from
    return entries


def account_inspection_tasks(*, enterprise: Enterprise) -> list:
    """The enterprise's double-random tasks that are public: those of revealed plans and
    those whose result is published. A plan that keeps its draw secret until publication
    does so that firms are not forewarned, so its tasks stay hidden here too."""
    from inspections.models import Task

    return list(
        Task.objects.filter(enterprise=enterprise)
        .filter(Q(published_at__isnull=False) | Q(plan__revealed_at__isnull=False))
        .select_related("plan__agency")
        .order_by("-plan__checks_end_on", "-id")
    )


def account_spot_checks(*, enterprise: Enterprise) -> list:
    from inspections.models import SpotCheck

    return list(SpotCheck.objects.filter(enterprise=enterprise).select_related("agency").order_by("-checked_on", "-id"))


def account_overview(*, enterprise: Enterprise, today: dt.date | None = None) -> dict[str, Any]:
    """Everything /account/ shows about the enterprise (see the query-count test)."""
    from inspections.selectors import result_deadline

    today = today or timezone.localdate()
    tasks = account_inspection_tasks(enterprise=enterprise)
    for task in tasks:
        # Pure date arithmetic on the official calendar: no query.
        task.result_due = None if task.published_at else result_deadline(task.plan)
    return {
        "enterprise": enterprise,
        "today": today,
        "entries": account_list_entries(enterprise=enterprise, today=today),
        "tasks": tasks,
        "spot_checks": account_spot_checks(enterprise=enterprise),
        "filing": annual_report_reminder(enterprise=enterprise, today=today),
    }
