"""Objections to an entry: submission within 30 days, acceptance, verification, decision."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from credit.publication import publication_record
from listings.models import (
    EntryState,
    ListEntry,
    ListEntryEvent,
    Objection,
    SystemText,
    local_today,
)
from listings.services.common import (
    OBJECTION_ACCEPTANCE_WORKING_DAYS,
    OBJECTION_VERIFICATION_WORKING_DAYS,
    ListingError,
    _actor_label,
    _require_decider,
)
from listings.services.entries import _lock_entry, _revoke
from portal import access
from portal.workdays import add_working_days


@transaction.atomic
def objection_submit(
    *, entry: ListEntry, grounds: str, submitted_on: dt.date | None = None, actor=None
) -> Objection:
    entry = _lock_entry(entry)
    submitted_on = submitted_on or local_today()
    own_enterprise_id = access.who(actor).enterprise_id if actor is not None else None
    if own_enterprise_id is not None and own_enterprise_id != entry.enterprise_id:
        raise ListingError(_("You may object only to your own enterprise's entries."), code="not_own_entry")
    if own_enterprise_id is None and actor is not None:
        _require_decider(actor=actor, entry=entry)
    refusal = entry.objection_refusal(
        submitted_on,
        objection_open=entry.objections.open().exists(),
    )
    if refusal == "not_active":
        raise ListingError(_("Only an entry that is on the list can be objected to."), code="not_active")
    if not grounds.strip():
        raise ListingError(_("Please state the grounds of the objection."), code="required", field="grounds")
    if refusal == "objection_late":
        raise ListingError(
            _("Objections must be made within 30 days of publication (by %(date)s)."),
            code="objection_late",
            field="submitted_on",
            params={"date": date_format(entry.objection_deadline)},
        )
    if refusal == "objection_open":
        raise ListingError(_("An objection to this entry is already being handled."), code="objection_open")
    due = add_working_days(submitted_on, OBJECTION_ACCEPTANCE_WORKING_DAYS)
    objection = Objection.objects.create(
        entry=entry,
        submitted_by=actor if actor is not None and actor.is_authenticated else None,
        submitted_on=submitted_on,
        grounds=grounds.strip(),
        acceptance_due=due.date,
        acceptance_due_provisional=due.provisional,
    )
    ListEntryEvent.objects.create(
        entry=entry, kind=ListEntryEvent.Kind.OBJECTION, actor_label=_actor_label(actor), note=SystemText.OBJECTION_SUBMITTED.value
    )
    publication_record(
        action="listings.objection.submitted",
        actor=actor,
        actor_label=_actor_label(actor),
        obj=objection,
        payload={"entry": entry.pk, "acceptance_due": due.date.isoformat()},
        enterprises=[entry.enterprise_id],
    )
    return objection


def _lock_objection(objection: Objection) -> Objection:
    return (
        Objection.objects.select_for_update(of=("self",))
        .select_related("entry__credit_list__owner_agency")
        .get(pk=objection.pk)
    )


@transaction.atomic
def objection_accept(*, objection: Objection, actor, accepted_on: dt.date | None = None) -> Objection:
    objection = _lock_objection(objection)
    agency = _require_decider(actor=actor, entry=objection.entry)
    if objection.state != Objection.State.SUBMITTED:
        raise ListingError(_("Only a submitted objection can be accepted."), code="bad_state")
    accepted_on = accepted_on or local_today()
    if accepted_on < objection.submitted_on:
        raise ListingError(
            _("The acceptance date cannot be before the submission date."), code="bad_date", field="accepted_on"
        )
    due = add_working_days(accepted_on, OBJECTION_VERIFICATION_WORKING_DAYS)
    objection.state = Objection.State.ACCEPTED
    objection.accepted_on = accepted_on
    objection.verification_due = due.date
    objection.verification_due_provisional = due.provisional
    objection.deciding_agency = agency or objection.entry.credit_list.owner_agency
    objection.save(
        update_fields=["state", "accepted_on", "verification_due", "verification_due_provisional", "deciding_agency"]
    )
    publication_record(
        action="listings.objection.accepted",
        actor=actor,
        obj=objection,
        payload={"verification_due": due.date.isoformat(), "provisional": due.provisional},
        enterprises=[objection.entry.enterprise_id],
    )
    return objection


@transaction.atomic
def objection_decide(
    *, objection: Objection, upheld: bool, reason: str, actor, decided_on: dt.date | None = None
) -> Objection:
    """Reject (at acceptance or after verification) or uphold; upholding revokes the entry."""
    objection = _lock_objection(objection)
    agency = _require_decider(actor=actor, entry=objection.entry)
    if not objection.is_open:
        raise ListingError(_("This objection has already been decided."), code="bad_state")
    if upheld and objection.state != Objection.State.ACCEPTED:
        raise ListingError(_("An objection must be accepted and verified before it is upheld."), code="bad_state")
    if not reason.strip():
        raise ListingError(_("Please give the reasons for the decision."), code="required", field="reason")
    decided_on = decided_on or local_today()
    if decided_on < (objection.accepted_on or objection.submitted_on):
        raise ListingError(
            _("The decision date cannot be before %(date)s, when the objection was submitted or accepted."),
            code="bad_date", field="decided_on",
            params={"date": date_format(objection.accepted_on or objection.submitted_on)},
        )
    objection.state = Objection.State.UPHELD if upheld else Objection.State.REJECTED
    objection.decided_on = decided_on
    objection.decision_reason = reason.strip()
    objection.deciding_agency = agency or objection.entry.credit_list.owner_agency
    objection.save(update_fields=["state", "decided_on", "decision_reason", "deciding_agency"])
    entry = objection.entry
    if upheld and entry.state != EntryState.REVOKED:
        entry = _lock_entry(entry)
        _revoke(
            entry=entry, revoked_on=decided_on, reason=reason, agency=objection.deciding_agency, actor=actor,
            objection=objection,
        )
    else:
        ListEntryEvent.objects.create(
            entry=entry, kind=ListEntryEvent.Kind.OBJECTION, actor_label=_actor_label(actor),
            note=(SystemText.OBJECTION_UPHELD if upheld else SystemText.OBJECTION_REJECTED).value,
        )
    publication_record(
        action="listings.objection.upheld" if upheld else "listings.objection.rejected",
        actor=actor,
        obj=objection,
        payload={"entry": entry.pk, "reason": objection.decision_reason},
        enterprises=[entry.enterprise_id],
    )
    return objection
