from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext

from credit.models import Person
from listings.filters import ListEntryFilter, ObjectionQueueFilter, RemovalQueueFilter
from listings.models import (
    CreditList,
    EntryState,
    EntryStatus,
    ListColour,
    ListEntry,
    Measure,
    Memorandum,
    Objection,
    RemovalApplication,
    active_q,
    local_today,
    repaired_q,
    withheld_q,
)
from portal.i18n import localized
from portal.workdays import deadline_status

SERIOUS_ILLEGAL = "serious-illegal"

ACTIVE_COUNTS_SECONDS = 300


def active_counts_cache_key(today: dt.date) -> str:
    return f"listings:active-counts:{today.isoformat()}"


_MEASURES = Prefetch("measures", queryset=Measure.objects.select_related("agency"))
_MEMORANDA = Prefetch("memoranda", queryset=Memorandum.objects.prefetch_related(_MEASURES))


def credit_list_index(*, today: dt.date | None = None) -> list[CreditList]:
    """All lists with `active_count`, the entries on each today.

    The counts come from one grouped query over the entries alone, cached for the day's key:
    every service that changes an entry deletes the key (services.active_counts_invalidate).
    """
    today = today or local_today()
    key = active_counts_cache_key(today)
    counts = cache.get(key)
    if counts is None:
        counts = dict(
            ListEntry.objects.filter(active_q(today))
            .exclude(Q(withheld_q(), ~Q(credit_list__colour=ListColour.RED)))
            .order_by()
            .values_list("credit_list_id")
            .annotate(count=Count("id"))
            .values_list("credit_list_id", "count")
        )
        cache.set(key, counts, ACTIVE_COUNTS_SECONDS)
    lists = list(CreditList.objects.select_related("owner_agency"))
    for credit_list in lists:
        credit_list.active_count = counts.get(credit_list.pk, 0)
    return lists


def credit_list_get(*, code: str) -> CreditList | None:
    return (
        CreditList.objects.select_related("owner_agency")
        .prefetch_related(
            Prefetch("memoranda", queryset=Memorandum.objects.prefetch_related("signatories", _MEASURES))
        )
        .filter(code=code)
        .first()
    )


def list_entry_list(*, credit_list: CreditList, filters, today: dt.date | None = None) -> ListEntryFilter:
    """The filter set over one list's entries; its `.qs` gives entry ids, newest listing first.

    Pages are cut from ids alone (an index scan on list and date), then the page's rows are
    loaded with list_entry_page: a deep OFFSET never drags the joins along.
    """
    today = today or local_today()
    queryset = ListEntry.objects.filter(credit_list=credit_list).order_by("-listed_on", "-id")
    if not credit_list.is_red:
        queryset = queryset.exclude(withheld_q()).exclude(repaired_q())
    return ListEntryFilter(filters, queryset=queryset, today=today)


def list_entry_page(*, ids: list[int]) -> list[dict]:
    """The rows of one list page as ready strings, in the order of `ids`.

    The page's cost is mostly Python: plain tuples and prepared strings instead of model
    instances keep each row to a few dictionary lookups in the template.
    """
    language = get_language()
    today = local_today()
    until_removed = gettext("until removed")
    labels = {status.value: status.label for status in EntryStatus}
    rows = ListEntry.objects.filter(pk__in=ids).values_list(
        "id", "enterprise__uscc", "enterprise__name", "enterprise__name_en", "reason__name", "reason__name_en",
        "deciding_agency__name", "deciding_agency__name_en", "listed_on", "publication_ends_on", "state",
    )
    by_id = {}
    for pk, uscc, name, name_en, reason, reason_en, agency, agency_en, listed_on, ends_on, state in rows:
        if state == EntryState.LISTED:
            status = EntryStatus.EXPIRED if ends_on is not None and ends_on < today else EntryStatus.ACTIVE
        else:
            status = state
        by_id[pk] = {
            "pk": pk,
            "uscc": uscc,
            "enterprise": localized(name, name_en, language),
            "reason": localized(reason, reason_en, language),
            "agency": localized(agency, agency_en, language),
            "listed_on": date_format(listed_on),
            "ends": date_format(ends_on) if ends_on else until_removed,
            "status": labels[status],
        }
    return [by_id[pk] for pk in ids if pk in by_id]


def list_entry_get_by_pk(*, pk: int) -> ListEntry | None:
    return ListEntry.objects.select_related("credit_list", "enterprise", "reason", "deciding_agency").filter(
        pk=pk).first()


def list_entry_get(*, code: str, pk: int) -> ListEntry | None:
    return (
        ListEntry.objects.select_related(
            "credit_list__owner_agency", "enterprise", "reason", "deciding_agency", "removing_agency"
        )
        .prefetch_related(Prefetch("credit_list__memoranda", queryset=Memorandum.objects.prefetch_related(_MEASURES)))
        .filter(credit_list__code=code, pk=pk)
        .first()
    )


def list_entry_measures(*, entry: ListEntry, by_list: dict[int, list[Measure]] | None = None) -> list[Measure]:
    """The memorandum measures that apply to an entry while it is on the list: those of every
    memorandum covering its list, memoranda in their order, then measures in theirs. From
    prefetched memoranda, or from `by_list` (list_measures_by_list) when given."""
    if entry.status != "active":
        return []
    if by_list is not None:
        return list(by_list.get(entry.credit_list_id, ()))  # each entry its own list, as the prefetch gave
    return [measure for memorandum in entry.credit_list.memoranda.all() for measure in memorandum.measures.all()]


def list_measures_of(list_ids) -> QuerySet[Measure]:
    """The measures of the memoranda covering the lists `list_ids` (a values() queryset or
    ids), each with `via_list`, the list it applies through (a measure comes once per list its
    memorandum covers), in list_entry_measures' order."""
    return (
        Measure.objects.filter(memorandum__lists__in=list_ids)
        .select_related("agency")
        .annotate(via_list=F("memorandum__lists"))
        .order_by("memorandum__signed_on", "memorandum__code", "memorandum_id", "id")
    )


def list_measures_by_list(measures) -> dict[int, list[Measure]]:
    by_list: dict[int, list[Measure]] = {}
    for measure in measures:
        by_list.setdefault(measure.via_list, []).append(measure)
    return by_list


def list_entry_history(*, entry: ListEntry):
    return entry.events.all()


def list_entry_objections(*, entry: ListEntry) -> QuerySet[Objection]:
    return entry.objections.select_related("deciding_agency")


def objection_get(*, pk: int) -> Objection | None:
    return (
        Objection.objects.select_related("entry__credit_list__owner_agency", "entry__enterprise", "entry__reason")
        .filter(pk=pk)
        .first()
    )


def person_bar_get(person: Person | None, *, today: dt.date | None = None, exclude_enterprise_id=None):
    """The serious-list entry that bars `person` from being a legal representative today, or None."""
    if person is None or person.pk is None:
        return None
    return (
        ListEntry.objects.barring(person, on=today or local_today(), other_than_enterprise=exclude_enterprise_id)
        .select_related("enterprise", "credit_list")
        .order_by("-bar_ends_on", "-id")
        .first()
    )


def objection_queue(*, agency, filters) -> tuple[ObjectionQueueFilter, QuerySet[Objection]]:
    """The objections `agency` decides (Objection.objects.actionable_by), open ones unless the
    filter asks for the decided ones, the nearest deadline first (Objection.due_on as `due`)."""
    data = filters.copy()
    data.setdefault("state", ObjectionQueueFilter.OPEN)
    base = (
        Objection.objects.actionable_by(agency)
        .with_due()
        .select_related("entry__credit_list", "entry__enterprise")
        .order_by(F("due").asc(nulls_last=True), F("decided_on").desc(nulls_last=True), "-id")
    )
    filterset = ObjectionQueueFilter(data, queryset=base)
    return filterset, (filterset.qs if filterset.is_valid() else base.open())


def objection_rows(objections, *, today: dt.date | None = None) -> list[Objection]:
    """The queue's rows, each open one with `deadline` (portal.workdays.deadline_status)."""
    today = today or local_today()
    rows = list(objections)
    for objection in rows:
        due = objection.due_on
        objection.deadline = (deadline_status(due, today, provisional=objection.due_provisional)
                              if due is not None else None)
    return rows


_REMOVAL_RELATED = ("entry__credit_list__owner_agency", "entry__enterprise", "entry__reason", "entry__deciding_agency")


def removal_application_get(*, pk: int) -> RemovalApplication | None:
    return RemovalApplication.objects.select_related(*_REMOVAL_RELATED, "decided_by").filter(pk=pk).first()


def removal_queue(*, agency, filters) -> tuple[RemovalQueueFilter, QuerySet[RemovalApplication]]:
    """The removal applications `agency` decides (RemovalApplication.objects.actionable_by), pending
    ones unless the filter asks for the decided ones, the nearest deadline first."""
    data = filters.copy()
    data.setdefault("state", RemovalQueueFilter.PENDING)
    base = (
        RemovalApplication.objects.actionable_by(agency)
        .select_related(*_REMOVAL_RELATED)
        .order_by("decision_due", F("decided_at").desc(nulls_last=True), "-id")
    )
    filterset = RemovalQueueFilter(data, queryset=base)
    return filterset, (filterset.qs if filterset.is_valid() else base.pending())


def removal_rows(applications, *, today: dt.date | None = None) -> list[RemovalApplication]:
    """The queue's rows, each pending one with `deadline` (portal.workdays.deadline_status)."""
    today = today or local_today()
    rows = list(applications)
    for application in rows:
        application.deadline = (
            deadline_status(application.decision_due, today, provisional=application.decision_due_provisional)
            if application.is_pending else None
        )
    return rows
