"""Who must file an annual report for which year, and when: the one home of the rule
(Interim Regulations on Enterprise Information Publicity Art. 8; docs/rules.md section 3).

The report for year Y is filed from 1 January to 30 June of Y + 1 (`filing_window`). Every
enterprise that existed in year Y files it (one set up during Y files its first report, for
Y, in Y + 1); deregistered enterprises and those whose business licence was revoked do not
(`filing_required_q`). A report counts as filed once any version of it was submitted
(`report_filed_q`): the annual report rows are the submitted versions, drafts live elsewhere.

Used by the enterprise's own area, the non-filer sweep onto the abnormal-operations list and
the filing reminders, so that all three agree on who is a non-filer.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from credit.models import AnnualReport, Enterprise, RegistrationStatus

# Registration states whose enterprises no longer file.
NOT_FILING_STATUSES = (RegistrationStatus.DEREGISTERED, RegistrationStatus.REVOKED)


def filing_window(year: int) -> tuple[dt.date, dt.date]:
    """(first day, last day) for filing (and correcting) the report for `year`."""
    return dt.date(year + 1, 1, 1), dt.date(year + 1, 6, 30)


def filing_required_q(year: int, prefix: str = "") -> Q:
    """Enterprises (at `prefix`, e.g. "enterprise__") that must file the report for `year`."""
    return Q(**{f"{prefix}established_on__lt": dt.date(year + 1, 1, 1)}) & ~Q(
        **{f"{prefix}status__in": NOT_FILING_STATUSES}
    )


def report_filed_q(year: int, outer: str = "pk") -> Exists:
    """Whether the enterprise whose id is at `outer` submitted a report for `year`."""
    return Exists(AnnualReport.objects.filter(enterprise_id=OuterRef(outer), year=year))


def non_filers(year: int) -> QuerySet[Enterprise]:
    """Enterprises that had to file the report for `year` and filed no version of it."""
    return Enterprise.objects.filter(filing_required_q(year)).exclude(report_filed_q(year))


# How many past report years /account/ offers for filing: the oldest years beyond it are
# settled with the registration authority rather than filed online (a portal choice, not a
# rule of the regulations; docs/rules.md section 3).
YEARS_DUE_LIMIT = 3


def filing_required(*, established_on: dt.date, status: str, year: int) -> bool:
    """`filing_required_q` for one enterprise already loaded."""
    return established_on < dt.date(year + 1, 1, 1) and status not in NOT_FILING_STATUSES


def report_years_open(*, established_on: dt.date, status: str, today: dt.date) -> list[int]:
    """The report years an enterprise may file on `today`, oldest first: every year whose
    window has opened (the year is over) and that it had to file, at most the last
    YEARS_DUE_LIMIT. Late filing is allowed: it is the cure of a non-filer listing."""
    last = today.year - 1
    return [year for year in range(last - YEARS_DUE_LIMIT + 1, last + 1)
            if filing_required(established_on=established_on, status=status, year=year)]


def filed_late(year: int, submitted_at: dt.datetime) -> bool:
    """A first filing after the window closed (shown publicly with the filing date)."""
    return timezone.localdate(submitted_at) > filing_window(year)[1]


def correction_refusal(year: int, today: dt.date) -> str | None:
    """Why a report for `year` can no longer be corrected on `today`, naming the rule, or None:
    corrections are made until 30 June of the filing year (Reg. Art. 12)."""
    closes = filing_window(year)[1]
    if today <= closes:
        return None
    return gettext(
        "The report for %(year)s can no longer be corrected: corrections are made until %(closes)s, "
        "30 June of the year after the report year (Reg. Art. 12)."
    ) % {"year": year, "closes": date_format(closes)}


def report_refusal(*, established_on: dt.date, status: str, year: int, today: dt.date, filed: bool) -> str | None:
    """Why the enterprise cannot file (or, once `filed`, correct) the report for `year` on
    `today`, naming the rule; None when it can. The one check of the filing pages and services."""
    if filed:
        return correction_refusal(year, today)
    if year not in report_years_open(established_on=established_on, status=status, today=today):
        return gettext(
            "No report for %(year)s can be filed here: the portal takes the reports of the last %(limit)s "
            "years whose year is over and which the enterprise had to file (Reg. Art. 8)."
        ) % {"year": year, "limit": YEARS_DUE_LIMIT}
    return None
