"""Entries: listing an enterprise, removing and revoking its entry."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from credit.models import AdministrativePenalty, Agency, Enterprise, EntityType
from credit.publication import publication_record
from listings.models import (
    CreditList,
    EntryState,
    ListEntry,
    ListEntryEvent,
    ListReason,
    Objection,
    already_listed_q,
    legal_representative_bar_end,
    local_today,
    validate_source_address,
)
from listings.notices import listed_notices_hand_over
from listings.services.common import (
    ABNORMAL_OPERATIONS,
    SERIOUS_ILLEGAL,
    ListingError,
    _actor_label,
    _files_showing,
    _require_decider,
    _require_lister,
)


def publication_window(
    *, credit_list: CreditList, enterprise: Enterprise, listed_on: dt.date
) -> tuple[dt.date | None, dt.date]:
    """(last day the entry is published or None for "until removed", first day repair may be asked)."""
    if credit_list.code == ABNORMAL_OPERATIONS and enterprise.entity_type == EntityType.INDIVIDUAL_BUSINESS:
        # Sole proprietors are marked abnormal from 1 July until 30 June of the next year.
        year = listed_on.year + 1 if listed_on.month >= 7 else listed_on.year
        return dt.date(year, 6, 30), listed_on
    ends_on = None
    if credit_list.max_publication_months is not None:
        ends_on = listed_on + relativedelta(months=credit_list.max_publication_months) - dt.timedelta(days=1)
    repair_from = listed_on + relativedelta(months=credit_list.min_publication_months or 0)
    return ends_on, repair_from


def _listing_basis_check(
    *, credit_list: CreditList, enterprise: Enterprise, penalty, other_legal_basis: str
) -> AdministrativePenalty | None:
    """A serious-list entry names the penalty decision it follows or its other legal basis
    (SAMR Order 44 Arts. 2, 19); a named penalty is the enterprise's own and still in force
    (read locked, so that a concurrent withdrawal either comes first or revokes the entry)."""
    if penalty is not None:
        penalty = AdministrativePenalty.objects.select_for_update().get(pk=penalty.pk)
        if penalty.enterprise_id != enterprise.pk:
            raise ListingError(_("Penalty decision: the penalty %(number)s was not imposed on this enterprise."),
                               code="penalty_other_enterprise", field="penalty",
                               params={"number": penalty.document_number})
        if penalty.withdrawn_at is not None:
            raise ListingError(_("Penalty decision: the penalty %(number)s was withdrawn; a listing cannot follow it."),
                               code="penalty_withdrawn", field="penalty", params={"number": penalty.document_number})
    elif credit_list.code == SERIOUS_ILLEGAL and not other_legal_basis:
        raise ListingError(
            _("Penalty decision: a listing on the serious illegal and dishonest list names the penalty decision it "
              "follows, or its other legal basis."),
            code="basis_required", field="penalty",
        )
    return penalty


@transaction.atomic
def list_entry_create(
    *,
    list_code: str,
    enterprise: Enterprise,
    reason_code: str,
    reason_text: str,
    decision_number: str,
    deciding_agency: Agency,
    decided_on: dt.date,
    listed_on: dt.date | None = None,
    legal_basis: str = "",
    source_label: str = "",
    source_url: str = "",
    penalty: AdministrativePenalty | None = None,
    other_legal_basis: str = "",
    actor=None,
) -> ListEntry:
    credit_list = CreditList.objects.select_related("owner_agency").filter(code=list_code).first()
    if credit_list is None:
        raise ListingError(_("There is no list with the code %(code)s."), code="unknown_list", params={"code": list_code})
    agency = _require_lister(actor=actor, credit_list=credit_list, enterprise=enterprise)
    if agency is not None and deciding_agency.pk != agency.pk:
        # Staff record their own agency's decisions; naming another authority would falsify the provenance.
        raise ListingError(
            _("Deciding authority: staff may record only decisions of their own agency (%(agency)s)."),
            code="not_own_decision",
            field="deciding_agency",
            params={"agency": agency.name},
        )
    reason = ListReason.objects.filter(credit_list=credit_list, code=reason_code).first()
    if reason is None:
        raise ListingError(
            _("Reason %(code)s is not one of the reasons of this list."),
            code="unknown_reason",
            field="reason_code",
            params={"code": reason_code},
        )
    today = local_today()
    listed_on = listed_on or today
    if decided_on > today:
        raise ListingError(_("The decision date cannot be in the future."), code="future_date", field="decided_on")
    if listed_on > today:
        raise ListingError(_("The listing date cannot be in the future."), code="future_date", field="listed_on")
    if listed_on < decided_on:
        raise ListingError(
            _("The listing date cannot be before the decision date."), code="listed_before_decision", field="listed_on"
        )
    if not decision_number.strip():
        raise ListingError(_("The decision number is required."), code="required", field="decision_number")
    other_legal_basis = (other_legal_basis or "").strip()
    penalty = _listing_basis_check(credit_list=credit_list, enterprise=enterprise, penalty=penalty,
                         other_legal_basis=other_legal_basis)
    source_url = source_url.strip()
    if source_url:
        try:
            validate_source_address(source_url)
        except ValidationError as error:
            raise ListingError(error.messages[0], code="invalid_source_address", field="source_url") from None
    # Lock the enterprise so that two concurrent listings for the same reason cannot both pass the check.
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    ends_on, repair_from = publication_window(credit_list=credit_list, enterprise=enterprise, listed_on=listed_on)
    if ListEntry.objects.filter(already_listed_q(enterprise=enterprise, reason=reason, today=today)).exists():
        raise ListingError(
            _("This enterprise is already on the list %(list)s for this reason."),
            code="duplicate",
            params={"list": credit_list.name},
        )
    barred_person_id = bar_ends_on = None
    if reason.bars_legal_representative and enterprise.legal_representative_id:
        barred_person_id = enterprise.legal_representative_id
        bar_ends_on = legal_representative_bar_end(listed_on)
    entry = ListEntry.objects.create(
        credit_list=credit_list,
        enterprise=enterprise,
        region_code=enterprise.region_code,
        reason=reason,
        reason_text=reason_text,
        legal_basis=legal_basis or credit_list.legal_basis,
        decision_number=decision_number.strip(),
        deciding_agency=deciding_agency,
        severity=credit_list.severity,
        decided_on=decided_on,
        listed_on=listed_on,
        publication_ends_on=ends_on,
        repair_from=repair_from,
        barred_person_id=barred_person_id,
        bar_ends_on=bar_ends_on,
        source_label=source_label,
        source_url=source_url,
        penalty=penalty,
        other_legal_basis=other_legal_basis,
    )
    ListEntryEvent.objects.create(entry=entry, kind=ListEntryEvent.Kind.LISTED, actor_label=_actor_label(actor))
    publication_record(
        action="listings.entry.created",
        actor=actor,
        actor_label=_actor_label(actor),
        obj=entry,
        payload={"list": credit_list.code, "enterprise": enterprise.uscc, "reason": reason.code,
                 "decision_number": entry.decision_number, "listed_on": listed_on.isoformat()},
        enterprises=_files_showing(entry),
    )
    listed_notices_hand_over(entry.pk)  # the liaisons' e-mail, once committed (listings/notices.py)
    return entry


def _lock_entry(entry: ListEntry) -> ListEntry:
    return ListEntry.objects.select_for_update(of=("self",)).select_related("credit_list__owner_agency").get(
        pk=entry.pk
    )


@transaction.atomic
def list_entry_remove(
    *,
    entry: ListEntry,
    removed_on: dt.date,
    reason: str,
    decision_number: str = "",
    removing_agency: Agency | None = None,
    actor=None,
) -> ListEntry:
    entry = _lock_entry(entry)
    agency = _require_decider(actor=actor, entry=entry)
    today = local_today()
    if entry.status_on(today) != "active":
        raise ListingError(
            _("Only an entry that is on the list can be removed; this one is %(status)s."),
            code="not_active",
            params={"status": entry.status_label},
        )
    if not reason.strip():
        raise ListingError(_("The removal reason is required."), code="required", field="reason")
    if removed_on > today:
        raise ListingError(_("The removal date cannot be in the future."), code="future_date", field="removed_on")
    if removed_on < entry.listed_on:
        raise ListingError(
            _("The removal date cannot be before the listing date (%(date)s)."),
            code="removed_before_listing",
            field="removed_on",
            params={"date": date_format(entry.listed_on)},
        )
    if removed_on < entry.repair_from:
        # Serious and general entries stay published for their minimum period; a wrong listing
        # is revoked (list_entry_revoke), not removed early.
        raise ListingError(
            _("Removal on application is possible only from %(date)s, when the minimum publication period ends."),
            code="minimum_period",
            field="removed_on",
            params={"date": date_format(entry.repair_from)},
        )
    entry.state = EntryState.REMOVED
    entry.state_changed_at = timezone.now()
    entry.removed_on = removed_on
    entry.removal_reason = reason.strip()
    entry.removal_decision_number = decision_number.strip()
    entry.removing_agency = removing_agency or agency or entry.credit_list.owner_agency
    entry.save(
        update_fields=["state", "state_changed_at", "removed_on", "removal_reason", "removal_decision_number",
                       "removing_agency"]
    )
    ListEntryEvent.objects.create(
        entry=entry, kind=ListEntryEvent.Kind.REMOVED, actor_label=_actor_label(actor), note=entry.removal_reason[:500]
    )
    publication_record(
        action="listings.entry.removed",
        actor=actor,
        actor_label=_actor_label(actor),
        obj=entry,
        payload={"removed_on": removed_on.isoformat(), "reason": entry.removal_reason},
        enterprises=_files_showing(entry),
    )
    return entry


def _revoke(
    *, entry: ListEntry, revoked_on: dt.date, reason: str, agency: Agency | None, actor, objection: Objection | None = None
) -> None:
    """Revoke a locked entry and write its one `listings.entry.revoked` event, whichever way it was revoked
    (by staff, or by an upheld objection, whose own decision is audited as well)."""
    entry.state = EntryState.REVOKED
    entry.state_changed_at = timezone.now()
    entry.removed_on = revoked_on
    entry.removal_reason = reason.strip()
    entry.removing_agency = agency or entry.credit_list.owner_agency
    entry.save(update_fields=["state", "state_changed_at", "removed_on", "removal_reason", "removing_agency"])
    ListEntryEvent.objects.create(
        entry=entry, kind=ListEntryEvent.Kind.REVOKED, actor_label=_actor_label(actor), note=entry.removal_reason[:500]
    )
    payload = {"revoked_on": revoked_on.isoformat(), "reason": entry.removal_reason}
    if objection is not None:
        payload["objection"] = objection.pk
    publication_record(action="listings.entry.revoked", actor=actor, actor_label=_actor_label(actor), obj=entry,
                       payload=payload, enterprises=_files_showing(entry))


@transaction.atomic
def penalty_entries_revoke(*, penalty: AdministrativePenalty, reason: str) -> int:
    """Revoke, through list_entry_revoke, every entry that follows a penalty now withdrawn
    (a system action: the consequence of the withdrawal, whoever withdrew it)."""
    revoked = 0
    for entry in ListEntry.objects.filter(penalty=penalty).exclude(state=EntryState.REVOKED):
        list_entry_revoke(entry=entry, revoked_on=max(local_today(), entry.listed_on),
                          reason=f"所依据的行政处罚决定（{penalty.document_number}）已撤销：{reason}"[:300], actor=None)
        revoked += 1
    return revoked


@transaction.atomic
def list_entry_revoke(*, entry: ListEntry, revoked_on: dt.date, reason: str, actor=None) -> ListEntry:
    """The listing was wrong (for example the underlying penalty was annulled): it is revoked, not removed."""
    entry = _lock_entry(entry)
    agency = _require_decider(actor=actor, entry=entry)
    if entry.state == EntryState.REVOKED:
        raise ListingError(_("This entry is already revoked."), code="already_revoked")
    if not reason.strip():
        raise ListingError(_("The reason is required."), code="required", field="reason")
    if revoked_on < entry.listed_on or revoked_on > local_today():
        raise ListingError(
            _("The revocation date must be between the listing date and today."), code="bad_date", field="revoked_on"
        )
    _revoke(entry=entry, revoked_on=revoked_on, reason=reason, agency=agency, actor=actor)
    return entry


@transaction.atomic
def list_entry_restore(*, entry: ListEntry, reason: str, actor=None) -> ListEntry:
    """Put a removed entry back on the list: a credit repair that removed it was revoked for a
    false commitment (listings.repair, SAMR Order 107 Art. 23). The removal's date and reason stay
    in the entry's history (a RESTORED event follows the REMOVED one); only the deciding authority."""
    entry = _lock_entry(entry)
    _require_decider(actor=actor, entry=entry)
    if entry.state != EntryState.REMOVED:
        raise ListingError(_("Only a removed entry can be put back on the list."), code="not_removed")
    if not reason.strip():
        raise ListingError(_("The reason is required."), code="required", field="reason")
    entry.state = EntryState.LISTED
    entry.state_changed_at = timezone.now()
    entry.removed_on = None
    entry.removal_reason = ""
    entry.removal_decision_number = ""
    entry.removing_agency = None
    entry.save(update_fields=["state", "state_changed_at", "removed_on", "removal_reason", "removal_decision_number",
                              "removing_agency"])
    ListEntryEvent.objects.create(
        entry=entry, kind=ListEntryEvent.Kind.RESTORED, actor_label=_actor_label(actor), note=reason.strip()[:500]
    )
    publication_record(action="listings.entry.restored", actor=actor, actor_label=_actor_label(actor), obj=entry,
                       payload={"reason": reason.strip()}, enterprises=_files_showing(entry))
    return entry
