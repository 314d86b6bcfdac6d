"""The repairable kinds listings registers (listings/parts.py): administrative penalties, list
entries and breaches of credit commitments. Their eligibility parts are documented in
docs/rules.md, "Credit repair"."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit.models import AdministrativePenalty, CommitmentBreach, Severity
from credit.services import penalty_publication_earliest_end
from listings.models import (
    ABNORMAL_OPERATIONS,
    EntryStatus,
    ListColour,
    ListEntry,
    SystemText,
    active_q,
)
from listings.repair.registry import KindRule, RepairableKind
from listings.repair.rules import DECISION_WORKING_DAYS, DECISION_WORKING_DAYS_ABNORMAL, months_after
from portal.i18n import localized_name

# SAMR Order 107 Art. 8: a penalty revoking the business licence or ordering closure simply runs
# its 3 years, with no early repair. Recognised by these words in the penalty's content or type
# of violation (the wording of the decisions: 吊销营业执照, 责令关闭; and the English forms).
NO_EARLY_REPAIR_WORDS = ("吊销营业执照", "责令关闭", "revoke the business licence", "revocation of the business licence",
                         "business licence revoked", "ordered to close", "ordered closure")


def penalty_without_early_repair(penalty: AdministrativePenalty) -> bool:
    text = f"{penalty.content} {penalty.violation_type}".lower()
    return any(word.lower() in text for word in NO_EARLY_REPAIR_WORDS)


def penalty_published_on(penalty: AdministrativePenalty, today: dt.date) -> bool:
    return (not penalty.warning_only and penalty.withdrawn_at is None
            and (penalty.publication_ends_on is None or penalty.publication_ends_on >= today))


def penalty_repair_from(penalty: AdministrativePenalty) -> dt.date:
    """Minor: from the decision (no minimum; Art. 7); general and serious: the day after the
    minimum period of the class (credit.services.penalty_publication_earliest_end)."""
    if penalty.severity == Severity.MINOR:
        return penalty.decided_on
    return penalty_publication_earliest_end(severity=penalty.severity, decided_on=penalty.decided_on) + dt.timedelta(
        days=1)


def _penalty_rule(penalty: AdministrativePenalty, today: dt.date) -> KindRule:
    if not penalty_published_on(penalty, today):
        return KindRule(published=False, repairable_from=None)
    if penalty_without_early_repair(penalty):
        return KindRule(published=True, repairable_from=None, code="not_repairable", message=gettext(
            "A penalty revoking the business licence or ordering closure is published for its full period; it "
            "cannot be repaired early (SAMR Order 107 Art. 8)."))
    return KindRule(published=True, repairable_from=penalty_repair_from(penalty))


def _penalty_records(enterprise_id: int, today: dt.date):
    return (
        AdministrativePenalty.objects.filter(enterprise_id=enterprise_id, warning_only=False, withdrawn_at__isnull=True)
        .filter(Q(publication_ends_on__isnull=True) | Q(publication_ends_on__gte=today))
        .select_related("source_agency").order_by("-decided_on", "-id")
    )


def _penalty_end(penalty: AdministrativePenalty, today: dt.date, actor, agency) -> dict:
    before = {"publication_ends_on": penalty.publication_ends_on.isoformat() if penalty.publication_ends_on else None}
    AdministrativePenalty.objects.filter(pk=penalty.pk).update(publication_ends_on=today - dt.timedelta(days=1))
    return before


def _penalty_restore(penalty: AdministrativePenalty, before: dict, actor, agency) -> None:
    value = before.get("publication_ends_on")
    AdministrativePenalty.objects.filter(pk=penalty.pk).update(
        publication_ends_on=dt.date.fromisoformat(value) if value else None)


PENALTY = RepairableKind(
    key="penalty", label=_("Administrative penalty"), order=10,
    records=_penalty_records,
    get=lambda pk: AdministrativePenalty.objects.select_related("source_agency", "enterprise").filter(pk=pk).first(),
    label_of=lambda p: gettext("Administrative penalty %(number)s (%(violation)s)") % {
        "number": p.document_number, "violation": p.violation_type},
    url_of=lambda p, uscc: f"/enterprises/{uscc}/#penalties",
    deciding_agency=lambda p: p.source_agency,
    decision_days=lambda p: DECISION_WORKING_DAYS,
    rule=_penalty_rule, end_publication=_penalty_end, restore=_penalty_restore,
    file_records=lambda context: list(context.get("penalties", [])),
)


def entry_deciding_agency(entry: ListEntry):
    """The listing authority: the bureau that listed the firm on a list decided by registration
    authorities (the abnormal-operations list: where the firm is registered), else the list's owner."""
    if entry.credit_list.registration_authority_decides:
        return entry.deciding_agency
    return entry.credit_list.owner_agency


def _entry_rule(entry: ListEntry, today: dt.date) -> KindRule:
    if entry.credit_list.colour != ListColour.BLACK or entry.status_on(today) != EntryStatus.ACTIVE:
        return KindRule(published=False, repairable_from=None)
    return KindRule(published=True, repairable_from=entry.repair_from)


def _entry_records(enterprise_id: int, today: dt.date):
    return (
        ListEntry.objects.filter(active_q(today), enterprise_id=enterprise_id, credit_list__colour=ListColour.BLACK)
        .select_related("credit_list__owner_agency", "reason", "deciding_agency").order_by("-listed_on", "-id")
    )


def _entry_end(entry: ListEntry, today: dt.date, actor, agency) -> dict:
    from listings.services import list_entry_remove

    before = {"state": entry.state, "publication_ends_on": (
        entry.publication_ends_on.isoformat() if entry.publication_ends_on else None)}
    list_entry_remove(entry=entry, removed_on=today, reason=SystemText.CREDIT_REPAIRED.value,
                      removing_agency=agency, actor=actor)
    return before


def _entry_restore(entry: ListEntry, before: dict, actor, agency) -> None:
    from listings.services import list_entry_restore

    list_entry_restore(entry=entry, reason=SystemText.REPAIR_REVOKED.value, actor=actor)


def _file_entries(context: dict) -> list:
    rows = []
    for key in ("listings_abnormal_entries", "listings_serious_entries", "listings_other_entries"):
        rows += [e for e in context.get(key, []) if getattr(e, "is_current", False) and not e.credit_list.is_red]
    return rows


LIST_ENTRY = RepairableKind(
    key="list_entry", label=_("List entry"), order=20,
    records=_entry_records,
    get=lambda pk: ListEntry.objects.select_related(
        "credit_list__owner_agency", "reason", "deciding_agency", "enterprise").filter(pk=pk).first(),
    label_of=lambda e: gettext("%(list)s: %(reason)s (%(number)s)") % {
        "list": localized_name(e.credit_list), "reason": localized_name(e.reason), "number": e.decision_number},
    url_of=lambda e, uscc: e.get_absolute_url(),
    deciding_agency=entry_deciding_agency,
    decision_days=lambda e: (DECISION_WORKING_DAYS_ABNORMAL if e.credit_list.code == ABNORMAL_OPERATIONS
                             else DECISION_WORKING_DAYS),
    rule=_entry_rule, end_publication=_entry_end, restore=_entry_restore, file_records=_file_entries,
)


# --- Breaches of credit commitments (credit.models.CommitmentBreach) ---------------------------
# A breach is a negative record of the credit file. The rules name no publication class for it
# (docs/rules.md 6): the general class applies, as for negative inspection results, so repair
# may be requested from 3 months after the decision (BREACH_MINIMUM_MONTHS); the agency that
# recorded it (the letter's agency) decides within 7 working days; approval ends its publication
# the day before (publication_ends_on), and the letter is no longer shown breached.
BREACH_MINIMUM_MONTHS = 3


def breach_published_on(breach: CommitmentBreach, today: dt.date) -> bool:
    return breach.withdrawn_at is None and (breach.publication_ends_on is None or breach.publication_ends_on >= today)


def _breach_rule(breach: CommitmentBreach, today: dt.date) -> KindRule:
    if not breach_published_on(breach, today):
        return KindRule(published=False, repairable_from=None)
    return KindRule(published=True, repairable_from=months_after(breach.decided_on, BREACH_MINIMUM_MONTHS))


def _breach_records(enterprise_id: int, today: dt.date):
    return (
        CommitmentBreach.objects.filter(enterprise_id=enterprise_id, withdrawn_at__isnull=True)
        .filter(Q(publication_ends_on__isnull=True) | Q(publication_ends_on__gte=today))
        .select_related("source_agency").order_by("-decided_on", "-id")
    )


def _breach_end(breach: CommitmentBreach, today: dt.date, actor, agency) -> dict:
    before = {"publication_ends_on": breach.publication_ends_on.isoformat() if breach.publication_ends_on else None}
    CommitmentBreach.objects.filter(pk=breach.pk).update(publication_ends_on=today - dt.timedelta(days=1))
    return before


def _breach_restore(breach: CommitmentBreach, before: dict, actor, agency) -> None:
    value = before.get("publication_ends_on")
    CommitmentBreach.objects.filter(pk=breach.pk).update(
        publication_ends_on=dt.date.fromisoformat(value) if value else None)


COMMITMENT_BREACH = RepairableKind(
    key="commitment_breach", label=_("Breach of a credit commitment"), order=25,
    records=_breach_records,
    get=lambda pk: CommitmentBreach.objects.select_related("source_agency", "enterprise").filter(pk=pk).first(),
    label_of=lambda b: gettext("Breach of a credit commitment %(number)s") % {"number": b.document_number},
    url_of=lambda b, uscc: f"/enterprises/{uscc}/#commitment-breaches",
    deciding_agency=lambda b: b.source_agency,
    decision_days=lambda b: DECISION_WORKING_DAYS,
    rule=_breach_rule, end_publication=_breach_end, restore=_breach_restore,
    file_records=lambda context: [b for b in context.get("commitment_breaches", []) if b.withdrawn_at is None],
)
