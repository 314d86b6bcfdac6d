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
