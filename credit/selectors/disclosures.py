"""What /account/ shows of the enterprise's instant disclosures: each disclosure with all its
versions (the latest first), its deadline and late mark (credit.models.disclosure_deadline,
disclosure_late)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q

from credit.models import Enterprise, InstantDisclosure

PAGE_SIZE = 50


@dataclass(frozen=True)
class DisclosureSeries:
    """One disclosure: its versions, newest first (`current` is the one in force)."""

    versions: list[InstantDisclosure]

    @property
    def current(self) -> InstantDisclosure:
        return self.versions[0]

    @property
    def first(self) -> InstantDisclosure:
        return self.versions[-1]

    @property
    def corrected(self) -> bool:
        return len(self.versions) > 1


def _series(firsts: list[InstantDisclosure]) -> list[DisclosureSeries]:
    """The versions of the given first versions, in one query."""
    by_first = {first.pk: [first] for first in firsts}
    corrections = InstantDisclosure.objects.filter(original_id__in=list(by_first)).order_by("version")
    for correction in corrections:
        correction.original = by_first[correction.original_id][0]  # first_published_at without a query
        by_first[correction.original_id].append(correction)
    return [DisclosureSeries(list(reversed(by_first[first.pk]))) for first in firsts]


def enterprise_disclosures(*, enterprise: Enterprise, page: int | str = 1) -> tuple[Page, list[DisclosureSeries]]:
    """A page of the enterprise's disclosures, newest fact first: three queries for any number."""
    firsts = InstantDisclosure.objects.filter(enterprise=enterprise, original=None).order_by("-fact_date", "-id")
    page_obj = Paginator(firsts, PAGE_SIZE).get_page(page)
    return page_obj, _series(list(page_obj.object_list))


def recent_disclosures(*, enterprise: Enterprise, limit: int = 5) -> list[DisclosureSeries]:
    """The /account/ panel: the latest disclosures made, with their versions, in one query."""
    firsts = InstantDisclosure.objects.filter(enterprise=enterprise, original=None).order_by("-published_at", "-id")
    ids = firsts.values("pk")[:limit]
    rows = list(InstantDisclosure.objects.filter(Q(pk__in=ids) | Q(original_id__in=ids)).order_by("version"))
    by_first: dict[int, list[InstantDisclosure]] = {}
    for row in rows:  # version 1 comes first, so each first version is there before its corrections
        if row.original_id is None:
            by_first[row.pk] = [row]
        else:
            row.original = by_first[row.original_id][0]
            by_first[row.original_id].append(row)
    ordered = sorted(by_first.values(), key=lambda versions: (versions[0].published_at, versions[0].pk), reverse=True)
    return [DisclosureSeries(list(reversed(versions))) for versions in ordered]
