"""Reads of credit commitment letters: the public list and letter page, the enterprise's own
letters, and the staff queue of the letters made to an agency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.utils.functional import cached_property

from credit import commitments
from credit import models as m
from credit.filters import CommitmentFilter

PAGE_SIZE = 50
# Counting every match of a broad filter among a million letters costs a scan; above this
# the page says "more than" (as the search and the lists do).
COUNT_LIMIT = 1_000


class BoundedPaginator(Paginator):
    """Counts at most COUNT_LIMIT rows; `truncated` tells the template to say "more than"."""

    truncated = False

    def __init__(self, *args, ordered_count: bool = True, count_rows=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ordered_count = ordered_count
        self.count_rows = count_rows

    @cached_property
    def count(self) -> int:
        # In the page's order the count reads the signing-day index from the newest letter (or
        # from the expired filter's bound) and stops at the limit; the few breached letters are
        # counted faster from the breaches, in any order.
        if self.count_rows is not None:
            rows = self.count_rows
        else:
            rows = self.object_list if self.ordered_count else self.object_list.order_by()
        found = rows[: COUNT_LIMIT + 1].count()
        self.truncated = found > COUNT_LIMIT
        return min(found, COUNT_LIMIT)


def _with_state(letters, today: dt.date):
    for letter in letters:
        letter.state = commitments.letter_state(letter, today)
        letter.state_label = commitments.state_label(letter.state)
    return letters


def _listed(queryset: QuerySet, today: dt.date) -> QuerySet:
    return commitments.with_breached(
        queryset.select_related("enterprise", "agency").only(
            "id", "kind", "title", "signed_on", "signed_at", "valid_until", "fulfilled_on", "text_sha256",
            "approval_matter", "enterprise__id", "enterprise__name", "enterprise__name_en", "enterprise__uscc",
            "enterprise__status",
            "agency__id", "agency__name", "agency__name_en", "agency__code",
        ), today,
    )


@dataclass
class LetterPage:
    filter: CommitmentFilter
    page: object
    letters: list


def letter_list(*, filters, today: dt.date, page: str | None, agency: m.Agency | None = None) -> LetterPage:
    """A page of letters newest first (filters: credit.filters.CommitmentFilter), optionally only
    those made to `agency`: two queries (the bounded count, the page of ids) and one for the rows."""
    base = m.CommitmentLetter.objects.all()
    if agency is not None:
        base = base.filter(agency=agency)
    filterset = CommitmentFilter(filters, queryset=base, today=today)
    queryset = filterset.qs if filterset.is_valid() else base.none()
    state = filterset.form.cleaned_data.get("state") if filterset.is_valid() else None
    count_rows = None
    if state == commitments.STATE_BREACHED:
        # Counted from the breaches (the semi-join), paged in the index's order (state_q).
        count_rows = queryset.order_by().values_list("id", flat=True)
        filterset.page_order = True
        queryset = filterset.filter_queryset(base)
    ids = queryset.order_by("-signed_on", "-id").values_list("id", flat=True)
    paged = BoundedPaginator(ids, PAGE_SIZE, count_rows=count_rows).get_page(page)
    id_list = list(paged.object_list)
    rows = _list_rows(id_list, today)
    letters = _with_state([rows[pk] for pk in id_list if pk in rows], today)
    return LetterPage(filter=filterset, page=paged, letters=letters)


class ListedLetter(SimpleNamespace):
    """A letter of a list page, read as plain values (the table shows a few columns of fifty
    letters; building model instances of them and their enterprises cost more than the query)."""

    @property
    def pk(self) -> int:
        return self.id


_LIST_COLUMNS = ("id", "kind", "title", "signed_on", "valid_until", "fulfilled_on", "approval_matter", "agency_id",
                 "enterprise__id", "enterprise__uscc", "enterprise__name", "enterprise__name_en",
                 "enterprise__status", "agency__name", "agency__name_en",
                 "breached")


def _list_rows(ids: list[int], today: dt.date) -> dict[int, ListedLetter]:
    rows = commitments.with_breached(m.CommitmentLetter.objects.filter(pk__in=ids), today).values_list(*_LIST_COLUMNS)
    found = {}
    for values in rows:
        row = dict(zip(_LIST_COLUMNS, values, strict=True))
        letter = ListedLetter(
            id=row["id"], kind=row["kind"], title=row["title"], signed_on=row["signed_on"],
            valid_until=row["valid_until"], fulfilled_on=row["fulfilled_on"], approval_matter=row["approval_matter"],
            agency_id=row["agency_id"], enterprise_id=row["enterprise__id"], breached=row["breached"],
            enterprise=SimpleNamespace(id=row["enterprise__id"], pk=row["enterprise__id"], uscc=row["enterprise__uscc"],
                                       name=row["enterprise__name"], name_en=row["enterprise__name_en"],
                                       status=row["enterprise__status"]),
            agency=SimpleNamespace(name=row["agency__name"], name_en=row["agency__name_en"]),
        )
        found[letter.id] = letter
    return found


def letter_get(*, pk: int, today: dt.date) -> m.CommitmentLetter | None:
    """One letter with its state, its breaches (with provenance) and the licences granted on it."""
    letter = (
        commitments.with_breached(m.CommitmentLetter.objects.select_related("enterprise", "agency"), today)
        .prefetch_related(
            # A breach whose publication an approved credit repair ended is no longer shown.
            Prefetch("breaches", queryset=m.CommitmentBreach.objects.select_related("source_agency")
                     .filter(Q(publication_ends_on__isnull=True) | Q(publication_ends_on__gte=today))
                     .order_by("-decided_on", "-id"), to_attr="breach_rows"),
            Prefetch("licences", queryset=m.AdministrativeLicence.objects.select_related("source_agency")
                     .order_by("-decided_on", "-id"), to_attr="licence_rows"),
        )
        .filter(pk=pk)
        .first()
    )
    if letter is not None:
        _with_state([letter], today)
    return letter


def letter_for_document(*, pk: int) -> m.CommitmentLetter | None:
    return m.CommitmentLetter.objects.select_related("enterprise", "agency").filter(pk=pk).first()


def account_letters(*, enterprise: m.Enterprise, today: dt.date) -> list:
    """Every letter of `enterprise`, newest first, with its state."""
    return _with_state(list(_listed(m.CommitmentLetter.objects.filter(enterprise=enterprise), today)
                            .order_by("-signed_on", "-id")), today)


def account_letter_summary(*, enterprise: m.Enterprise, today: dt.date) -> dict[str, int]:
    """How many of the enterprise's letters are in each state, in one query."""
    counts = {state: 0 for state in commitments.STATE_LABELS}
    rows = commitments.with_breached(m.CommitmentLetter.objects.filter(enterprise=enterprise), today).values_list(
        "breached", "fulfilled_on", "valid_until")
    for breached, fulfilled_on, valid_until in rows:
        letter = _StateRow(breached=breached, fulfilled_on=fulfilled_on, valid_until=valid_until)
        counts[commitments.letter_state(letter, today)] += 1
    return counts


@dataclass
class _StateRow:
    breached: bool
    fulfilled_on: dt.date | None
    valid_until: dt.date | None


def staff_letter_get(*, pk: int, agency: m.Agency, today: dt.date) -> m.CommitmentLetter | None:
    """A letter made to `agency` (another agency's letter: None, the 404 of a missing one)."""
    letter = letter_get(pk=pk, today=today)
    if letter is None or letter.agency_id != agency.pk:
        return None
    return letter
