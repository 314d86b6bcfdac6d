"""The lists, their reasons, memoranda and measures (the admin's writes)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from credit.models import PUBLICATION_MONTHS, Severity
from credit.publication import publication_record
from listings.models import (
    CreditList,
    ListReason,
    Measure,
    Memorandum,
)
from listings.services.common import ListingError
from portal.access import staff_agency
from portal.audit import audit_change, audit_changes

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
