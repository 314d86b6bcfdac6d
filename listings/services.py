"""Every write to lists, entries and objections."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from credit.models import PUBLICATION_MONTHS, Agency, Enterprise, EntityType, Severity
from credit.publication import publication_record
from listings.models import (
    CreditList,
    EntryState,
    ListEntry,
    ListEntryEvent,
    ListReason,
    Measure,
    Memorandum,
    Objection,
    SystemText,
    legal_representative_bar_end,
    local_today,
    validate_source_address,
)
from listings.selectors import active_counts_cache_key
from portal.access import staff_agency
from portal.audit import audit_change, audit_changes
from portal.workdays import add_working_days

ABNORMAL_OPERATIONS = "abnormal-operations"
SERIOUS_ILLEGAL = "serious-illegal"
OBJECTION_ACCEPTANCE_WORKING_DAYS = 5
OBJECTION_VERIFICATION_WORKING_DAYS = 20


class ListingError(ValidationError):
    """A rule of the lists was broken; `code` says which, `field` names the input at fault (if any)."""

    def __init__(self, message, *, code: str, field: str | None = None, params=None):
        super().__init__(message, code=code, params=params)
        self.field = field


def _require_owner(*, actor, credit_list: CreditList) -> Agency | None:
    """None for a system action; otherwise the actor's agency, which must own the list."""
    if actor is None:
        return None
    agency = staff_agency(actor)
    if agency is None or agency.pk != credit_list.owner_agency_id:
        raise ListingError(
            _("Only staff of %(agency)s may change entries on the list %(list)s."),
            code="not_owner",
            params={"agency": credit_list.owner_agency.name, "list": credit_list.name},
        )
    return agency


def _actor_label(actor) -> str:
    return actor.get_username() if actor is not None else "system"


def _files_showing(entry: ListEntry) -> list[int]:
    """The enterprise's file, and, for an entry that bars the legal representative, the
    files of the person's other enterprises, where the bar is shown."""
    ids = [entry.enterprise_id]
    if entry.barred_person_id:
        ids += list(Enterprise.objects.filter(legal_representative_id=entry.barred_person_id).values_list("pk", flat=True))
    return ids


def active_counts_invalidate(**_signal) -> None:
    """Drop the lists' counts after any listings publication (connected to
    credit.publication.published in ListingsConfig.ready)."""
    cache.delete(active_counts_cache_key(local_today()))


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
    actor=None,
) -> ListEntry:
    credit_list = CreditList.objects.select_related("owner_agency").filter(code=list_code).first()
    if credit_list is None:
        raise ListingError(_("There is no list with the code %(code)s."), code="unknown_list", params={"code": list_code})
    agency = _require_owner(actor=actor, credit_list=credit_list)
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
    source_url = source_url.strip()
    if source_url:
        try:
            validate_source_address(source_url)
        except ValidationError as error:
            raise ListingError(error.messages[0], code="invalid_source_address", field="source_url") from None
    # Lock the enterprise so that two concurrent listings for the same reason cannot both pass the check.
    enterprise = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    ends_on, repair_from = publication_window(credit_list=credit_list, enterprise=enterprise, listed_on=listed_on)
    duplicate = ListEntry.objects.filter(
        enterprise=enterprise, credit_list=credit_list, reason=reason, state=EntryState.LISTED
    ).exclude(publication_ends_on__lt=today)
    if duplicate.exists():
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
    agency = _require_owner(actor=actor, credit_list=entry.credit_list)
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
def list_entry_revoke(*, entry: ListEntry, revoked_on: dt.date, reason: str, actor=None) -> ListEntry:
    """The listing was wrong (for example the underlying penalty was annulled): it is revoked, not removed."""
    entry = _lock_entry(entry)
    agency = _require_owner(actor=actor, credit_list=entry.credit_list)
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


EXPIRY_REASON = SystemText.EXPIRED.value


def list_entries_expire(*, today: dt.date | None = None) -> int:
    """End publication of every listed entry whose last day of publication is before `today`.

    Set-based and idempotent:
    1. one UPDATE moves the due entries to "expired" and stamps them with this run's time;
    2. one INSERT ... SELECT writes their history events (the removal notice: date, reason, authority);
    3. one SELECT DISTINCT finds the enterprises whose files must be re-rendered.
    A second run finds no listed entry past its end and changes nothing. Concurrent runs
    are safe: the second UPDATE waits for the first's row locks and then skips those rows.
    """
    today = today or local_today()
    run_at = timezone.now()
    run_at_db = connection.ops.adapt_datetimefield_value(run_at)
    today_db = connection.ops.adapt_datefield_value(today)
    entry_table = ListEntry._meta.db_table
    event_table = ListEntryEvent._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {entry_table}
                   SET state = %s, state_changed_at = %s, removed_on = {_day_after_end_sql()},
                       removal_reason = %s, removing_agency_id = deciding_agency_id
                 WHERE state = %s AND publication_ends_on < %s""",  # noqa: S608 - table names are ours
            [EntryState.EXPIRED, run_at_db, EXPIRY_REASON, EntryState.LISTED, today_db],
        )
        expired = cursor.rowcount
        if not expired:
            return 0
        cursor.execute(
            f"""INSERT INTO {event_table} (entry_id, kind, occurred_at, actor_label, note)
                SELECT id, %s, %s, %s, %s FROM {entry_table}
                 WHERE state_changed_at = %s AND state = %s""",  # noqa: S608
            [ListEntryEvent.Kind.EXPIRED, run_at_db, "system", EXPIRY_REASON, run_at_db, EntryState.EXPIRED],
        )
        publication_record(
            action="listings.entry.expired",
            actor_label="system",
            payload={"today": today.isoformat(), "entries": expired, "run_at": run_at.isoformat()},
            enterprises=ListEntry.objects.filter(state_changed_at=run_at, state=EntryState.EXPIRED).values(
                "enterprise_id"
            ),
        )
    return expired


def _day_after_end_sql() -> str:
    if connection.vendor == "sqlite":
        return "date(publication_ends_on, '+1 day')"
    return "publication_ends_on + 1"


@transaction.atomic
def objection_submit(
    *, entry: ListEntry, grounds: str, submitted_on: dt.date | None = None, actor=None
) -> Objection:
    entry = _lock_entry(entry)
    submitted_on = submitted_on or local_today()
    account = getattr(actor, "enterprise_account", None) if actor is not None else None
    if account is not None and account.enterprise_id != entry.enterprise_id:
        raise ListingError(_("You may object only to your own enterprise's entries."), code="not_own_entry")
    if account is None and actor is not None:
        _require_owner(actor=actor, credit_list=entry.credit_list)
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
    agency = _require_owner(actor=actor, credit_list=objection.entry.credit_list)
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
    agency = _require_owner(actor=actor, credit_list=objection.entry.credit_list)
    if not objection.is_open:
        raise ListingError(_("This objection has already been decided."), code="bad_state")
    if upheld and objection.state != Objection.State.ACCEPTED:
        raise ListingError(_("An objection must be accepted and verified before it is upheld."), code="bad_state")
    if not reason.strip():
        raise ListingError(_("Please give the reasons for the decision."), code="required", field="reason")
    decided_on = decided_on or local_today()
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


# --- Lists, memoranda and measures (the admin's writes) -------------------------------------------
#
# Superusers maintain every list and memorandum. An agency's staff maintain the lists their agency
# owns (not who owns them, nor their code, which is their public address) and, under a memorandum
# their agency signed, their agency's own measures. Nothing here deletes: lists, memoranda and
# measures are referred to by published entries and pages.

LIST_OWNER_ONLY_FIELDS = {"code", "owner_agency"}


def _is_superuser(actor) -> bool:
    return actor is not None and actor.is_active and actor.is_superuser


def _require_superuser(actor, message) -> None:
    if not _is_superuser(actor):
        raise ListingError(message, code="not_allowed")


# A list's minimum and maximum publication both lie within its severity class's period
# (credit.models.PUBLICATION_MONTHS). A minor list may also be published until removed: the
# abnormal-operations list ends on the cure. An empty minimum means removal follows
# performance at any time (the dishonest judgment debtors list is serious, yet the court
# removes an entry as soon as the judgment is performed).
UNTIL_REMOVED_SEVERITIES = frozenset({Severity.MINOR})


def publication_months_check(*, severity: str, low: int | None, high: int | None) -> None:
    """Raise a ListingError naming the field and the rule if the periods do not fit the severity class."""
    if low is not None and high is not None and low > high:
        raise ListingError(
            _("Minimum publication (months): %(low)s is more than the maximum of %(high)s months."),
            code="min_above_max",
            field="min_publication_months",
            params={"low": low, "high": high},
        )
    if severity not in PUBLICATION_MONTHS:
        return  # red lists: no publication rule
    min_low, min_high = max_low, max_high = PUBLICATION_MONTHS[severity]
    open_ended = severity in UNTIL_REMOVED_SEVERITIES
    params = {"severity": Severity(severity).label, "low": max_low, "high": max_high}
    if high is None and not open_ended:
        raise ListingError(
            _("Maximum publication (months) is required for %(severity)s lists: publication stops automatically "
              "at the maximum, at most %(high)s months."),
            code="max_required",
            field="max_publication_months",
            params=params,
        )
    if high is not None and (high > max_high or (max_low is not None and high < max_low)):
        if max_low is None:
            message = _("Maximum publication (months): %(value)s is more than the %(high)s months allowed for "
                        "%(severity)s lists.")
        else:
            message = _("Maximum publication (months): %(value)s is outside the %(low)s to %(high)s months allowed "
                        "for %(severity)s lists.")
        raise ListingError(
            message, code="max_out_of_range", field="max_publication_months", params={**params, "value": high}
        )
    if low is not None and ((min_low is not None and low < min_low) or low > min_high):
        if min_low is None:
            message = _("Minimum publication (months): %(value)s is more than the %(high)s months allowed for "
                        "%(severity)s lists.")
        else:
            message = _("Minimum publication (months): %(value)s is outside the %(low)s to %(high)s months allowed "
                        "for %(severity)s lists.")
        raise ListingError(
            message,
            code="min_out_of_range",
            field="min_publication_months",
            params={"severity": Severity(severity).label, "low": min_low, "high": min_high, "value": low},
        )


def _check_publication_months(credit_list: CreditList) -> None:
    publication_months_check(
        severity=credit_list.severity,
        low=credit_list.min_publication_months,
        high=credit_list.max_publication_months,
    )


@transaction.atomic
def credit_list_create(*, credit_list: CreditList, actor) -> CreditList:
    _require_superuser(actor, _("Only a superuser may create a list."))
    _check_publication_months(credit_list)
    changes = audit_changes(None, credit_list)
    credit_list.save()
    publication_record(action="listings.list.created", actor=actor, obj=credit_list, payload={"changes": changes},
                       site_wide=True)
    return credit_list


@transaction.atomic
def credit_list_update(*, credit_list: CreditList, actor) -> CreditList:
    """Save the edited fields of `credit_list`; the owner and code are checked against the stored row."""
    current = CreditList.objects.select_for_update().select_related("owner_agency").get(pk=credit_list.pk)
    changes = audit_changes(current, credit_list)
    if not _is_superuser(actor):
        agency = staff_agency(actor)
        if agency is None or agency.pk != current.owner_agency_id:
            raise ListingError(
                _("Only staff of %(agency)s may change the list %(list)s."),
                code="not_owner",
                params={"agency": current.owner_agency.name, "list": current.name},
            )
        reserved = sorted(LIST_OWNER_ONLY_FIELDS & changes.keys())
        if reserved:
            raise ListingError(
                _("Only a superuser may change a list's code or owning agency (%(fields)s)."),
                code="not_allowed",
                field=reserved[0],
                params={"fields": ", ".join(reserved)},
            )
    if not changes:
        return current
    _check_publication_months(credit_list)
    credit_list.save(update_fields=list(changes))
    publication_record(action="listings.list.changed", actor=actor, obj=credit_list, payload={"changes": changes},
                       site_wide=True)
    return credit_list


@transaction.atomic
def list_reason_save(*, reason: ListReason, actor) -> ListReason:
    """Add or change a reason of a list; the same people who maintain the list maintain its reasons."""
    current = ListReason.objects.select_for_update().filter(pk=reason.pk).first() if reason.pk else None
    credit_list = CreditList.objects.select_related("owner_agency").get(
        pk=current.credit_list_id if current is not None else reason.credit_list_id
    )
    if not _is_superuser(actor):
        agency = staff_agency(actor)
        if agency is None or agency.pk != credit_list.owner_agency_id:
            raise ListingError(
                _("Only staff of %(agency)s may change the list %(list)s."),
                code="not_owner",
                params={"agency": credit_list.owner_agency.name, "list": credit_list.name},
            )
    if current is not None and reason.credit_list_id != current.credit_list_id:
        raise ListingError(_("A reason stays with its list."), code="not_allowed", field="credit_list")
    changes = audit_changes(current, reason)
    if not changes:
        return current
    reason.save()
    publication_record(
        action="listings.reason.created" if current is None else "listings.reason.changed",
        actor=actor,
        obj=reason,
        payload={"list": credit_list.code, "changes": changes},
        site_wide=True,
    )
    return reason


@transaction.atomic
def memorandum_save(*, memorandum: Memorandum, actor, signatories=None, lists=None) -> Memorandum:
    """Create or change a memorandum (superusers only: it is signed by several agencies, none owns it).

    `signatories` and `lists` (iterables of agencies and lists) replace the current ones when given."""
    _require_superuser(actor, _("Only a superuser may change a memorandum; each signatory maintains its own measures."))
    current = Memorandum.objects.select_for_update().filter(pk=memorandum.pk).first() if memorandum.pk else None
    changes = audit_changes(current, memorandum)
    for name, new in (("signatories", signatories), ("lists", lists)):
        if new is None:
            continue
        old = sorted(getattr(current, name).values_list("pk", flat=True)) if current is not None else []
        new_ids = sorted(item.pk for item in new)
        if old != new_ids:
            changes[name] = audit_change(old, new_ids)
    if not changes:
        return current
    # Its measures show under every active entry of the lists it covers: a site-wide change.
    memorandum.save()
    if signatories is not None:
        memorandum.signatories.set(signatories)
    if lists is not None:
        memorandum.lists.set(lists)
    publication_record(
        action="listings.memorandum.created" if current is None else "listings.memorandum.changed",
        actor=actor,
        obj=memorandum,
        payload={"changes": changes},
        site_wide=True,
    )
    return memorandum


@transaction.atomic
def measure_save(*, measure: Measure, actor) -> Measure:
    """Add or change a measure: superusers any, a signatory agency's staff only their own agency's."""
    current = Measure.objects.select_for_update().filter(pk=measure.pk).first() if measure.pk else None
    if current is not None and measure.memorandum_id != current.memorandum_id:
        raise ListingError(_("A measure stays with its memorandum."), code="not_allowed", field="memorandum")
    if not _is_superuser(actor):
        agency = staff_agency(actor)
        signed = agency is not None and Memorandum.signatories.through.objects.filter(
            memorandum_id=measure.memorandum_id, agency_id=agency.pk
        ).exists()
        own = agency is not None and measure.agency_id == agency.pk
        if current is not None:
            own = own and current.agency_id == agency.pk
        if not (signed and own):
            raise ListingError(
                _("Staff of a signatory agency may add or change only their own agency's measures."),
                code="not_owner",
                field="agency",
            )
    changes = audit_changes(current, measure)
    if not changes:
        return current
    measure.save()
    publication_record(
        action="listings.measure.created" if current is None else "listings.measure.changed",
        actor=actor,
        obj=measure,
        payload={"memorandum": measure.memorandum_id, "changes": changes},
        site_wide=True,
    )
    return measure
