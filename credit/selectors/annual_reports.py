"""Reads of annual reports: the public page of one year's report (every version) and the
enterprise's own view of what it must file (/account/ and /account/annual-reports/)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from credit import annual_reports as rules
from credit import filing
from credit.models import AnnualReport, AnnualReportDraft, Enterprise, RegistrationStatus
from credit.selectors.account import FilingReminder, annual_report_filing
from portal.workdays import DeadlineStatus, deadline_status


@dataclass
class ReportVersion:
    """One version as the public page shows it."""

    report: AnnualReport
    sections: list
    latest: bool = False


def report_versions(*, enterprise: Enterprise, year: int) -> list[ReportVersion]:
    """Every published version of the report for `year`, the latest first: one query."""
    reports = list(
        AnnualReport.objects.filter(enterprise=enterprise, year=year, published_at__isnull=False).order_by("-version")
    )
    return [
        ReportVersion(report, rules.report_display(entity_type=enterprise.entity_type, data=report.data,
                                                   withheld=report.withheld), latest=i == 0)
        for i, report in enumerate(reports)
    ]


def report_preview(*, enterprise: Enterprise, year: int, form: rules.ReportForm, next_version: int) -> ReportVersion:
    """The version a valid form would publish, shown as the public page shows it."""
    data, withheld, private = form.report_data()
    report = AnnualReport(enterprise=enterprise, year=year, version=next_version, data=data, withheld=withheld,
                          report_public=not private, submitted_at=timezone.now())
    return ReportVersion(report, rules.report_display(entity_type=enterprise.entity_type, data=data,
                                                      withheld=withheld), latest=True)


@dataclass(frozen=True)
class YearDue:
    year: int
    closes_on: dt.date
    days_left: int | None  # working days to 30 June (portal.workdays); None once it has passed
    overdue_since: dt.date | None
    draft: AnnualReportDraft | None = None
    deadline: DeadlineStatus | None = None  # the one reading of a deadline, shown by portal/_deadline.html


@dataclass(frozen=True)
class YearFiled:
    year: int
    first_submitted_at: dt.datetime
    late: bool
    versions: int
    latest_at: dt.datetime
    correctable_until: dt.date | None  # None: the correction window is over
    draft: AnnualReportDraft | None = None


@dataclass
class FilingOverview:
    due: list[YearDue] = field(default_factory=list)
    filed: list[YearFiled] = field(default_factory=list)
    drafts: list[AnnualReportDraft] = field(default_factory=list)
    reminder: FilingReminder | None = None


def filing_overview(*, enterprise: Enterprise, today: dt.date) -> FilingOverview:
    """The years the enterprise must still file (oldest first, with the 30 June deadline:
    days left or overdue since), those it filed (with versions and until when a correction is
    possible) and its drafts: two queries, however many reports it has."""
    first_year = today.year - filing.YEARS_DUE_LIMIT - 1
    rows = list(
        AnnualReport.objects.filter(enterprise=enterprise, year__gte=first_year, published_at__isnull=False)
        .order_by("year", "version").values_list("year", "version", "submitted_at")
    )
    drafts = {d.year: d for d in AnnualReportDraft.objects.filter(enterprise=enterprise).order_by("year")}
    by_year: dict[int, list] = {}
    for year, version, submitted_at in rows:
        by_year.setdefault(year, []).append((version, submitted_at))
    overview = FilingOverview(drafts=list(drafts.values()))
    for year in filing.report_years_open(established_on=enterprise.established_on, status=enterprise.status,
                                         today=today):
        closes = filing.filing_window(year)[1]
        if year in by_year:
            continue
        deadline = deadline_status(closes, today)
        overview.due.append(YearDue(year, closes, deadline.days_left, deadline.overdue_since, drafts.get(year),
                                    deadline))
    for year, versions in sorted(by_year.items(), reverse=True):
        closes = filing.filing_window(year)[1]
        overview.filed.append(YearFiled(
            year, versions[0][1], filing.filed_late(year, versions[0][1]), len(versions), versions[-1][1],
            closes if today <= closes else None, drafts.get(year),
        ))
    last = by_year.get(today.year - 1)
    overview.reminder = annual_report_filing(
        established_on=enterprise.established_on, today=today, filed_at=last[0][1] if last else None,
        deregistered=enterprise.status == RegistrationStatus.DEREGISTERED,
    )
    return overview


_STATUS_FROM_REGISTRATION = {
    RegistrationStatus.SUSPENDED: "suspended", RegistrationStatus.LIQUIDATION: "liquidation",
}


def report_prefill(*, enterprise: Enterprise, year: int) -> dict[str, list[str]]:
    """The form input a new filing starts from: the latest version for `year` when correcting,
    else the enterprise's latest earlier report, completed from the registration data (the
    domicile as mailing address, the operating status, the registered shareholders' capital)."""
    from credit.models import Shareholder

    source = (
        AnnualReport.objects.filter(enterprise=enterprise, year__lte=year, published_at__isnull=False)
        .order_by("-year", "-version").first()
    )
    data = dict(source.data) if source else {}
    raw_withheld = list(source.withheld) if source else []
    private = bool(source and not source.report_public)
    data.setdefault("address", enterprise.domicile)
    if not data.get("address"):
        data["address"] = enterprise.domicile
    if not data.get("operating_status"):
        data["operating_status"] = _STATUS_FROM_REGISTRATION.get(enterprise.status, "operating")
    variant = rules.variant_for(enterprise.entity_type)
    if "shareholders" in variant.item_keys and not data.get("shareholders"):
        rows = []
        holders = Shareholder.objects.filter(enterprise=enterprise, withdrawn_at__isnull=True).prefetch_related(
            "contributions").order_by("id")
        for holder in holders:
            contributions = list(holder.contributions.all())
            subscribed = next((c for c in contributions if c.kind == "subscribed"), None)
            paid = next((c for c in contributions if c.kind == "paid"), None)
            rows.append({
                "shareholder": holder.name, "subscribed_amount": rules._json(holder.subscribed_amount),
                "subscribed_on": subscribed.contributed_on.isoformat() if subscribed else "",
                "subscribed_form": subscribed.form if subscribed else "",
                "paid_amount": rules._json(holder.paid_amount),
                "paid_on": paid.contributed_on.isoformat() if paid else "",
                "paid_form": paid.form if paid else "",
            })
        data["shareholders"] = rows
    return rules.raw_from_data(data, raw_withheld, private)
