"""The enterprise's own area (/account/): who is signed in, credit's own panel (the
annual-report filing window) and the frame that gathers every app's panels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from credit import sections
from credit.models import AnnualReport, Enterprise, RegistrationStatus


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
    """Where an enterprise stands with its annual report on `today` (docs/rules.md): the report
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


def account_overview(*, enterprise: Enterprise, today: dt.date | None = None, user=None) -> dict[str, Any]:
    """Everything /account/ shows: the enterprise and each registered panel's context,
    in the panels' order (see the query-count test); a per-user panel gets the signed-in `user`."""
    today = today or timezone.localdate()
    context: dict[str, Any] = {"enterprise": enterprise, "today": today}
    panels = sections.account_panels()
    for panel in panels:
        if panel.per_user:
            context.update(panel.load(enterprise=enterprise, today=today, user=user))
        else:
            context.update(panel.load(enterprise=enterprise, today=today))
    context["panels"] = panels
    return context
