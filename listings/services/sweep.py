"""The non-filer sweep: every enterprise that had to file the annual report for a year and did
not goes on the abnormal-operations list, set-based (Interim Regulations Art. 17; SAMR Order 101
Art. 7). Who must file is credit.filing's rule; the listing is list_entry_create's, as SQL."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Case, Exists, F, OuterRef, Value, When
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from credit.filing import filing_window, non_filers
from credit.models import Enterprise, EntityType
from credit.publication import publication_record
from listings.models import (
    CreditList,
    EntryState,
    ListEntry,
    ListEntryEvent,
    ListReason,
    already_listed_q,
    legal_representative_bar_end,
    local_today,
)
from listings.services.common import ABNORMAL_OPERATIONS, ListingError
from listings.services.entries import publication_window
from portal.models import AuditEvent
from portal.workdays import Deadline, add_working_days

NON_FILER_REASON = "no_annual_report"
SWEEP_ACTION = "listings.non_filers.listed"
# SAMR Order 101 Art. 7: the listing follows within 10 working days after 30 June.
SWEEP_WORKING_DAYS_MAX = 10
# Above this many listings the run invalidates every credit file at once instead of each listed one.
SWEEP_FILE_TOUCH_MAX = 20_000


def non_filer_sweep_day(run_year: int) -> Deadline:
    """The day from which the sweep of the report year run_year - 1 runs: NON_FILER_SWEEP_WORKING_DAYS
    working days after 30 June of `run_year`, the last day for filing."""
    return add_working_days(dt.date(run_year, 6, 30), settings.NON_FILER_SWEEP_WORKING_DAYS)


def non_filer_reason_text(year: int) -> str:
    return f"{year}年度报告未依照《企业信息公示暂行条例》第八条规定的期限公示"


def _window_cases(*, credit_list: CreditList, listed_on: dt.date) -> tuple[Case, Case]:
    """publication_window for every entity type, as CASE expressions on the enterprise's type: the
    very rule list_entry_create applies to one enterprise (sole proprietors: until 30 June)."""
    ends, repairs = [], []
    for entity_type in EntityType.values:
        ends_on, repair_from = publication_window(
            credit_list=credit_list, enterprise=Enterprise(entity_type=entity_type), listed_on=listed_on
        )
        ends.append(When(entity_type=entity_type, then=Value(ends_on, output_field=models.DateField())))
        repairs.append(When(entity_type=entity_type, then=Value(repair_from)))
    return (
        Case(*ends, default=Value(None), output_field=models.DateField()),
        Case(*repairs, default=Value(listed_on), output_field=models.DateField()),
    )


@transaction.atomic
def non_filers_list(*, year: int, today: dt.date | None = None) -> int:
    """Put on the abnormal-operations list every enterprise that had to file the report for `year`
    and filed none (credit.filing.non_filers), once the filing window has closed; the number listed.

    Set-based: one INSERT ... SELECT writes the entries (deciding agency: each enterprise's
    registration authority; a decision number per entry; the publication window of its type;
    `report_year` = `year`), one more their history events, one UPDATE raises their files'
    versions (above SWEEP_FILE_TOUCH_MAX listings: the generation of every file, one row) and one
    audit event records the run (also when it listed nobody: the beat task reads
    it to know the year's sweep has run). Idempotent: an enterprise with an entry for `year`, in
    whatever state, or already on the list for the same reason, is left out (and the partial unique
    constraint on enterprise, reason and report year stops a concurrent run).
    """
    today = today or local_today()
    closes = filing_window(year)[1]
    if today <= closes:
        raise ListingError(
            _("The reports for %(year)s may be filed until %(date)s; non-filers are listed only after that."),
            code="window_open", params={"year": year, "date": date_format(closes)},
        )
    credit_list = CreditList.objects.get(code=ABNORMAL_OPERATIONS)
    reason = ListReason.objects.get(credit_list=credit_list, code=NON_FILER_REASON)
    run_at = timezone.now()
    ends_on, repair_from = _window_cases(credit_list=credit_list, listed_on=today)
    columns = {
        "credit_list_id": Value(credit_list.pk),
        "enterprise_id": F("pk"),
        "region_code": F("region_code"),
        "reason_id": Value(reason.pk),
        "reason_text": Value(non_filer_reason_text(year)),
        "legal_basis": Value(credit_list.legal_basis),
        "decision_number": Concat(Value(f"年报列异〔{today.year}〕"), F("uscc"), Value("号"),
                                  output_field=models.CharField()),
        "deciding_agency_id": F("registration_authority_id"),
        "severity": Value(credit_list.severity),
        "decided_on": Value(today),
        "listed_on": Value(today),
        "publication_ends_on": ends_on,
        "repair_from": repair_from,
        "state": Value(EntryState.LISTED.value),
        "state_changed_at": Value(run_at),
        "removal_reason": Value(""),
        "removal_decision_number": Value(""),
        "other_legal_basis": Value(""),
        "source_label": Value(""),
        "source_url": Value(""),
        "published_at": Value(run_at),
        "report_year": Value(year),
    }
    if reason.bars_legal_representative:
        columns["barred_person_id"] = F("legal_representative_id")
        columns["bar_ends_on"] = Value(legal_representative_bar_end(today))
    aliases = {column: f"sweep_{column}" for column in columns}
    selection = (
        non_filers(year)
        .exclude(Exists(ListEntry.objects.filter(
            already_listed_q(enterprise=OuterRef("pk"), reason=reason, today=today))))
        .exclude(Exists(ListEntry.objects.filter(enterprise=OuterRef("pk"), reason=reason, report_year=year)))
    )
    selection = selection.annotate(**{aliases[c]: e for c, e in columns.items()}).order_by().values(*aliases.values())
    select_sql, params = selection.query.sql_with_params()
    entry_table = ListEntry._meta.db_table
    event_table = ListEntryEvent._meta.db_table
    run_at_db = connection.ops.adapt_datetimefield_value(run_at)
    with connection.cursor() as cursor:
        # WHERE 1 = 1: SQLite needs a WHERE before ON CONFLICT in an INSERT ... SELECT.
        cursor.execute(
            f"""INSERT INTO {entry_table} ({", ".join(columns)})
                SELECT {", ".join(f"chosen.{alias}" for alias in aliases.values())}
                  FROM ({select_sql}) chosen WHERE 1 = 1
                    ON CONFLICT DO NOTHING""",  # noqa: S608 - table and column names are ours
            params,
        )
        listed = max(cursor.rowcount, 0)
        if listed:
            cursor.execute(
                f"""INSERT INTO {event_table} (entry_id, kind, occurred_at, actor_label, note)
                    SELECT id, %s, %s, %s, %s FROM {entry_table}
                     WHERE state_changed_at = %s AND reason_id = %s AND report_year = %s""",  # noqa: S608
                [ListEntryEvent.Kind.LISTED, run_at_db, "system", "", run_at_db, reason.pk, year],
            )
    payload = {"year": year, "today": today.isoformat(), "entries": listed, "run_at": run_at.isoformat()}
    # The entries this run wrote: one feed event each, streamed in id order (credit.changes).
    swept = ListEntry.objects.filter(state_changed_at=run_at, reason=reason, report_year=year)
    if listed > SWEEP_FILE_TOUCH_MAX:
        # Raising the version of this many files rewrites as many enterprise rows with all their
        # indexes (42 s for 116,000 of 1,000,000 in bench/RESULTS.md); a once-a-year sweep instead
        # raises the generation that keys every credit file, one UPDATE of one row.
        payload["enterprises"] = "all (site-wide generation)"
        publication_record(action=SWEEP_ACTION, actor_label="system", payload=payload, site_wide=True,
                           changed=[swept])
    else:
        publication_record(
            action=SWEEP_ACTION,
            actor_label="system",
            payload=payload,
            enterprises=swept.values("enterprise_id"),
            changed=[swept],
        )
    return listed


def non_filers_sweep_due(*, today: dt.date | None = None) -> int | None:
    """What the daily beat task does: from the sweep day of this year on (non_filer_sweep_day), the
    sweep of last year's reports runs unless it has run (its audit event), so a day the task did
    not run is caught up the next. The number listed, or None when nothing was due."""
    today = today or local_today()
    year = today.year - 1
    if today < non_filer_sweep_day(today.year).date:
        return None
    if AuditEvent.objects.filter(action=SWEEP_ACTION, payload__year=year).exists():
        return None
    return non_filers_list(year=year, today=today)
