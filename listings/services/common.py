"""What every listings service shares: the error, the list codes, who may act for a list's
owner, and which credit files an entry shows in."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from credit.models import Agency, Enterprise
from listings.models import (
    CreditList,
    ListEntry,
    local_today,
)
from listings.selectors import active_counts_cache_key
from portal.access import staff_agency

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
