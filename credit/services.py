"""Writes to credit records made by agency staff (the admin calls these)."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from credit import models as m
from credit.annual_reports import ReportForm, raw_as_querydict, raw_changed_fields, raw_from_data, variant_for
from credit.filing import report_refusal
from credit.hooks import (
    account_activated,
    account_revoked,
    commitment_breach_withdrawn,
    commitment_breached,
    commitment_refusals,
    legal_representative_refusals,
    penalty_withdrawn,
)
from credit.publication import publication_record
from portal.audit import audit_changes, audit_record
from portal.forms import plain_line_error

# The middle part of each record's audit action code, e.g. credit.penalty.withdrawn.
ACTION_NAMES: dict[type[models.Model], str] = {
    m.Enterprise: "enterprise",
    m.Shareholder: "shareholder",
    m.KeyPerson: "key_person",
    m.Branch: "branch",
    m.ChangeRecord: "change",
    m.ChattelMortgage: "mortgage",
    m.EquityPledge: "pledge",
    m.AdministrativeLicence: "licence",
    m.AdministrativePenalty: "penalty",
    m.JudicialAssistance: "judicial_assistance",
    m.AnnualReport: "annual_report",
    m.InstantDisclosure: "instant_disclosure",
    m.CommitmentLetter: "commitment",
    m.CommitmentBreach: "commitment_breach",
    m.Person: "person",
    m.Agency: "agency",
    m.AgencyStaff: "agency_staff",
    m.EnterpriseAccount: "enterprise_account",
}


def penalty_publication_latest_end(*, severity: str, decided_on: dt.date) -> dt.date:
    """The last day a penalty of this class may be shown (inclusive), counted from the
    decision date, as list entries count theirs: the longest period of its class
    (credit.models.PUBLICATION_MONTHS), which is also the default."""
    months = m.PUBLICATION_MONTHS[severity].longest
    return decided_on + relativedelta(months=months) - dt.timedelta(days=1)


def penalty_publication_earliest_end(*, severity: str, decided_on: dt.date) -> dt.date | None:
    """The first day a penalty of this class may stop being shown (its last day of
    publication), counted as the latest end is: the shortest period of its class
    (credit.models.PUBLICATION_MONTHS); None where the class has no minimum (minor)."""
    months = m.PUBLICATION_MONTHS[severity].shortest
    if months is None:
        return None
    return decided_on + relativedelta(months=months) - dt.timedelta(days=1)


def penalty_publication_help() -> str:
    """The rule of the penalty form's end date, in the numbers of credit.models.PUBLICATION_MONTHS."""
    minor, general, serious = (m.PUBLICATION_MONTHS[s] for s in (m.Severity.MINOR, m.Severity.GENERAL,
                                                                     m.Severity.SERIOUS))
    period = m.publication_period_text
    return _(
        "At most %(minor)s after the decision for a minor penalty; at least %(general_min)s and at most "
        "%(general_max)s for a general one; at least %(serious_min)s and at most %(serious_max)s for a serious "
        "one. Left empty, the maximum for the severity class is used."
    ) % {"minor": period(minor.longest), "general_min": period(general.shortest),
         "general_max": period(general.longest), "serious_min": period(serious.shortest),
         "serious_max": period(serious.longest)}


def penalty_publication_end(*, severity: str, decided_on: dt.date, ends_on: dt.date | None) -> dt.date:
    """The publication end to store: the maximum for the class when none is given;
    otherwise the given date, refused beyond the maximum, before the minimum of the
    class (credit.models.PUBLICATION_MONTHS; the messages say its numbers) or before the decision."""
    latest = penalty_publication_latest_end(severity=severity, decided_on=decided_on)
    if ends_on is None:
        return latest
    earliest = penalty_publication_earliest_end(severity=severity, decided_on=decided_on)
    if ends_on < decided_on:
        message = _("Publication ends: the date cannot be before the decision date (%(date)s).")
        raise ValidationError(
            {"publication_ends_on": ValidationError(
                message, code="publication_before_decision", params={"date": date_format(decided_on)}
            )}
        )
    months = m.PUBLICATION_MONTHS[severity]
    if earliest is not None and ends_on < earliest:
        message = {
            m.Severity.GENERAL: _(
                "Publication ends: a general penalty is published for at least %(period)s after the decision date, "
                "that is until %(earliest)s at the earliest."
            ),
            m.Severity.SERIOUS: _(
                "Publication ends: a serious penalty is published for at least %(period)s after the decision date, "
                "that is until %(earliest)s at the earliest."
            ),
        }[severity]
        raise ValidationError(
            {"publication_ends_on": ValidationError(
                message, code="publication_too_short",
                params={"earliest": date_format(earliest), "period": m.publication_period_text(months.shortest)},
            )}
        )
    if ends_on > latest:
        message = {
            m.Severity.MINOR: _(
                "Publication ends: a minor penalty is published for %(period)s after the decision date at most, "
                "that is until %(latest)s."
            ),
            m.Severity.GENERAL: _(
                "Publication ends: a general penalty is published for %(period)s after the decision date at most, "
                "that is until %(latest)s."
            ),
            m.Severity.SERIOUS: _(
                "Publication ends: a serious penalty is published for %(period)s after the decision date at most, "
                "that is until %(latest)s."
            ),
        }[severity]
        raise ValidationError(
            {"publication_ends_on": ValidationError(
                message, code="publication_too_long",
                params={"latest": date_format(latest), "period": m.publication_period_text(months.longest)},
            )}
        )
    return ends_on


def _enterprise_id(obj: models.Model) -> int | None:
    if isinstance(obj, m.Enterprise):
        return obj.pk
    return getattr(obj, "enterprise_id", None)


def _files_showing(obj: models.Model, *, created: bool = False, changed=()) -> tuple[list[int], bool]:
    """The credit files that show `obj` (enterprise ids), or site_wide for an agency,
    whose name appears as the source of records in any number of files, and for an
    enterprise registered, renamed or recoded: its name shows in other files (a bar
    notice, a branch's link to its own file)."""
    if isinstance(obj, m.Agency):
        return [], True
    if isinstance(obj, m.Enterprise) and (created or {"name", "name_en", "uscc"} & set(changed)):
        return [], True
    if isinstance(obj, m.Person):
        # As legal representative, and by name in key personnel and as shareholder.
        ids = set(m.Enterprise.objects.filter(legal_representative=obj).values_list("id", flat=True))
        ids.update(m.KeyPerson.objects.filter(person=obj).values_list("enterprise_id", flat=True))
        ids.update(m.Shareholder.objects.filter(person=obj).values_list("enterprise_id", flat=True))
        ids.update(m.EquityPledge.objects.filter(pledgor_person=obj).values_list("enterprise_id", flat=True))
        return sorted(ids), False
    enterprise_id = _enterprise_id(obj)
    return ([enterprise_id] if enterprise_id is not None else []), False


CORRECTION_REASON_REQUIRED = _(
    "Correction reason: this record is already published, so a change is a correction; say why it is corrected. "
    "The reason is published with the record."
)

# Fields the service keeps itself: never reported as corrected by the editor.
_BOOKKEEPING_FIELDS = frozenset(
    {"id", "published_at", "withdrawn_at", "withdrawal_reason", "corrected_at", "correction_reason", "updated_at",
     "search_tokens"}
)


def legal_representative_check(*, person: m.Person, enterprise: m.Enterprise) -> None:
    """Refuse appointing `person` legal representative of `enterprise` when a registered rule
    bars it (credit.hooks; listings: the bar after false disclosure), naming each reason."""
    refusals = legal_representative_refusals(person=person, enterprise=enterprise)
    if refusals:
        raise ValidationError({"legal_representative": refusals}, code="legal_representative_barred")


@transaction.atomic
def person_identity_reveal(*, person: m.Person, actor) -> None:
    """Record that `actor` was shown `person`'s full identity number (never the number itself)."""
    audit_record(action="credit.person.identity_revealed", actor=actor, obj=person, payload={})


@transaction.atomic
def credit_object_save(
    *, obj: models.Model, actor, changed_fields: list[str] | None = None, correction_reason: str = ""
) -> models.Model:
    """Create or change one credit object; a new published record gets its publication time now.

    Changing a published record is a correction: it needs a reason, the record keeps
    the date and reason of its latest correction (shown on the public file), and the
    audit event keeps the old and new value of each changed field.
    """
    created = obj.pk is None
    before = None if created else type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    if getattr(before, "withdrawn_at", None) is not None:
        raise ValidationError(_("A withdrawn record cannot be changed; its history stays as published."))
    if isinstance(obj, m.Enterprise) and obj.legal_representative_id and (
        before is None or before.legal_representative_id != obj.legal_representative_id
    ):
        legal_representative_check(person=obj.legal_representative, enterprise=obj)
    if isinstance(obj, m.AdministrativePenalty):
        obj.publication_ends_on = penalty_publication_end(
            severity=obj.severity, decided_on=obj.decided_on, ends_on=obj.publication_ends_on
        )
        if obj.publication_ended_at is not None and obj.publication_ends_on >= timezone.localdate():
            obj.publication_ended_at = None  # a corrected end date not yet passed: published again
    # Identity numbers are logged masked: the audit log must not become a second copy of them.
    changes = {} if created else audit_changes(
        before, obj, exclude=_BOOKKEEPING_FIELDS, shown={"id_number": m.mask_identity_number}
    )
    correction_reason = (correction_reason or "").strip()
    corrected = isinstance(obj, m.PublishedRecord) and bool(changes)
    if corrected:
        if not correction_reason:
            raise ValidationError({"correction_reason": CORRECTION_REASON_REQUIRED}, code="correction_reason_required")
        obj.corrected_at = timezone.now()
        obj.correction_reason = correction_reason[:300]
    if created and isinstance(obj, m.PublishedRecord) and obj.published_at is None:
        obj.published_at = timezone.now()
    obj.save()
    verb = ("registered" if isinstance(obj, m.Enterprise) else "published") if created else "changed"
    if not isinstance(obj, m.PublishedRecord | m.Enterprise) and created:
        verb = "created"
    if corrected:
        verb = "corrected"
    payload = {"fields": sorted(set(changes) | set(changed_fields or []))}
    if changes:
        payload["changes"] = changes
    if corrected:
        payload["reason"] = obj.correction_reason
    enterprise_id = _enterprise_id(obj)
    if enterprise_id is not None:
        payload["enterprise_id"] = enterprise_id
    if isinstance(obj, m.Person) and not created:
        payload["enterprises_renamed"] = _person_name_propagate(person=obj)
    enterprise_ids, site_wide = _files_showing(obj, created=created, changed=changes)
    changed = None
    if isinstance(obj, m.Person) and not created:
        # A person's name shows in the registration of the enterprises they represent and among
        # key personnel: the feed carries those objects' new states (credit/feed.py).
        changed = [m.Enterprise.objects.filter(legal_representative=obj), m.KeyPerson.objects.filter(person=obj)]
    publication_record(
        action=f"credit.{ACTION_NAMES[type(obj)]}.{verb}", actor=actor, obj=obj, payload=payload,
        enterprises=enterprise_ids, site_wide=site_wide, changed=changed,
    )
    return obj


def _person_name_propagate(*, person: m.Person) -> int:
    """Copy a person's (corrected) name to the enterprises they represent. Search by
    legal representative reads the copied column, so a rename that stopped at the person
    would make those enterprises unfindable. (Their files get new versions with the
    person's publication event.)"""
    stale = m.Enterprise.objects.filter(legal_representative=person).exclude(legal_representative_name=person.name)
    return stale.update(legal_representative_name=person.name, updated_at=timezone.now())


@transaction.atomic
def published_record_withdraw(*, record: m.PublishedRecord, actor, reason: str) -> m.PublishedRecord:
    """Withdraw a published record: a state change with date and reason, never a deletion."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Withdrawal reason: give the reason; a record is never withdrawn silently.")})
    record = type(record).objects.select_for_update().get(pk=record.pk)
    if record.withdrawn_at is not None:
        raise ValidationError(
            _("This record was already withdrawn on %(date)s."), params={"date": record.withdrawn_at.date()}
        )
    record.withdrawn_at = timezone.now()
    record.withdrawal_reason = reason[:300]
    record.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    payload = {"reason": record.withdrawal_reason, "enterprise_id": record.enterprise_id}
    if isinstance(record, m.CommitmentBreach):
        payload.update(_breach_consequences_undo(breach=record, actor=actor))
    publication_record(
        action=f"credit.{ACTION_NAMES[type(record)]}.withdrawn",
        actor=actor,
        obj=record,
        payload=payload,
        enterprises=[record.enterprise_id],
    )
    if isinstance(record, m.AdministrativePenalty):
        penalty_withdrawn.send(sender=m.AdministrativePenalty, penalty=record, reason=record.withdrawal_reason)
    return record


def _breach_consequences_undo(*, breach: m.CommitmentBreach, actor) -> dict:
    """A breach withdrawn (recorded in error) takes back what it caused, inside the withdrawal's
    transaction: the licences its recording revoked (as its audit event names them) are valid
    again, each a published correction naming the withdrawal; credit.hooks.
    commitment_breach_withdrawn lets the apps above undo theirs (listings: the serious-list entry
    of a false commitment is revoked). The letter's state needs nothing: it is derived, and a
    withdrawn breach no longer counts (credit.commitments.breach_published_q)."""
    from portal.audit import AuditEvent

    recorded = (AuditEvent.objects.filter(action="credit.commitment.breached", object_type="credit.commitmentbreach",
                                          object_id=str(breach.pk)).order_by("-id").first())
    revoked_ids = list((recorded.payload.get("licences_revoked") if recorded else None) or [])
    restored = []
    for licence in m.AdministrativeLicence.objects.select_for_update().filter(
        pk__in=revoked_ids, commitment_letter_id=breach.letter_id, status=m.AdministrativeLicence.Status.REVOKED,
        withdrawn_at__isnull=True,
    ).order_by("id"):
        licence.status = m.AdministrativeLicence.Status.VALID
        credit_object_save(
            obj=licence, actor=actor, changed_fields=["status"],
            correction_reason=(_("Valid again: the breach of the notification-and-commitment letter it was revoked "
                                 "for (decision %(number)s) was withdrawn.") % {"number": breach.document_number})[:300],
        )
        restored.append(licence.pk)
    consequences = [response for _receiver, response in commitment_breach_withdrawn.send(
        sender=m.CommitmentBreach, breach=breach, reason=breach.withdrawal_reason, actor=actor) if response]
    return {"licences_restored": restored, "consequences": consequences}


# --- Enterprise logins: activation codes, activation, revocation (credit/accounts.py) ---------

ACTIVATION_CODE_REFUSED = _(
    "Activation code: this code is not valid for this USCC. Check both against your letter; a code "
    "works once, until the expiry date printed on it, and not after a new letter was issued."
)


def _account_manager(actor, enterprise: m.Enterprise):
    """The actor's agency if it may manage this enterprise's logins (credit.accounts), else refused."""
    from credit.accounts import may_manage_accounts
    from portal.access import who

    agency = who(actor).agency
    if not may_manage_accounts(agency, enterprise):
        raise PermissionDenied("Only staff of the registration authority or a national market regulator may do this.")
    return agency


@transaction.atomic
def activation_code_issue(*, enterprise: m.Enterprise, actor) -> tuple[m.ActivationCode, str]:
    """Issue a new activation code for `enterprise`; its open codes are revoked (a reissue).
    Returns the row and the plain code, which is shown once, on the letter, and never stored."""
    from credit import accounts

    agency = _account_manager(actor, enterprise)
    m.Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()  # one issue at a time per enterprise
    now = timezone.now()
    open_codes = m.ActivationCode.objects.filter(
        enterprise=enterprise, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    replaced = sorted(open_codes.values_list("pk", flat=True))
    open_codes.filter(pk__in=replaced).update(
        revoked_at=now, revoked_by=actor, revoked_because=m.ActivationCode.RevokedBecause.REISSUED
    )
    plain = accounts.code_generate()
    salt = accounts.code_salt()
    row = m.ActivationCode.objects.create(
        enterprise=enterprise, code_salt=salt, code_hash=accounts.code_hash(plain, salt), issued_at=now,
        issued_by=actor, issued_by_agency=agency, expires_at=accounts.code_expiry(now),
    )
    audit_record(
        action="credit.activation_code.reissued" if replaced else "credit.activation_code.issued",
        actor=actor, obj=row,
        payload={"enterprise_id": enterprise.pk, "agency_id": agency.pk, "expires_at": row.expires_at.isoformat(),
                 "revoked_codes": replaced},
    )
    return row, plain


@transaction.atomic
def activation_code_revoke(*, code: m.ActivationCode, actor) -> m.ActivationCode:
    """Revoke an open code (a letter lost or sent to the wrong person)."""
    _account_manager(actor, code.enterprise)
    code = m.ActivationCode.objects.select_for_update().get(pk=code.pk)
    if not code.is_open():
        raise ValidationError(_("This activation code is no longer open (used, revoked or expired); nothing to revoke."))
    code.revoked_at = timezone.now()
    code.revoked_by = actor
    code.revoked_because = m.ActivationCode.RevokedBecause.REVOKED
    code.save(update_fields=["revoked_at", "revoked_by", "revoked_because"])
    audit_record(action="credit.activation_code.revoked", actor=actor, obj=code,
                 payload={"enterprise_id": code.enterprise_id})
    return code


@transaction.atomic
def enterprise_account_activate(*, enterprise: m.Enterprise, code: str, username: str, email: str, password: str):
    """Create a liaison login of `enterprise` with an open activation code, which is used up.
    The password was validated by the form (Django's validators). Refused alike for a wrong,
    used, revoked or expired code (ACTIVATION_CODE_REFUSED)."""
    from django.contrib.auth import get_user_model

    from credit import accounts

    found = accounts.open_code_find(enterprise=enterprise, typed=code)
    row = m.ActivationCode.objects.select_for_update().filter(pk=found.pk).first() if found else None
    if row is None or not row.is_open():  # used meanwhile by a concurrent activation
        raise ValidationError({"code": ACTIVATION_CODE_REFUSED})
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("User name: this name is taken; choose another.")})
    user = User(username=username, email=email)
    user.set_password(password)
    user.save()
    account = m.EnterpriseAccount.objects.create(user=user, enterprise=enterprise)
    row.used_at = timezone.now()
    row.account = account
    row.save(update_fields=["used_at", "account"])
    audit_record(action="credit.enterprise_account.activated", actor=user, obj=account,
                 payload={"enterprise_id": enterprise.pk, "activation_code_id": row.pk})
    account_activated.send(sender=m.EnterpriseAccount, account=account, email=email,
                           language=translation.get_language())
    return user


@transaction.atomic
def enterprise_account_revoke(*, account: m.EnterpriseAccount, actor, reason: str) -> m.EnterpriseAccount:
    """Revoke a liaison login: its user is deactivated (signed out everywhere), the rows stay."""
    _account_manager(actor, account.enterprise)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Reason: say why the login is revoked; the enterprise may ask.")})
    account = m.EnterpriseAccount.objects.select_for_update().select_related("user").get(pk=account.pk)
    if account.revoked_at is not None:
        raise ValidationError(_("This login was already revoked."))
    account.revoked_at = timezone.now()
    account.revoked_by = actor
    account.revoked_reason = reason[:1000]
    account.save(update_fields=["revoked_at", "revoked_by", "revoked_reason"])
    account.user.is_active = False
    account.user.save(update_fields=["is_active"])
    audit_record(action="credit.enterprise_account.revoked", actor=actor, obj=account,
                 payload={"enterprise_id": account.enterprise_id, "user_id": account.user_id, "reason": account.revoked_reason})
    account_revoked.send(sender=m.EnterpriseAccount, account=account)
    return account
# --- annual reports filed by the enterprise (credit/annual_reports.py has what they contain) ---


class AnnualReportRefused(Exception):
    """The report cannot be filed or corrected now; the message names the rule."""


class AnnualReportInvalid(Exception):
    """The input fails the report's checks; `form` carries the errors on their fields."""

    def __init__(self, form):
        super().__init__("invalid annual report")
        self.form = form


class AnnualReportConflict(Exception):
    """The draft was saved meanwhile from another page (tab); `changed` are the labels of the
    items whose input differs from this page's, `revision` the draft's revision now."""

    def __init__(self, *, changed: list[str], revision: int):
        super().__init__("the draft changed meanwhile")
        self.changed, self.revision = changed, revision


def _report_refusal_check(*, enterprise: m.Enterprise, year: int, filed: bool) -> None:
    refusal = report_refusal(established_on=enterprise.established_on, status=enterprise.status, year=year,
                             today=timezone.localdate(), filed=filed)
    if refusal:
        raise AnnualReportRefused(refusal)


def _draft_lock(*, enterprise: m.Enterprise, year: int, revision: int, raw: dict,
                based_on: int | None = None) -> m.AnnualReportDraft | None:
    """The draft row, locked; refuses a page that showed another revision than the stored one
    (0: no draft yet). A draft submitted meanwhile counts as a change too, and so does a version
    published since the page was built (`based_on`: the latest version it showed, 0 for none):
    two tabs opened before any draft existed would otherwise both pass the revision check, and the
    second would publish over the first as a silent correction."""
    draft = m.AnnualReportDraft.objects.select_for_update().filter(enterprise=enterprise, year=year).first()
    stored = draft.revision if draft else 0
    if based_on is not None:
        latest = m.AnnualReport.objects.filter(enterprise=enterprise, year=year).order_by("-version").first()
        if (latest.version if latest else 0) != based_on:
            theirs = raw_from_data(latest.data, latest.withheld, not latest.report_public) if latest else {}
            raise AnnualReportConflict(changed=raw_changed_fields(raw, theirs), revision=stored)
    if draft is None and revision:
        latest = m.AnnualReport.objects.filter(enterprise=enterprise, year=year).order_by("-version").first()
        theirs = raw_from_data(latest.data, latest.withheld, not latest.report_public) if latest else {}
        raise AnnualReportConflict(changed=raw_changed_fields(raw, theirs), revision=0)
    if stored != revision:
        raise AnnualReportConflict(changed=raw_changed_fields(raw, draft.data), revision=stored)
    return draft


@transaction.atomic
def annual_report_draft_save(*, enterprise: m.Enterprise, year: int, raw: dict, revision: int,
                             actor, based_on: int | None = None) -> m.AnnualReportDraft:
    """Keep the input as typed (valid or not) as the draft of `year`, if the page showed the
    draft's current revision. Private to the enterprise: audited, not published."""
    filed = m.AnnualReport.objects.filter(enterprise=enterprise, year=year).exists()
    _report_refusal_check(enterprise=enterprise, year=year, filed=filed)
    draft = _draft_lock(enterprise=enterprise, year=year, revision=revision, raw=raw, based_on=based_on)
    if draft is None:
        draft = m.AnnualReportDraft(enterprise=enterprise, year=year)
    draft.data, draft.revision, draft.updated_by = raw, draft.revision + 1, actor
    draft.save()
    audit_record(action="credit.annual_report_draft.saved", actor=actor, obj=draft,
                 payload={"enterprise": enterprise.pk, "year": year, "revision": draft.revision})
    return draft


@transaction.atomic
def annual_report_submit(*, enterprise: m.Enterprise, year: int, raw: dict, revision: int, actor,
                         based_on: int | None = None) -> m.AnnualReport:
    """Publish the report for `year` from the form input: the next version (1 the original,
    then corrections until 30 June of the filing year), with the time of submission; the
    draft is gone afterwards. One publication event, so the credit file and the report's
    page show it at once."""
    # The enterprise row serialises submissions for it, so two versions never get one number.
    enterprise = m.Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    latest = m.AnnualReport.objects.filter(enterprise=enterprise, year=year).order_by("-version").first()
    _report_refusal_check(enterprise=enterprise, year=year, filed=latest is not None)
    draft = _draft_lock(enterprise=enterprise, year=year, revision=revision, raw=raw, based_on=based_on)
    form = ReportForm(raw_as_querydict(raw), variant=variant_for(enterprise.entity_type))
    if not form.is_valid():
        raise AnnualReportInvalid(form)
    data, withheld, private = form.report_data()
    now = timezone.now()
    report = m.AnnualReport.objects.create(
        enterprise=enterprise, year=year, version=latest.version + 1 if latest else 1, submitted_at=now,
        published_at=now, report_public=not private, data=data, withheld=withheld,
    )
    if draft is not None:
        draft.delete()
    publication_record(
        action="credit.annual_report.corrected" if report.is_correction else "credit.annual_report.submitted",
        actor=actor, obj=report, enterprises=[enterprise.pk],
        payload={"year": year, "version": report.version, "public": report.report_public},
    )
    return report


# --- Credit commitment letters (credit/commitments.py) ------------------------------------


class CommitmentPreview:
    """What a letter of `kind` signed now would say: the exact title and text the letter keeps."""

    def __init__(self, *, template, title: str, text: str):
        import hashlib

        self.template, self.title, self.text = template, title, text
        self.template_ref = f"{template.kind}/{template.version}"
        self.text_sha256 = hashlib.sha256((title + "\n\n" + text).encode("utf-8")).hexdigest()


def commitment_preview(*, enterprise: m.Enterprise, kind: str, language: str, agency: m.Agency,
                       approval_matter: str = "") -> CommitmentPreview:
    """The current template of `kind` rendered for `enterprise` and `agency` in `language`."""
    from credit import commitments

    template = commitments.current_template(kind)
    agency_name = agency.name_en or agency.name if language == "en" else agency.name
    enterprise_name = enterprise.name_en or enterprise.name if language == "en" else enterprise.name
    text = template.render(language, enterprise=enterprise_name, uscc=enterprise.uscc, agency=agency_name,
                           matter=(approval_matter or "").strip())
    return CommitmentPreview(template=template, title=template.title(language), text=text)


def _letter_agency_check(*, letter: m.CommitmentLetter, actor) -> None:
    """Only staff of the agency the letter is made to record what became of it."""
    from portal.access import staff_agency

    agency = staff_agency(actor)
    if agency is None or agency.pk != letter.agency_id:
        raise PermissionDenied(_("Only staff of %(agency)s, the agency this letter is made to, may record its "
                                 "breach or fulfilment.") % {"agency": letter.agency.name})


def _recorded_date_check(*, field: str, label, value: dt.date, letter: m.CommitmentLetter, today: dt.date) -> None:
    if value > today:
        raise ValidationError({field: ValidationError(_("%(field)s: the date cannot be in the future."),
                                                      code="future_date", params={"field": label})})
    if value < letter.signed_on:
        raise ValidationError({field: ValidationError(
            _("%(field)s: the date cannot be before the letter was signed (%(date)s)."),
            code="before_signing", params={"field": label, "date": date_format(letter.signed_on)})})


@transaction.atomic
def commitment_breach_record(
    *, letter: m.CommitmentLetter, actor, decided_on: dt.date, document_number: str, facts: str, evidence: str,
    false_commitment: bool,
) -> m.CommitmentBreach:
    """Record (and publish) a breach of `letter` by staff of the agency it is made to: a negative
    record of the credit file. In the same transaction: a notification-and-commitment letter's
    valid licences granted on it are revoked (a correction naming the breach, shown in the file),
    and credit.hooks.commitment_breached is sent (listings lists the enterprise where the rules say
    so); what followed goes into the breach's one audit event `credit.commitment.breached`."""
    from credit import commitments

    letter = m.CommitmentLetter.objects.select_for_update().select_related("agency", "enterprise").get(pk=letter.pk)
    _letter_agency_check(letter=letter, actor=actor)
    today = timezone.localdate()
    document_number, facts, evidence = (document_number or "").strip(), (facts or "").strip(), (evidence or "").strip()
    errors: dict[str, str] = {}
    if not document_number:
        errors["document_number"] = _("Document number: enter the number of the decision that finds the breach.")
    elif len(document_number) > 100:
        errors["document_number"] = _("Document number: at most 100 characters.")
    if not facts:
        errors["facts"] = _("Facts: describe what the enterprise did against its commitment.")
    if not evidence:
        errors["evidence"] = _("Evidence: name the evidence the finding rests on.")
    if errors:
        raise ValidationError(errors, code="invalid")
    _recorded_date_check(field="decided_on", label=_("Decision date"), value=decided_on, letter=letter, today=today)
    if letter.breaches.filter(commitments.breach_open_q()).exists():
        raise ValidationError(_("A breach of this letter is already recorded; withdraw it first if it was wrong."),
                              code="already_breached")
    now = timezone.now()
    breach = m.CommitmentBreach.objects.create(
        letter=letter, enterprise=letter.enterprise, source_agency=letter.agency, document_number=document_number,
        decided_on=decided_on, published_at=now, facts=facts, evidence=evidence, false_commitment=bool(false_commitment),
    )
    revoked = []
    if letter.kind == m.CommitmentLetter.Kind.LICENSING:
        for licence in m.AdministrativeLicence.objects.select_for_update().filter(
            commitment_letter=letter, status=m.AdministrativeLicence.Status.VALID, withdrawn_at__isnull=True
        ).order_by("id"):
            licence.status = m.AdministrativeLicence.Status.REVOKED
            credit_object_save(
                obj=licence, actor=actor, changed_fields=["status"],
                correction_reason=_("Revoked: the notification-and-commitment letter it was granted on was breached "
                                    "(decision %(number)s of %(date)s).") % {
                    "number": document_number, "date": decided_on.isoformat()},
            )
            revoked.append(licence.pk)
    consequences: list = []
    for _receiver, response in commitment_breached.send(sender=m.CommitmentBreach, breach=breach, actor=actor):
        if response:
            consequences.append(response)
    publication_record(
        action="credit.commitment.breached", actor=actor, obj=breach,
        payload={"letter": letter.pk, "kind": letter.kind, "document_number": document_number,
                 "decided_on": decided_on.isoformat(), "false_commitment": breach.false_commitment,
                 "licences_revoked": revoked, "consequences": consequences, "enterprise_id": letter.enterprise_id},
        enterprises=[letter.enterprise_id],
    )
    return breach


@transaction.atomic
def commitment_fulfilment_record(
    *, letter: m.CommitmentLetter, actor, fulfilled_on: dt.date, note: str = "",
) -> m.CommitmentLetter:
    """Record that `letter` was kept (staff of the agency it is made to): it ends as fulfilled.
    Refused for a letter already fulfilled or breached."""
    from credit import commitments

    letter = m.CommitmentLetter.objects.select_for_update().select_related("agency").get(pk=letter.pk)
    _letter_agency_check(letter=letter, actor=actor)
    today = timezone.localdate()
    _recorded_date_check(field="fulfilled_on", label=_("Fulfilled on"), value=fulfilled_on, letter=letter,
                         today=today)
    if letter.valid_until is not None and fulfilled_on > letter.valid_until:
        # A commitment is kept while it is in force; after that it expired, kept or not.
        raise ValidationError({"fulfilled_on": ValidationError(
            _("Fulfilled on: the date cannot be after the letter was in force (until %(date)s)."),
            code="after_validity", params={"date": date_format(letter.valid_until)})})
    state = commitments.letter_state(letter, today)
    if state in (commitments.STATE_BREACHED, commitments.STATE_FULFILLED):
        raise ValidationError(_("This letter is %(state)s; its fulfilment cannot be recorded."),
                              code="not_open", params={"state": commitments.state_label(state)})
    letter.fulfilled_on = fulfilled_on
    letter.fulfilment_note = (note or "").strip()
    letter.save(update_fields=["fulfilled_on", "fulfilment_note"])
    publication_record(
        action="credit.commitment.fulfilled", actor=actor, obj=letter,
        payload={"fulfilled_on": fulfilled_on.isoformat(), "note": letter.fulfilment_note,
                 "enterprise_id": letter.enterprise_id},
        enterprises=[letter.enterprise_id],
    )
    return letter


# An identical letter signed again within this many seconds is the same signing (commitment_letter_sign).
DUPLICATE_SIGNING_SECONDS = 60


@transaction.atomic
def commitment_letter_sign(
    *, enterprise: m.Enterprise, kind: str, language: str, signatory_name: str, signatory_title: str,
    actor, agency: m.Agency | None = None, approval_matter: str = "", confirmed: bool,
    expected_template: str | None = None, expected_text_sha256: str | None = None,
) -> m.CommitmentLetter:
    """Sign and publish a letter of `kind` on its current template (credit.commitments): the
    letter keeps the exact text, the signing time and the SHA-256 of its canonical document.
    `agency` is the agency the letter is made to (required for notification-and-commitment and
    repair letters; otherwise the registration authority). Refused, naming the field, without an
    explicit confirmation, a signatory's name and title, a matter for a notification-and-
    commitment letter, or when a registered rule bars the kind (credit.hooks.commitment_refusals).
    `expected_template` ("kind/version") and `expected_text_sha256` (commitment_preview's
    text_sha256) are what the signing page showed: the letter is refused, not signed with
    another text, if the template or the rendered text changed since."""
    from credit import commitments

    errors: dict[str, str] = {}
    if kind not in m.CommitmentLetter.Kind.values:
        errors["kind"] = _("Kind: choose one of the kinds of commitment letter offered.")
    if language not in commitments.LANGUAGES:
        errors["language"] = _("Language: sign in Chinese or English.")
    signatory_name, signatory_title = (signatory_name or "").strip(), (signatory_title or "").strip()
    approval_matter = (approval_matter or "").strip()
    if not signatory_name:
        errors["signatory_name"] = _("Signatory: enter the name of the person signing for the enterprise.")
    elif len(signatory_name) > 100:
        errors["signatory_name"] = _("Signatory: at most 100 characters.")
    if not signatory_title:
        errors["signatory_title"] = _("Signatory's title: enter the signatory's position, e.g. legal representative.")
    elif len(signatory_title) > 100:
        errors["signatory_title"] = _("Signatory's title: at most 100 characters.")
    if kind in (m.CommitmentLetter.Kind.LICENSING, m.CommitmentLetter.Kind.CREDIT_REPAIR):
        if not approval_matter:
            errors["approval_matter"] = (
                _("Approval matter: name the approval applied for.") if kind == m.CommitmentLetter.Kind.LICENSING
                else _("Approval matter: name the record whose repair is applied for."))
        elif len(approval_matter) > 200:
            errors["approval_matter"] = _("Approval matter: at most 200 characters.")
        if agency is None:
            errors["agency"] = _("Agency: choose the agency the letter is made to.")
    else:
        approval_matter = ""
        agency = agency or enterprise.registration_authority
    # One line of plain text each (portal.forms.plain_line_error); canonical_document's turning
    # of line breaks into spaces (docs/commitments.md 2) then never changes what was typed.
    for field, value, label in (("signatory_name", signatory_name, _("Signatory")),
                                ("signatory_title", signatory_title, _("Signatory's title")),
                                ("approval_matter", approval_matter, _("Approval matter"))):
        problem = plain_line_error(value, label=label)
        if problem is not None and field not in errors:
            errors[field] = problem
    if not confirmed:
        errors["confirmed"] = _("Confirmation: confirm that you have read the text and sign it for the enterprise.")
    if errors:
        raise ValidationError(errors, code="invalid")
    today = timezone.localdate()
    refusals = commitment_refusals(enterprise=enterprise, kind=kind, today=today)
    if refusals:
        raise ValidationError({"kind": refusals}, code="commitment_refused")
    preview = commitment_preview(enterprise=enterprise, kind=kind, language=language, agency=agency,
                                 approval_matter=approval_matter)
    template, title, text = preview.template, preview.title, preview.text
    if (expected_template is not None and expected_template != preview.template_ref) or (
        expected_text_sha256 is not None and expected_text_sha256 != preview.text_sha256
    ):
        raise ValidationError(
            {"confirmed": _("Confirmation: the text of this letter changed since it was shown to you (a new template "
                            "version or changed details). Read the text shown now and confirm again.")},
            code="text_changed",
        )
    signed_at = timezone.now().replace(microsecond=0)
    # The same letter submitted twice (a double click, a resent form) is signed once: the
    # enterprise's row serialises its signings, and an identical letter of the last minute is
    # the answer to the second.
    m.Enterprise.objects.select_for_update().filter(pk=enterprise.pk).first()
    repeated = m.CommitmentLetter.objects.filter(
        enterprise=enterprise, kind=kind, template_version=template.version, language=language, agency=agency,
        approval_matter=approval_matter, signatory_name=signatory_name, signatory_title=signatory_title, text=text,
        signed_at__gte=signed_at - dt.timedelta(seconds=DUPLICATE_SIGNING_SECONDS),
    ).order_by("-signed_at").first()
    if repeated is not None:
        return repeated
    signed_on = timezone.localdate(signed_at)
    document = commitments.canonical_document(
        uscc=enterprise.uscc, kind=kind, template_version=template.version, language=language,
        agency_code=agency.code, matter=approval_matter, signatory_name=signatory_name,
        signatory_title=signatory_title, signed_at=signed_at, title=title, text=text,
    )
    letter = m.CommitmentLetter.objects.create(
        enterprise=enterprise, kind=kind, template_version=template.version, language=language, agency=agency,
        approval_matter=approval_matter, title=title, text=text, signatory_name=signatory_name,
        signatory_title=signatory_title, signed_at=signed_at, signed_on=signed_on,
        valid_until=signed_on + relativedelta(months=template.validity_months) - dt.timedelta(days=1),
        text_sha256=commitments.document_sha256(document), signed_by=actor, published_at=signed_at,
    )
    publication_record(
        action="credit.commitment.signed", actor=actor, obj=letter,
        payload={"kind": kind, "template": f"{kind}/{template.version}", "sha256": letter.text_sha256,
                 "agency": agency.code},
        enterprises=[enterprise.pk],
    )
    return letter


def penalties_publication_end(*, today: dt.date | None = None) -> int:
    """Publish the end of publication of every penalty whose last day of publication is before
    `today` (set-based, idempotent: a second run finds none): one UPDATE stamps them, then one
    publication records the files and one "expired" feed event per penalty, in id order."""
    today = today or timezone.localdate()
    run_at = timezone.now()
    with transaction.atomic():
        ended = m.AdministrativePenalty.objects.filter(
            publication_ended_at=None, withdrawn_at=None, publication_ends_on__lt=today,
        ).update(publication_ended_at=run_at)
        if not ended:
            return 0
        stamped = m.AdministrativePenalty.objects.filter(publication_ended_at=run_at)
        publication_record(
            action="credit.penalty.expired", actor_label="system",
            payload={"today": today.isoformat(), "penalties": ended, "run_at": run_at.isoformat()},
            enterprises=stamped.values("enterprise_id"), changed=[stamped],
        )
    return ended
