from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingsConfig(AppConfig):
    name = "listings"
    verbose_name = _("Listings")

    def ready(self) -> None:
        from django.core import checks

        from credit.hooks import (
            commitment_breach_withdrawn,
            commitment_breached,
            commitment_check_register,
            legal_representative_check_register,
            penalty_withdrawn,
        )
        from credit.publication import published
        from listings import api, commitments, feed, parts
        from listings.forms import legal_representative_bar_refusal
        from listings.models import (
            CreditList,
            ListEntry,
            ListEntryEvent,
            ListReason,
            Measure,
            Memorandum,
            Objection,
            RemovalApplication,
        )
        from portal.permanence import refuse_hard_delete

        parts.register()
        feed.register()
        api.register()
        legal_representative_check_register(legal_representative_bar_refusal)
        published.connect(_drop_counts, dispatch_uid="listings.active_counts")
        # Entries are removed, revoked or expire; lists and memoranda change: nothing is deleted.
        refuse_hard_delete(CreditList, ListReason, ListEntry, ListEntryEvent, Objection, Memorandum, Measure,
                           RemovalApplication)
        checks.register(sweep_day_check)
        penalty_withdrawn.connect(_revoke_followers, dispatch_uid="listings.penalty_withdrawn")
        # Credit commitment letters: no notification-and-commitment while on the serious list;
        # a false one lists the enterprise there (listings/commitments.py).
        commitment_check_register(commitments.licensing_refusal)
        commitment_breached.connect(commitments.breach_listing, dispatch_uid="listings.commitment_breached")
        commitment_breached.connect(commitments.breach_repair_revocation,
                                    dispatch_uid="listings.commitment_breached.repair")
        commitment_breach_withdrawn.connect(commitments.breach_withdrawn_unlisting,
                                            dispatch_uid="listings.commitment_breach_withdrawn")


def _revoke_followers(*, penalty, reason: str, **kwargs) -> None:
    # The penalty a listing followed was annulled: the listing was wrong, so it is revoked.
    from listings.services import penalty_entries_revoke

    penalty_entries_revoke(penalty=penalty, reason=reason)


def _drop_counts(*, action: str, **kwargs) -> None:
    # The lists' entry counts are cached for the day; any listings publication may change them,
    # and so may an enterprise's registration (a deregistered one's blacklist entries are not counted).
    if action.startswith(("listings.", "credit.enterprise.")):
        from listings.services import active_counts_invalidate

        active_counts_invalidate()


def sweep_day_check(app_configs=None, **kwargs):
    """NON_FILER_SWEEP_WORKING_DAYS is a whole number from 1 to 10 (SAMR Order 101 Art. 7)."""
    from django.conf import settings
    from django.core import checks

    from listings.services.sweep import SWEEP_WORKING_DAYS_MAX

    days = getattr(settings, "NON_FILER_SWEEP_WORKING_DAYS", None)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= SWEEP_WORKING_DAYS_MAX:
        return [checks.Error(
            f"NON_FILER_SWEEP_WORKING_DAYS is {days!r}; it must be a whole number of working days from 1 to "
            f"{SWEEP_WORKING_DAYS_MAX} after 30 June.",
            hint="Set the environment variable NON_FILER_SWEEP_WORKING_DAYS, for example to 5.",
            id="listings.E001",
        )]
    return []
