"""Every write of credit repair (SAMR Order 107 Arts. 14, 16, 23; docs/rules.md "Credit repair").

submit (the enterprise, from /account/) -> submitted; the deciding authority (whoever recorded the
record: RepairableKind.deciding_agency) within 2 working days either accepts (-> accepted, the
decision due in the kind's working days), notifies once everything missing (-> incomplete; the
enterprise supplements -> submitted with a fresh 2-day acceptance deadline), or rejects; once
accepted it may extend the decision once by 10 working days, and approves (the record's
publication ends) or rejects with reasons. An approved repair found to rest on a false commitment
is revoked: the record is published again and the revocation is published for 3 years.
Each service writes one audit event; approval and revocation, which the public sees, through
credit.publication.publication_record. The enterprise's active liaisons get an e-mail at each decision.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from credit.liaisons import active_liaison_q
from credit.models import CommitmentLetter, EnterpriseAccount
from credit.publication import publication_record
from credit.services import commitment_letter_sign
from listings.models import RepairApplication, RepairFile, local_today
from listings.repair import registry
from listings.repair.rules import (
    ACCEPTANCE_WORKING_DAYS,
    EXTENSION_WORKING_DAYS,
    eligibility,
    fraud_bar_last_day,
)
from listings.services.common import ListingError, _actor_label
from portal import access
from portal.audit import audit_record
from portal.i18n import localized_name
from portal.notices import notice_queue
from portal.uploads import CheckedUpload, UploadRules, store_upload_on_commit
from portal.workdays import add_working_days

State = RepairApplication.State


def _kind_or_error(key: str) -> registry.RepairableKind:
    kind = registry.kind_get(key)
    if kind is None:
        raise ListingError(_("This kind of record cannot be repaired."), code="unknown_kind")
    return kind


def _attach_files(application: RepairApplication, files: list[CheckedUpload], actor) -> list[RepairFile]:
    return [
        RepairFile.objects.create(
            application=application, original_name=checked.name, stored_name=store_upload_on_commit(checked),
            content_type=checked.content_type, size=checked.size, sha256=checked.sha256, uploaded_by=actor,
        )
        for checked in files
    ]


def repair_letter_matter(repairable, record, language: str) -> str:
    """What the public repair letter names: the kind of record and its id, in the letter's
    language; never the record's document number or facts, which stop being published once
    the repair is approved (the letter itself stays public)."""
    with translation.override(language):
        return gettext("%(kind)s, record no. %(id)s") % {"kind": repairable.label, "id": record.pk}


@transaction.atomic
def repair_application_submit(
    *, kind: str, record_id: int, statement: str, files: list[CheckedUpload], signatory_name: str,
    signatory_title: str, language: str, confirmed: bool, actor, expected_text_sha256: str | None = None,
) -> RepairApplication:
    """The enterprise applies to repair its record: a statement of correction and performance,
    at least one proof file (already checked: portal.uploads.validate_uploads) and the repair
    commitment letter, signed here (credit.services.commitment_letter_sign) in the same
    transaction. Refused, naming the rule, unless the record is the actor's enterprise's and
    eligible today (listings.repair.rules). Acceptance is due within 2 working days."""
    repairable = _kind_or_error(kind)
    record = repairable.get(record_id)
    principal = access.who(actor)
    if record is None or principal.enterprise_id is None or record.enterprise_id != principal.enterprise_id:
        raise ListingError(_("You may apply only for your own enterprise's records."), code="not_own_record")
    enterprise = principal.enterprise
    today = local_today()
    applications = list(RepairApplication.objects.select_for_update().filter(record_kind=kind, record_id=record_id))
    verdict = eligibility(repairable, record, today, applications=applications, enterprise_status=enterprise.status)
    if not verdict.repairable:
        raise ListingError(verdict.message, code=verdict.code)
    errors = {}
    statement = (statement or "").strip()
    if not statement:
        errors["statement"] = gettext("Correction and performance: say how the enterprise has corrected the "
                                      "violation and performed its obligations.")
    if not files:
        errors["files"] = gettext("Proof of correction: attach at least one file.")
    agency = repairable.deciding_agency(record)
    label = repairable.label_of(record)[:300]
    if errors:
        raise ValidationError(errors, code="invalid")
    letter = commitment_letter_sign(
        enterprise=enterprise, kind=CommitmentLetter.Kind.CREDIT_REPAIR, language=language,
        signatory_name=signatory_name, signatory_title=signatory_title, actor=actor, agency=agency,
        approval_matter=repair_letter_matter(repairable, record, language), confirmed=confirmed,
        # The text the enterprise was shown (the apply page's preview): a different one is refused.
        expected_text_sha256=expected_text_sha256,
    )
    due = add_working_days(today, ACCEPTANCE_WORKING_DAYS)
    try:
        with transaction.atomic():
            application = RepairApplication.objects.create(
                enterprise=enterprise, record_kind=kind, record_id=record_id, record_label=label,
                deciding_agency=agency, commitment_letter=letter, statement=statement, submitted_at=timezone.now(),
                submitted_by=actor, acceptance_due=due.date, acceptance_due_provisional=due.provisional,
            )
    except IntegrityError:
        raise ListingError(_("An application to repair this record is being handled."),
                           code="application_open") from None
    _attach_files(application, files, actor)
    audit_record(action="listings.repair.submitted", actor=actor, actor_label=_actor_label(actor), obj=application,
                 payload={"kind": kind, "record": record_id, "letter": letter.pk, "files": len(files),
                          "acceptance_due": due.date.isoformat()})
    return application


def _locked(application: RepairApplication) -> RepairApplication:
    return (RepairApplication.objects.select_for_update(of=("self",))
            .select_related("enterprise", "deciding_agency").get(pk=application.pk))


def _require_decider(application: RepairApplication, actor):
    """Only the deciding authority's staff (whoever recorded it repairs it)."""
    agency = access.staff_agency(actor)
    if agency is None or agency.pk != application.deciding_agency_id:
        raise ListingError(_("Only staff of %(agency)s, which recorded this information, may decide on its repair."),
                           code="not_decider", params={"agency": application.deciding_agency.name})
    return agency


def _require_state(application: RepairApplication, *states) -> None:
    if application.state not in states:
        raise ListingError(_("This application is %(state)s; that step is not possible now."), code="wrong_state",
                           params={"state": application.get_state_display()})


def _required(value: str, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ListingError(message, code="required", field=field)
    return value


@transaction.atomic
def repair_application_missing_notify(*, application: RepairApplication, missing: str, actor) -> RepairApplication:
    """One notice listing everything missing (Art. 14): once per application, before acceptance."""
    application = _locked(application)
    _require_decider(application, actor)
    _require_state(application, State.SUBMITTED)
    if application.missing_notified_at is not None:
        raise ListingError(_("The missing materials were already notified once; accept or reject the application."),
                           code="already_notified")
    application.missing_materials = _required(missing, "missing", _(
        "Materials missing: list everything that is missing, in one notice."))
    application.missing_notified_at = timezone.now()
    application.state = State.INCOMPLETE
    application.save(update_fields=["missing_materials", "missing_notified_at", "state"])
    audit_record(action="listings.repair.missing_notified", actor=actor, actor_label=_actor_label(actor),
                 obj=application, payload={"missing": application.missing_materials})
    _notify(application, "missing")
    return application


def application_upload_rules(application: RepairApplication) -> UploadRules:
    """The upload limits left to an application: the limits are per application, all its
    submissions together (one query)."""
    done = application.files.aggregate(count=Count("id"), size=Sum("size"))
    return UploadRules().remaining(files=done["count"] or 0, size=done["size"] or 0)


@transaction.atomic
def repair_application_supplement(*, application: RepairApplication, statement: str = "",
                                  files: list[CheckedUpload], actor) -> RepairApplication:
    """The enterprise supplies what was missing; the application returns to acceptance with a
    fresh acceptance deadline of 2 working days."""
    application = _locked(application)
    if access.who(actor).enterprise_id != application.enterprise_id:
        raise ListingError(_("You may apply only for your own enterprise's records."), code="not_own_record")
    _require_state(application, State.INCOMPLETE)
    addition = (statement or "").strip()
    if not files and not addition:
        raise ListingError(_("Supplement: attach the missing files or add to the statement."), code="required",
                           field="files")
    rules = application_upload_rules(application)
    if len(files) > rules.max_files or sum(file.size for file in files) > rules.max_total_bytes:
        raise ListingError(_("Missing files: together with the files already attached, at most %(count)d files "
                             "and %(mb)s MB per application.") % {
            "count": UploadRules().max_files, "mb": UploadRules().max_total_bytes // (1024 * 1024)},
            code="application_upload_limit", field="files")
    if addition:
        application.statement = f"{application.statement}\n\n{addition}"
    due = add_working_days(local_today(), ACCEPTANCE_WORKING_DAYS)
    application.state = State.SUBMITTED
    application.supplemented_at = timezone.now()
    application.acceptance_due, application.acceptance_due_provisional = due.date, due.provisional
    application.save(update_fields=["statement", "state", "supplemented_at", "acceptance_due",
                                    "acceptance_due_provisional"])
    _attach_files(application, files, actor)
    audit_record(action="listings.repair.supplemented", actor=actor, actor_label=_actor_label(actor),
                 obj=application, payload={"files": len(files), "acceptance_due": due.date.isoformat()})
    return application


@transaction.atomic
def repair_application_accept(*, application: RepairApplication, actor) -> RepairApplication:
    """Accepted: the decision is due within the kind's working days (2 for an abnormal-operations
    entry, 7 otherwise; Art. 16), counted from the acceptance."""
    application = _locked(application)
    _require_decider(application, actor)
    _require_state(application, State.SUBMITTED)
    kind = _kind_or_error(application.record_kind)
    record = kind.get(application.record_id)
    due = add_working_days(local_today(), kind.decision_days(record))
    application.state = State.ACCEPTED
    application.accepted_at = timezone.now()
    application.decision_due, application.decision_due_provisional = due.date, due.provisional
    application.save(update_fields=["state", "accepted_at", "decision_due", "decision_due_provisional"])
    audit_record(action="listings.repair.accepted", actor=actor, actor_label=_actor_label(actor), obj=application,
                 payload={"decision_due": due.date.isoformat()})
    _notify(application, "accepted")
    return application


@transaction.atomic
def repair_application_extend(*, application: RepairApplication, reason: str, actor) -> RepairApplication:
    """Extend the decision once by 10 working days, with a recorded reason (Art. 16)."""
    application = _locked(application)
    _require_decider(application, actor)
    _require_state(application, State.ACCEPTED)
    if application.extended_at is not None:
        raise ListingError(_("The decision deadline was already extended once."), code="already_extended")
    application.extension_reason = _required(reason, "reason", _("Reason: say why the decision needs more time."))
    due = add_working_days(application.decision_due, EXTENSION_WORKING_DAYS)
    application.extended_at = timezone.now()
    application.decision_due = due.date
    application.decision_due_provisional = application.decision_due_provisional or due.provisional
    application.save(update_fields=["extension_reason", "extended_at", "decision_due", "decision_due_provisional"])
    audit_record(action="listings.repair.extended", actor=actor, actor_label=_actor_label(actor), obj=application,
                 payload={"decision_due": due.date.isoformat(), "reason": application.extension_reason})
    _notify(application, "extended")
    return application


@transaction.atomic
def repair_application_approve(*, application: RepairApplication, reasons: str = "", actor) -> RepairApplication:
    """Approved: the record's publication ends today (RepairableKind.end_publication; its former
    publication kept in `publication_before`); a publication event `listings.repair.approved`."""
    application = _locked(application)
    agency = _require_decider(application, actor)
    _require_state(application, State.ACCEPTED)
    kind = _kind_or_error(application.record_kind)
    record = kind.get(application.record_id)
    today = local_today()
    if record is None or not kind.rule(record, today).published:
        raise ListingError(_("The record is no longer published; there is nothing to repair."), code="not_published")
    application.publication_before = kind.end_publication(record, today, actor, agency)
    application.state = State.APPROVED
    application.decided_at, application.decided_by = timezone.now(), actor
    application.decision_reasons = (reasons or "").strip()
    application.save(update_fields=["publication_before", "state", "decided_at", "decided_by", "decision_reasons"])
    publication_record(action="listings.repair.approved", actor=actor, actor_label=_actor_label(actor),
                       obj=application, payload={"kind": application.record_kind, "record": application.record_id,
                                                 "ended_on": today.isoformat(), "reasons": application.decision_reasons},
                       enterprises=[application.enterprise_id])
    _notify(application, "approved")
    return application


@transaction.atomic
def repair_application_reject(*, application: RepairApplication, reasons: str, actor) -> RepairApplication:
    """Rejected with reasons the enterprise reads (what is missing); a new application may follow."""
    application = _locked(application)
    _require_decider(application, actor)
    _require_state(application, State.SUBMITTED, State.ACCEPTED)
    application.decision_reasons = _required(reasons, "reasons", _(
        "Reasons: a rejection says what is missing, which the enterprise will read."))
    application.state = State.REJECTED
    application.decided_at, application.decided_by = timezone.now(), actor
    application.save(update_fields=["decision_reasons", "state", "decided_at", "decided_by"])
    audit_record(action="listings.repair.rejected", actor=actor, actor_label=_actor_label(actor), obj=application,
                 payload={"reasons": application.decision_reasons})
    _notify(application, "rejected")
    return application


@transaction.atomic
def repair_application_revoke(*, application: RepairApplication, reason: str, document_number: str,
                              actor) -> RepairApplication:
    """An approved repair resting on a false commitment is revoked (Art. 23): the record is
    published again (RepairableKind.restore), the revocation is published for 3 years and no new
    application for the record is accepted until the day after `revocation_published_until`."""
    application = _locked(application)
    agency = _require_decider(application, actor)
    _require_state(application, State.APPROVED)
    reason = _required(reason, "reason", _("Reason: say how the commitment was found to be false."))
    document_number = _required(document_number, "document_number", _(
        "Document number: give the number of the revocation decision."))
    kind = _kind_or_error(application.record_kind)
    record = kind.get(application.record_id)
    today = local_today()
    kind.restore(record, application.publication_before, actor, agency)
    application.state = State.REVOKED
    application.revoked_at, application.revoked_by = timezone.now(), actor
    application.revocation_reason, application.revocation_document_number = reason, document_number[:100]
    application.revocation_published_until = fraud_bar_last_day(today)
    application.save(update_fields=["state", "revoked_at", "revoked_by", "revocation_reason",
                                    "revocation_document_number", "revocation_published_until"])
    publication_record(action="listings.repair.revoked", actor=actor, actor_label=_actor_label(actor),
                       obj=application, payload={"kind": application.record_kind, "record": application.record_id,
                                                 "reason": reason, "document_number": document_number,
                                                 "published_until": application.revocation_published_until.isoformat()},
                       enterprises=[application.enterprise_id])
    _notify(application, "revoked")
    return application


# --- e-mails ---------------------------------------------------------------------------------

def _text(application: RepairApplication, event: str) -> tuple[str, str]:
    values = {"record": application.record_label, "enterprise": localized_name(application.enterprise),
              "agency": localized_name(application.deciding_agency),
              "date": date_format(timezone.localdate(application.submitted_at))}
    subject = gettext("Credit repair of %(record)s") % values
    if event == "missing":
        body = gettext("%(agency)s needs more materials for the application of %(date)s by %(enterprise)s to repair "
                       "%(record)s. Missing: %(missing)s") % {**values, "missing": application.missing_materials}
    elif event == "accepted":
        body = gettext("%(agency)s accepted the application of %(date)s by %(enterprise)s to repair %(record)s; the "
                       "decision is due by %(due)s.") % {**values, "due": date_format(application.decision_due)}
    elif event == "extended":
        body = gettext("%(agency)s extended the decision on the repair of %(record)s to %(due)s. Reason: "
                       "%(reason)s") % {**values, "due": date_format(application.decision_due),
                                        "reason": application.extension_reason}
    elif event == "approved":
        body = gettext("%(agency)s approved the repair of %(record)s: the record is no longer published.") % values
    elif event == "rejected":
        body = gettext("%(agency)s rejected the application of %(date)s to repair %(record)s. Reasons: %(reasons)s "
                       "You may apply again.") % {**values, "reasons": application.decision_reasons}
    else:
        body = gettext("%(agency)s revoked the repair of %(record)s for a false commitment (%(number)s): the record "
                       "is published again, the revocation is published until %(until)s, and no new application "
                       "is accepted before then. Reason: %(reason)s") % {
            **values, "number": application.revocation_document_number, "reason": application.revocation_reason,
            "until": date_format(application.revocation_published_until)}
    return subject, body + "\n" + gettext("Details are in your enterprise's account: %(path)s") % {
        "path": "/account/repairs/"}


def _notify(application: RepairApplication, event: str) -> None:
    """One e-mail per active liaison, both languages in one mail, keyed to be sent once."""
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts.append(_text(application, event))
    subject = " / ".join(t[0] for t in texts)
    body = "\n\n".join(t[1] for t in texts)
    liaisons = EnterpriseAccount.objects.filter(active_liaison_q(), enterprise_id=application.enterprise_id
                                                ).select_related("user")
    for account in liaisons:
        notice_queue(key=f"listings.repair.{event}:{application.pk}:{account.user_id}", to=account.user.email,
                     subject=subject[:200], body=body)


def revocation_bar_ends(application: RepairApplication) -> dt.date | None:
    """The first day a new application for the record is accepted after a fraud revocation."""
    if application.revocation_published_until is None:
        return None
    return application.revocation_published_until + dt.timedelta(days=1)
