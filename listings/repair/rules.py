"""The one eligibility rule of credit repair (docs/rules.md, "Credit repair"): for a record on
a day, the first day repair may be requested, or why it cannot be, as a code and a message.

Checked in this order (the first that applies answers):
1. `deregistered`: the enterprise is deregistered; none of its negative records is published
   (SAMR Order 107 Art. 20), so there is nothing to repair.
2. `not_published`: the record is not published today (expired, withdrawn, removed, repaired).
3. the kind's own refusal (`not_repairable`: a penalty revoking the business licence or
   ordering closure, Art. 8 "no early repair").
4. `application_open`: an application for the record is being handled.
5. `fraud_bar`: a repair of the record was revoked for a false commitment less than 3 years ago
   (Art. 23): refused up to and including RepairApplication.revocation_published_until, accepted
   from the day after (the day 3 years after the revocation).
6. `minimum_period`: the minimum publication period has not passed; repair from the kind's date.
Otherwise repair may be requested (code "").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.utils.formats import date_format
from django.utils.translation import gettext

from credit.models import RegistrationStatus
from listings.repair.registry import KindRule, RepairableKind

# Order 107 Art. 23: a revoked repair is published, and bars a new application, for 3 years.
FRAUD_BAR_YEARS = 3
ACCEPTANCE_WORKING_DAYS = 2  # Art. 14
EXTENSION_WORKING_DAYS = 10  # Art. 16
DECISION_WORKING_DAYS_ABNORMAL = 2  # Art. 16: removal from the abnormal-operations list
DECISION_WORKING_DAYS = 7  # Art. 16: penalties, spot-check results, the serious list


@dataclass(frozen=True)
class Eligibility:
    repairable_from: dt.date | None
    code: str = ""
    message: str = ""

    @property
    def repairable(self) -> bool:
        return self.code == ""


def fraud_bar_last_day(revoked_on: dt.date) -> dt.date:
    """The last day a revocation on `revoked_on` is published and bars a new application."""
    return revoked_on + relativedelta(years=FRAUD_BAR_YEARS) - dt.timedelta(days=1)


def eligibility(kind: RepairableKind, record, today: dt.date, *, applications=(), enterprise_status: str = ""
                ) -> Eligibility:
    """The rule above for `record` of `kind` on `today`. `applications`: the record's repair
    applications (any order; RepairApplication rows); `enterprise_status`: its enterprise's
    registration status."""
    if enterprise_status == RegistrationStatus.DEREGISTERED:
        return Eligibility(None, "deregistered", gettext(
            "The enterprise is deregistered: its negative records are no longer published, so there is "
            "nothing to repair."))
    rule: KindRule = kind.rule(record, today)
    if not rule.published:
        return Eligibility(None, "not_published", gettext(
            "This record is no longer published; there is nothing to repair."))
    if rule.code:
        return Eligibility(None, rule.code, rule.message)
    if any(a.is_open for a in applications):
        return Eligibility(None, "application_open", gettext(
            "An application to repair this record is being handled."))
    bars = [a.revocation_published_until for a in applications
            if a.revocation_published_until is not None and a.revocation_published_until >= today]
    if bars:
        since = max(bars) + dt.timedelta(days=1)
        return Eligibility(since, "fraud_bar", gettext(
            "A repair of this record was revoked for a false commitment; no new application is accepted "
            "before %(date)s.") % {"date": date_format(since)})
    if rule.repairable_from is not None and today < rule.repairable_from:
        return Eligibility(rule.repairable_from, "minimum_period", gettext(
            "The minimum publication period has not passed: repair may be requested from %(date)s.")
            % {"date": date_format(rule.repairable_from)})
    return Eligibility(rule.repairable_from or today)


def months_after(day: dt.date, months: int) -> dt.date:
    """The day `months` months after `day` (the minimum's end is the day before)."""
    return day + relativedelta(months=months)
