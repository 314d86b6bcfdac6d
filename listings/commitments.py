"""The listings app's part in credit commitment letters (registered in ListingsConfig.ready):

- `licensing_refusal`, a credit.hooks commitment check: an enterprise on the serious illegal and
  dishonest list may not use notification-and-commitment approvals (SAMR Order 44 Art. 15(3)).
- `breach_listing`, a receiver of credit.hooks.commitment_breached: a notification-and-commitment
  letter breached with a false commitment puts the enterprise on that list (docs/rules.md 6.2),
  in the name of the breach's agency where it may list there, else it is skipped with a note.
- `breach_repair_revocation`, a receiver of credit.hooks.commitment_breached: a breached credit
  repair letter whose breach says the commitment was false revokes the approved repair it was
  signed for (listings.repair.services.repair_application_revoke, Order 107 Art. 23); any other
  breach of a repair letter is shown to the deciding authority in its repair queue
  (listings.repair.selectors.breached_repairs), which decides.
- `breach_withdrawn_unlisting`, a receiver of credit.hooks.commitment_breach_withdrawn: the entry
  that listing made is revoked when the breach is withdrawn (the listing rested on it alone, as
  an entry that followed an annulled penalty is revoked: listings.services.penalty_entries_revoke).
"""

from __future__ import annotations

from django.utils.formats import date_format
from django.utils.translation import gettext

from listings.models import CreditList, ListEntry, active_q

SERIOUS_ILLEGAL = "serious-illegal"
# The reason added by listings migration 0010.
FALSE_COMMITMENT_REASON = "false_commitment"


def licensing_refusal(*, enterprise, kind: str, today) -> str:
    """Why `enterprise` may not sign a notification-and-commitment letter today, or ""."""
    if kind != "licensing":
        return ""
    rows = list(
        ListEntry.objects.filter(active_q(today), enterprise=enterprise, credit_list__code=SERIOUS_ILLEGAL)
        .values_list("listed_on", "publication_ends_on")
    )
    if not rows:
        return ""
    # An entry without an end stays until it is removed; otherwise the latest end counts.
    ends = [end for _listed, end in rows]
    if any(end is None for end in ends):
        until = gettext("until it is removed from the list")
    else:
        until = gettext("until %(date)s") % {"date": date_format(max(ends))}
    return gettext(
        "Kind: an enterprise on the serious illegal and dishonest list may not use notification-and-commitment "
        "approvals (SAMR Order 44 Art. 15(3)); your enterprise is on it since %(listed)s, %(until)s."
    ) % {"listed": date_format(min(listed for listed, _end in rows)), "until": until}


def breach_listing(*, breach, actor, **kwargs) -> dict | None:
    """List the enterprise of a breached notification-and-commitment letter whose commitment was
    false; returns what happened for the breach's audit payload (None: the rule does not apply)."""
    from listings.services import ListingError, list_entry_create

    letter = breach.letter
    if letter.kind != "licensing" or not breach.false_commitment:
        return None
    credit_list = CreditList.objects.filter(code=SERIOUS_ILLEGAL).first()
    agency = breach.source_agency
    if credit_list is None or not credit_list.may_list(agency, breach.enterprise):
        return {"listing": "skipped",
                "note": f"{agency.code} may not list on {SERIOUS_ILLEGAL}; the list's owner decides on a listing"}
    try:
        entry = list_entry_create(
            list_code=SERIOUS_ILLEGAL, enterprise=breach.enterprise, reason_code=FALSE_COMMITMENT_REASON,
            reason_text=breach.facts[:2000], decision_number=breach.document_number, deciding_agency=agency,
            decided_on=breach.decided_on,
            other_legal_basis=f"告知承诺书虚假承诺 / false notification-and-commitment letter {letter.text_sha256[:12]}",
            source_url=letter.get_absolute_url(), actor=actor,
        )
    except ListingError as error:
        return {"listing": "skipped", "note": "; ".join(error.messages)}
    return {"listing": "created", "entry": entry.pk}


def breach_entries(breach):
    """The serious-list entries breach_listing made for `breach` (its reason, decision number and
    the letter's address, as list_entry_create was given them)."""
    return ListEntry.objects.filter(
        enterprise_id=breach.enterprise_id, credit_list__code=SERIOUS_ILLEGAL, reason__code=FALSE_COMMITMENT_REASON,
        decision_number=breach.document_number, source_url=breach.letter.get_absolute_url(),
    )


def breach_withdrawn_unlisting(*, breach, reason: str, actor=None, **kwargs) -> dict | None:
    """Revoke the entries a withdrawn breach caused (a system action, through list_entry_revoke:
    the listing was wrong), and name the repairs revoked on it, left for their authority to
    review; returns what happened for the withdrawal's audit payload."""
    from listings.models import EntryState, RepairApplication, local_today
    from listings.services import list_entry_revoke

    revoked = []
    for entry in breach_entries(breach).exclude(state=EntryState.REVOKED).order_by("id"):
        list_entry_revoke(
            entry=entry, revoked_on=max(local_today(), entry.listed_on), actor=None,
            reason=f"所依据的信用承诺违诺认定（{breach.document_number}）已撤回：{reason}"[:300],
        )
        revoked.append(entry.pk)
    # A repair revoked on this breach (breach_repair_revocation) is not restored here: the
    # revocation is the authority's decision; its queue shows it for review (selectors.
    # revocations_on_withdrawn_breaches).
    flagged = list(RepairApplication.objects.filter(
        commitment_letter_id=breach.letter_id, state=RepairApplication.State.REVOKED,
        revocation_document_number=breach.document_number).values_list("pk", flat=True))
    result = {}
    if revoked:
        result["entries_revoked"] = revoked
    if flagged:
        result["repairs_to_review"] = flagged
    return result or None


def breach_repair_revocation(*, breach, actor, **kwargs) -> dict | None:
    """Revoke the approved repair a falsely made repair commitment letter was signed for, by the
    breach's recorder (the letter's agency, which decided the repair); returns what happened
    for the breach's audit payload (None: not a repair letter, or no application)."""
    from listings.models import RepairApplication
    from listings.repair.services import repair_application_revoke
    from listings.services.common import ListingError

    letter = breach.letter
    if letter.kind != "credit_repair":
        return None
    application = RepairApplication.objects.filter(commitment_letter=letter).order_by("-id").first()
    if application is None:
        return None
    if breach.false_commitment and application.state == RepairApplication.State.APPROVED:
        try:
            repair_application_revoke(
                application=application, actor=actor, document_number=breach.document_number,
                reason=f"信用修复承诺书经认定为虚假承诺 / the repair commitment letter was false: {breach.facts}"[:2000])
        except ListingError as error:
            return {"repair": "prompted", "application": application.pk, "note": "; ".join(error.messages)}
        return {"repair": "revoked", "application": application.pk}
    return {"repair": "prompted", "application": application.pk}
