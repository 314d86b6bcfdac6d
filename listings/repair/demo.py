"""The credit repair demo (called at the end of listings.demo.seed_demo_data): the third demo
enterprise login, enterprise3, gets five general penalties imposed by SAMR and a repair
application for each, one in every state: pending acceptance, under review with its decision
due the next working day, approved, rejected, revoked for a false commitment. The SAMR staff
login `samr` decides them (README).

The penalties and the signed letters are tables the demo digests (credit.demo.COLUMNS): they are
written with ids after the table's largest and the demo day's time, so the same seed gives the
same rows whatever the clock and the number of processes. The applications are created as the
submit service would (a proof file, 2 working days to accept) and moved through the services."""

from __future__ import annotations

import datetime as dt
import io

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from credit import commitments
from credit.demo import next_ids, sequences_reset
from credit.models import AdministrativePenalty, Agency, CommitmentLetter, EnterpriseAccount, Severity
from listings.models import PUBLICATION_TIME_ZONE, RepairApplication, RepairFile
from listings.repair import services
from listings.repair.kinds import PENALTY
from portal.uploads import store_upload_on_commit, validate_uploads
from portal.workdays import add_working_days

LOGIN, STAFF_LOGIN, AGENCY = "enterprise3", "samr", "SAMR"
# (state shown, violation, content)
CASES = (
    ("submitted", "虚假宣传", "责令停止违法行为，罚款人民币叁万元"),
    ("accepted", "未按规定标明价格", "罚款人民币贰万元"),
    ("approved", "销售过期食品", "没收违法所得，罚款人民币伍万元"),
    ("rejected", "无照经营", "罚款人民币壹万元"),
    ("revoked", "虚假广告", "罚款人民币陆万元"),
)


def _proof():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return validate_uploads([SimpleUploadedFile("整改证明.png", buffer.getvalue(), content_type="image/png")])


def seed_repairs(*, today: dt.date) -> int:
    account = EnterpriseAccount.objects.filter(user__username=LOGIN).select_related("enterprise", "user").first()
    officer = get_user_model().objects.filter(username=STAFF_LOGIN).first()
    agency = Agency.objects.filter(code=AGENCY).first()
    if account is None or officer is None or agency is None:
        return 0
    enterprise, user = account.enterprise, account.user
    moment = dt.datetime.combine(today, dt.time(0, 10), tzinfo=PUBLICATION_TIME_ZONE)
    decided_on = today - relativedelta(months=5)
    penalty_ids = next_ids(AdministrativePenalty, len(CASES))
    penalties = AdministrativePenalty.objects.bulk_create(
        AdministrativePenalty(
            id=pk, enterprise=enterprise, source_agency=agency, document_number=f"国市监处罚〔修复演示〕{n}号",
            decided_on=decided_on, published_at=moment - dt.timedelta(days=140), violation_type=violation,
            content=content, severity=Severity.GENERAL,
            publication_ends_on=decided_on + relativedelta(years=1) - dt.timedelta(days=1),
        )
        for n, (pk, (_, violation, content)) in enumerate(zip(penalty_ids, CASES, strict=True), start=1)
    )
    template = commitments.current_template(CommitmentLetter.Kind.CREDIT_REPAIR)
    letters = []
    for pk, penalty in zip(next_ids(CommitmentLetter, len(CASES)), penalties, strict=True):
        matter = PENALTY.label_of(penalty)[:200]
        text = template.render("zh-hans", enterprise=enterprise.name, uscc=enterprise.uscc, agency=agency.name,
                               matter=matter)
        title = template.title("zh-hans")
        document = commitments.canonical_document(
            uscc=enterprise.uscc, kind=CommitmentLetter.Kind.CREDIT_REPAIR, template_version=template.version,
            language="zh-hans", agency_code=agency.code, matter=matter, signatory_name="演示签署人",
            signatory_title="法定代表人", signed_at=moment, title=title, text=text)
        letters.append(CommitmentLetter(
            id=pk, enterprise=enterprise, kind=CommitmentLetter.Kind.CREDIT_REPAIR, template_version=template.version,
            language="zh-hans", agency=agency, approval_matter=matter, title=title, text=text,
            signatory_name="演示签署人", signatory_title="法定代表人", signed_at=moment, signed_on=today,
            valid_until=today + relativedelta(months=template.validity_months) - dt.timedelta(days=1),
            text_sha256=commitments.document_sha256(document), signed_by=user, published_at=moment,
        ))
    CommitmentLetter.objects.bulk_create(letters)
    with connection.cursor() as cursor:
        sequences_reset(cursor, [AdministrativePenalty, CommitmentLetter])
    due = add_working_days(today, 2)
    for (state, _, _), penalty, letter in zip(CASES, penalties, letters, strict=True):
        application = RepairApplication.objects.create(
            enterprise=enterprise, record_kind=PENALTY.key, record_id=penalty.pk, record_label=letter.approval_matter,
            deciding_agency=agency, commitment_letter=letter, submitted_at=moment, submitted_by=user,
            statement="已缴清罚款，完成整改并消除不良影响。", acceptance_due=due.date,
            acceptance_due_provisional=due.provisional,
        )
        for checked in _proof():
            RepairFile.objects.create(application=application, original_name=checked.name,
                                      stored_name=store_upload_on_commit(checked), content_type=checked.content_type,
                                      size=checked.size, sha256=checked.sha256, uploaded_by=user)
        if state == "submitted":
            continue
        if state == "rejected":
            services.repair_application_reject(application=application, actor=officer,
                                               reasons="未提交罚款缴纳凭证，请补齐后重新申请。")
            continue
        services.repair_application_accept(application=application, actor=officer)
        if state == "accepted":
            # Accepted some days ago: the decision is due the next working day.
            close = add_working_days(today, 1)
            RepairApplication.objects.filter(pk=application.pk).update(
                decision_due=close.date, decision_due_provisional=close.provisional)
            continue
        services.repair_application_approve(application=application, actor=officer, reasons="材料齐全，准予修复。")
        if state == "revoked":
            services.repair_application_revoke(application=application, actor=officer, reason="经核查，承诺的整改未实际完成。",
                                               document_number="国市监信撤〔演示〕1号")
    return len(CASES)
