"""Whether a list entry's cause has been cured, so that the enterprise may apply for its removal:
the one home of the rule (SAMR Order 101 Arts. 13-15; docs/rules.md section 4), used by the
removal-application service, the form at /account/entries/<id>/removal/, the enterprise's
account page and the deciding authority's queue.

- `no_annual_report`: every report year the entry concerns now has a report
  (credit.filing.report_filed_q). An entry concerns its `report_year` (the non-filer sweep
  records it; an entry made by hand without one concerns the year before its listing year) and
  every later year whose filing window has closed and for which the enterprise had to file
  (credit.filing.filing_required_q): the sweep does not list an enterprise again while it is on
  the list for the same reason, so the entry stands for those years too.
- `disclosure_not_made`: an instant disclosure published after the entry was.
- `unreachable`: the enterprise states the address at which it can be reached; the authority
  confirms it when deciding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import BooleanField, ExpressionWrapper
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from credit.filing import filing_required_q, filing_window, report_filed_q
from credit.models import Enterprise, InstantDisclosure
from listings.models import ABNORMAL_OPERATIONS, EntryStatus, ListEntry, SystemText

NO_ANNUAL_REPORT = "no_annual_report"
DISCLOSURE_NOT_MADE = "disclosure_not_made"
UNREACHABLE = "unreachable"
# The reasons whose removal the enterprise applies for once cured, with the removal's stated reason.
CURABLE_REASONS = {
    NO_ANNUAL_REPORT: SystemText.CURED_ANNUAL_REPORT,
    DISCLOSURE_NOT_MADE: SystemText.CURED_DISCLOSURE,
    UNREACHABLE: SystemText.CURED_REACHABLE,
}


@dataclass(frozen=True)
class Cure:
    """`applicable`: the entry is of a kind the enterprise applies to leave; `missing`: what the
    enterprise must still do, each a sentence naming it (empty: cured); `needs_address`: the
    application states a reachable address."""

    applicable: bool
    missing: list[str] = field(default_factory=list)
    needs_address: bool = False

    @property
    def cured(self) -> bool:
        return self.applicable and not self.missing


def is_curable(entry: ListEntry) -> bool:
    """Whether the enterprise may apply for removal of `entry` on cure (its kind, not its state)."""
    return entry.credit_list.code == ABNORMAL_OPERATIONS and entry.reason.code in CURABLE_REASONS


def last_closed_report_year(today: dt.date) -> int:
    """The latest report year whose filing window has closed on `today`."""
    return today.year - 1 if today > filing_window(today.year - 1)[1] else today.year - 2


def report_years_concerned(entry: ListEntry, today: dt.date) -> list[int]:
    """The report years a `no_annual_report` entry stands for (see the module's docstring)."""
    first = entry.report_year if entry.report_year is not None else entry.listed_on.year - 1
    return list(range(first, max(first, last_closed_report_year(today)) + 1))


def missing_report_years(entry: ListEntry, today: dt.date) -> list[int]:
    """The concerned years the enterprise had to file for and has no report for (one query)."""
    years = report_years_concerned(entry, today)
    row = (
        Enterprise.objects.filter(pk=entry.enterprise_id)
        .annotate(**{f"required_{y}": ExpressionWrapper(filing_required_q(y), output_field=BooleanField())
                     for y in years[1:]})
        .annotate(**{f"filed_{y}": report_filed_q(y) for y in years})
        .values(*[f"required_{y}" for y in years[1:]], *[f"filed_{y}" for y in years])
        .first()
    ) or {}
    # The entry's own first year is missing unless filed; later years only where filing was required.
    return [y for i, y in enumerate(years) if not row.get(f"filed_{y}") and (i == 0 or row.get(f"required_{y}"))]


def entry_cure(entry: ListEntry, *, today: dt.date, stated_address: str = "") -> Cure:
    """What stands between `entry` and an application for its removal (see the module docstring).
    An entry no longer on the list, or of another kind, is not `applicable`."""
    if not is_curable(entry) or entry.status_on(today) != EntryStatus.ACTIVE:
        return Cure(applicable=False)
    code = entry.reason.code
    if code == NO_ANNUAL_REPORT:
        years = missing_report_years(entry, today)
        if not years:
            return Cure(applicable=True)
        listed = ", ".join(str(y) for y in years)
        return Cure(applicable=True, missing=[ngettext(
            "The annual report for %(years)s has not been filed: file it from your account first.",
            "The annual reports for %(years)s have not been filed: file them from your account first.",
            len(years)) % {"years": listed}])
    if code == DISCLOSURE_NOT_MADE:
        if InstantDisclosure.objects.filter(enterprise_id=entry.enterprise_id,
                                            published_at__gt=entry.published_at).exists():
            return Cure(applicable=True)
        return Cure(applicable=True, missing=[gettext(
            "No instant disclosure was published after the listing on %(date)s: publish the information "
            "that was ordered first.") % {"date": date_format(entry.published_on)}])
    if stated_address.strip():
        return Cure(applicable=True, needs_address=True)
    return Cure(applicable=True, needs_address=True, missing=[gettext(
        "Reachable address: state the address at which the authority can reach your enterprise.")])
