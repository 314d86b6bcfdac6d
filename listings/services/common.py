"""What every listings service shares: the error, the list codes, who may act for a list's
owner, and which credit files an entry shows in."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credit.models import Agency, Enterprise
from listings.models import (
    ABNORMAL_OPERATIONS,  # noqa: F401  (re-exported: the list codes of the services)
    CreditList,
    ListEntry,
    local_today,
)
from listings.selectors import active_counts_cache_key
from portal.access import staff_agency

SERIOUS_ILLEGAL = "serious-illegal"
OBJECTION_ACCEPTANCE_WORKING_DAYS = 5
OBJECTION_VERIFICATION_WORKING_DAYS = 20


class ListingError(ValidationError):
    """A rule of the lists was broken; `code` says which, `field` names the input at fault (if any)."""

    def __init__(self, message, *, code: str, field: str | None = None, params=None):
        super().__init__(message, code=code, params=params)
        self.field = field


def _require_decider(*, actor, entry: ListEntry) -> Agency | None:
    """None for a system action; otherwise the actor's agency, which must decide on the entry
    (the list's owner, or the registration authority that listed it: ListEntry.actionable_by)."""
    if actor is None:
        return None
    agency = staff_agency(actor)
    if not entry.actionable_by(agency):
        raise ListingError(
            _("Only staff of %(agency)s, or of the authority that decided the entry, may decide on it."),
            code="not_owner",
            params={"agency": entry.credit_list.owner_agency.name},
        )
    return agency


def _require_lister(*, actor, credit_list: CreditList, enterprise: Enterprise) -> Agency | None:
    """None for a system action; otherwise the actor's agency, which may list the firm
    (CreditList.may_list: the owner, or the firm's registration authority)."""
    if actor is None:
        return None
    agency = staff_agency(actor)
    if agency is not None and not credit_list.may_list(agency, enterprise) and credit_list.may_open(agency):
        raise ListingError(
            _("Enterprise: %(enterprise)s is registered by %(registrar)s; your agency may put on the list "
              "%(list)s only the enterprises it registered."),
            code="not_registration_authority",
            field="enterprise",
            params={"enterprise": enterprise.name, "registrar": enterprise.registration_authority.name,
                    "list": credit_list.name},
        )
    if not credit_list.may_list(agency, enterprise):
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
