"""Removal on cure: the listed enterprise applies once it has cured the cause (listings.cure
checks it), the deciding authority approves (list_entry_remove) or refuses with reasons within
REMOVAL_DECISION_WORKING_DAYS working days, and the enterprise's liaisons are told by e-mail."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit.liaisons import active_liaison_q
from credit.models import EnterpriseAccount
from listings.cure import CURABLE_REASONS, UNREACHABLE, entry_cure, is_curable
from listings.models import EntryStatus, ListEntry, RemovalApplication, local_today
from listings.services.common import ListingError, _actor_label, _require_decider
from listings.services.entries import _lock_entry, list_entry_remove
from portal import access
from portal.audit import audit_record
from portal.i18n import localized_name
from portal.notices import notice_queue
from portal.workdays import add_working_days

# SAMR Order 101 Arts. 13-15 as the list states it (migration 0004): the decision within 5 working days.
REMOVAL_DECISION_WORKING_DAYS = 5


@transaction.atomic
def removal_application_submit(*, entry: ListEntry, actor, stated_address: str = "") -> RemovalApplication:
    """File the enterprise's application to leave the list. Refused, naming what is missing, unless
    the entry is on the list, of a kind removed on cure, cured (listings.cure.entry_cure) and has no
    application pending."""
    entry = _lock_entry(entry)
    if access.who(actor).enterprise_id != entry.enterprise_id:
        raise ListingError(_("You may apply only for your own enterprise's entries."), code="not_own_entry")
    today = local_today()
    if entry.status_on(today) != EntryStatus.ACTIVE:
        raise ListingError(_("Only an entry that is on the list can be removed."), code="not_active")
    if not is_curable(entry):
        raise ListingError(
            _("This entry is not removed on application after a cure; see how to get off the list on its page."),
            code="not_curable",
        )
    if entry.removal_applications.pending().exists():
        raise ListingError(_("An application to remove this entry is already pending."), code="application_pending")
    stated_address = stated_address.strip() if entry.reason.code == UNREACHABLE else ""
    cure = entry_cure(entry, today=today, stated_address=stated_address)
    if cure.missing:
        raise ListingError(" ".join(cure.missing), code="not_cured",
                           field="stated_address" if cure.needs_address else None)
    due = add_working_days(today, REMOVAL_DECISION_WORKING_DAYS)
    application = RemovalApplication.objects.create(
        entry=entry, submitted_by=actor, submitted_on=today, stated_address=stated_address,
        decision_due=due.date, decision_due_provisional=due.provisional,
    )
    audit_record(
        action="listings.removal_application.submitted", actor=actor, obj=application,
        payload={"entry": entry.pk, "reason": entry.reason.code, "decision_due": due.date.isoformat(),
                 "stated_address": stated_address},
    )
    return application


@transaction.atomic
def removal_application_decide(
    *, application: RemovalApplication, approve: bool, reasons: str = "", address_confirmed: bool = False, actor
) -> RemovalApplication:
    """Approve (the entry is removed today with the statutory reason, through list_entry_remove)
    or refuse with `reasons`, which the enterprise reads on /account/. Only the authority that
    decides the entry (ListEntry.actionable_by); an unreachable-address entry is approved only
    with the stated address confirmed. The enterprise's active liaisons get one e-mail each."""
    application = (
        RemovalApplication.objects.select_for_update(of=("self",))
        .select_related("entry__credit_list__owner_agency", "entry__reason", "entry__enterprise")
        .get(pk=application.pk)
    )
    entry = application.entry
    agency = _require_decider(actor=actor, entry=entry)
    if not application.is_pending:
        raise ListingError(_("This application has already been decided."), code="decided")
    reasons = reasons.strip()
    today = local_today()
    if approve:
        if entry.reason.code == UNREACHABLE and not address_confirmed:
            raise ListingError(
                _("Address confirmed: confirm that the enterprise can be reached at the stated address before "
                  "approving."), code="address_unconfirmed", field="address_confirmed",
            )
        cure = entry_cure(entry, today=today, stated_address=application.stated_address)
        if cure.missing:
            raise ListingError(" ".join(cure.missing), code="not_cured")
        list_entry_remove(entry=entry, removed_on=today, reason=CURABLE_REASONS[entry.reason.code].value,
                          removing_agency=agency, actor=actor)
        application.state = RemovalApplication.State.APPROVED
    else:
        if not reasons:
            raise ListingError(_("Reasons: a refusal states its reasons, which the enterprise will read."),
                               code="required", field="reasons")
        application.state = RemovalApplication.State.REFUSED
        application.refusal_reasons = reasons
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.save(update_fields=["state", "refusal_reasons", "decided_at", "decided_by"])
    audit_record(
        action=f"listings.removal_application.{application.state}", actor=actor, actor_label=_actor_label(actor),
        obj=application, payload={"entry": entry.pk, "reasons": reasons},
    )
    _decision_notices(application)
    return application


def _decision_text(application: RemovalApplication) -> tuple[str, str]:
    entry = application.entry
    values = {"list": localized_name(entry.credit_list), "enterprise": localized_name(entry.enterprise),
              "date": date_format(application.submitted_on), "number": entry.decision_number}
    subject = gettext("Your application for removal from the %(list)s was decided") % values
    if application.state == RemovalApplication.State.APPROVED:
        body = gettext("The application of %(date)s by %(enterprise)s for removal of the entry %(number)s from the "
                       "%(list)s was approved: the entry has been removed.") % values
    else:
        body = gettext("The application of %(date)s by %(enterprise)s for removal of the entry %(number)s from the "
                       "%(list)s was refused. Reasons: %(reasons)s") % {**values, "reasons": application.refusal_reasons}
    return subject, body + "\n" + gettext("Details are in your enterprise's account: %(path)s") % {"path": "/account/"}


def _decision_notices(application: RemovalApplication) -> None:
    """One e-mail per active liaison of the enterprise, in both languages (the reader's is unknown),
    keyed so that it is recorded once (portal.notices)."""
    liaisons = EnterpriseAccount.objects.filter(
        active_liaison_q(), enterprise_id=application.entry.enterprise_id
    ).select_related("user")
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts.append(_decision_text(application))
    subject = " / ".join(text[0] for text in texts)
    body = "\n\n".join(text[1] for text in texts)
    for account in liaisons:
        notice_queue(key=f"listings.removal_decided:{application.pk}:{account.user_id}", to=account.user.email,
                     subject=subject, body=body)
