"""The demo's credit commitment letters (a settings.DEMO_STEPS step, after the list entries):
letters of every kind and state for the demo logins' enterprises, and a breached
notification-and-commitment letter with its consequences (a revoked licence, a serious-list
entry), recorded through the credit services in the name of the `samr` demo login."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from credit.demo import next_ids, sequences_reset
from credit.models import Agency, EnterpriseAccount
from listings.models import local_today

COMMITMENT_STAFF = "samr"  # the demo staff login of SAMR, to which the notification-and-commitment letters are made


def _past_letter(*, enterprise, kind: str, agency, matter: str, signed_on: dt.date, language: str = "zh-hans",
                 fulfilled_on: dt.date | None = None, note: str = ""):
    """A letter signed on an earlier day, on the current template, with its canonical document's hash
    (as the bulk demo writes them): what `commitment_letter_sign` would have stored that day."""
    from dateutil.relativedelta import relativedelta

    from credit import commitments
    from credit.models import CommitmentLetter
    from credit.services import commitment_preview

    preview = commitment_preview(enterprise=enterprise, kind=kind, language=language, agency=agency,
                                 approval_matter=matter)
    signed_at = dt.datetime.combine(signed_on, dt.time(10, 0), tzinfo=timezone.get_current_timezone())
    document = commitments.canonical_document(
        uscc=enterprise.uscc, kind=kind, template_version=preview.template.version, language=language,
        agency_code=agency.code, matter=matter, signatory_name=enterprise.legal_representative_name or "法定代表人",
        signatory_title="法定代表人", signed_at=signed_at, title=preview.title, text=preview.text)
    return CommitmentLetter.objects.create(
        id=next_ids(CommitmentLetter, 1)[0], enterprise=enterprise, kind=kind, template_version=preview.template.version, language=language, agency=agency,
        approval_matter=matter, title=preview.title, text=preview.text,
        signatory_name=enterprise.legal_representative_name or "法定代表人", signatory_title="法定代表人",
        signed_at=signed_at, signed_on=signed_on,
        valid_until=signed_on + relativedelta(months=preview.template.validity_months) - dt.timedelta(days=1),
        text_sha256=commitments.document_sha256(document), published_at=signed_at, fulfilled_on=fulfilled_on,
        fulfilment_note=note)


def _granted_licence(*, letter, name: str, number: str, granted_on: dt.date):
    from credit.models import AdministrativeLicence

    return AdministrativeLicence.objects.create(
        id=next_ids(AdministrativeLicence, 1)[0], enterprise=letter.enterprise, source_agency=letter.agency, document_number=number, decided_on=granted_on,
        published_at=dt.datetime.combine(granted_on, dt.time(9, 0), tzinfo=timezone.get_current_timezone()),
        name=name, valid_from=granted_on, valid_to=granted_on + dt.timedelta(days=5 * 365), content=name,
        commitment_letter=letter)


def seed_demo_data(*, seed: int, stdout) -> None:
    """Letters of every kind and state for the demo logins' enterprises, signed and recorded
    through the services where they happen today: enterprise1 has a general and a repair letter in
    force, a notification-and-commitment letter in force made to SAMR with the licence granted on
    it (the `samr` login may record its breach), one fulfilled and one expired letter; enterprise3
    has a notification-and-commitment letter breached with a false commitment: its licence is
    revoked and it is on the serious illegal and dishonest list (so a new such letter is refused)."""
    from django.contrib.auth import get_user_model

    from credit import services as credit_services
    from credit.models import AdministrativeLicence, CommitmentLetter

    accounts = {a.user.username: a for a in EnterpriseAccount.objects.select_related("user", "enterprise__registration_authority")}
    samr = Agency.objects.filter(code="SAMR").first()
    staff = get_user_model().objects.filter(username=COMMITMENT_STAFF).first()
    if samr is None or staff is None or not {"enterprise1", "enterprise3"} <= set(accounts):
        stdout.write("commitments: the demo logins are missing, no showcase letters\n")
        return
    today = local_today()
    year = today.year
    made = 0
    with transaction.atomic():
        first = accounts["enterprise1"]
        e1 = first.enterprise
        # Signed yesterday (a fixed time, so that the same seed gives the same rows).
        yesterday = today - dt.timedelta(days=1)
        _past_letter(enterprise=e1, kind="general", agency=e1.registration_authority, matter="", signed_on=yesterday)
        _past_letter(enterprise=e1, kind="credit_repair", agency=e1.registration_authority,
                     matter="经营异常名录列入（未按期公示年度报告）", signed_on=yesterday)
        in_force = _past_letter(enterprise=e1, kind="licensing", agency=samr, matter="食品经营许可（告知承诺办理）",
                                signed_on=today - dt.timedelta(days=40))
        _granted_licence(letter=in_force, name="食品经营许可证", number=f"JY{year}0001", granted_on=in_force.signed_on)
        kept = _past_letter(enterprise=e1, kind="licensing", agency=samr, matter="广告发布登记（告知承诺办理）",
                            signed_on=today - dt.timedelta(days=200), language="en")
        credit_services.commitment_fulfilment_record(letter=kept, actor=staff, fulfilled_on=today - dt.timedelta(days=20),
                                                     note="核查确认企业符合审批条件，承诺已履行。")
        _past_letter(enterprise=e1, kind="industry", agency=e1.registration_authority, matter="",
                     signed_on=today - dt.timedelta(days=500))
        third = accounts["enterprise3"]
        e3 = third.enterprise
        _past_letter(enterprise=e3, kind="general", agency=e3.registration_authority, matter="",
                     signed_on=today - dt.timedelta(days=420))
        breached = _past_letter(enterprise=e3, kind="licensing", agency=samr, matter="医疗器械经营备案（告知承诺办理）",
                                signed_on=today - dt.timedelta(days=90))
        _granted_licence(letter=breached, name="第二类医疗器械经营备案凭证", number=f"YX{year}0002",
                         granted_on=breached.signed_on)
        credit_services.commitment_breach_record(
            letter=breached, actor=staff, decided_on=today - dt.timedelta(days=3),
            document_number=f"国市监信承〔{year}〕1号",
            facts="经事后核查，企业承诺已具备的经营场所和质量管理人员均不存在，承诺内容不实。",
            evidence="现场核查笔录、询问笔录、场所租赁情况核实材料", false_commitment=True)
        made = 7
    # Written with their ids (next after the largest: SQLite keeps its counter across a --reset,
    # so a reset gives the same rows); the sequences follow them.
    with connection.cursor() as cursor:
        sequences_reset(cursor, (CommitmentLetter, AdministrativeLicence))
    stdout.write(f"commitments: {made} showcase letters (one breached with its revoked licence and its serious-list entry)\n")
