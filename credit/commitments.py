"""Credit commitment letters: the templates an enterprise signs, and the canonical form whose
SHA-256 is published with every signed letter (docs/commitments.md).

A template is identified by (kind, version). A version, once in TEMPLATES, is published: its
text is never edited (a test pins every version's SHA-256), only superseded by a higher version
of the same kind. A letter keeps the exact text it was signed with, so a superseded version
changes nothing already signed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# The first line of every canonical letter document; a later incompatible form gets a new tag.
CANONICAL_TAG = "CREDIT-COMMITMENT-v1"
LANGUAGES = ("zh-hans", "en")


@dataclass(frozen=True)
class Template:
    kind: str
    version: int
    published_on: dt.date
    # How long a letter of this version is in force from the day it is signed, in months.
    validity_months: int
    title_zh: str
    title_en: str
    # The text, with {enterprise}, {uscc}, {agency} and {matter} filled in at signing.
    text_zh: str
    text_en: str

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_zh

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_zh

    def render(self, language: str, *, enterprise: str, uscc: str, agency: str, matter: str = "") -> str:
        return normalise_text(
            self.text(language).format(enterprise=enterprise, uscc=uscc, agency=agency, matter=matter)
        )


KIND_GENERAL = "general"
KIND_INDUSTRY = "industry"
KIND_LICENSING = "licensing"
KIND_REPAIR = "credit_repair"

KIND_LABELS = {
    KIND_GENERAL: _("General good-faith commitment"),
    KIND_INDUSTRY: _("Industry self-discipline commitment"),
    KIND_LICENSING: _("Notification-and-commitment approval"),
    KIND_REPAIR: _("Credit repair commitment"),
}

_GENERAL_ZH = """本单位{enterprise}（统一社会信用代码：{uscc}）郑重承诺：
一、严格遵守法律、法规和规章，依法诚信经营，自觉接受政府、行业组织、社会公众和新闻舆论的监督。
二、向行政机关提供的材料和公示的信息合法、真实、准确、完整、有效，不存在虚假记载、误导性陈述或者重大遗漏。
三、按时报送年度报告，及时公示即时信息，不隐瞒、不虚报。
四、自觉接受{agency}依法开展的监督检查，积极配合，如实提供有关情况。
五、若违背上述承诺，自愿接受相关部门依法依规作出的处理和失信惩戒，并承担相应的法律责任。
六、同意将本承诺书在国家企业信用信息公示系统公开，接受社会监督。"""

_GENERAL_EN = """We, {enterprise} (unified social credit code {uscc}), solemnly commit:
1. To obey the laws, regulations and rules, to operate lawfully and in good faith, and to accept the supervision of the government, industry organisations, the public and the press.
2. That the materials we provide to administrative authorities and the information we publish are lawful, true, accurate, complete and valid, without false statements, misleading statements or material omissions.
3. To file our annual reports on time and to disclose instant information promptly, concealing and overstating nothing.
4. To accept the lawful supervision and inspections of {agency}, to cooperate with them and to give truthful information.
5. If we break these commitments, to accept the measures and credit consequences that the authorities lawfully decide, and the legal liability that follows.
6. That this letter is made public in the National Enterprise Credit Information Publicity System for public supervision."""

_INDUSTRY_ZH = """本单位{enterprise}（统一社会信用代码：{uscc}）作为行业经营者，郑重承诺：
一、遵守行业规范和自律公约，公平竞争，不以不正当手段损害同行业经营者和消费者的合法权益。
二、如实标明商品和服务信息，不作虚假或者引人误解的宣传。
三、依法保护消费者个人信息，及时妥善处理消费者投诉。
四、接受{agency}和行业组织的监督，配合开展行业自律检查。
五、若违背上述承诺，自愿接受行业组织的自律惩戒和相关部门依法作出的处理，并承担相应的法律责任。
六、同意将本承诺书在国家企业信用信息公示系统公开，接受社会监督。"""

_INDUSTRY_EN = """We, {enterprise} (unified social credit code {uscc}), as a business in our industry, solemnly commit:
1. To keep the industry's codes and self-discipline conventions and to compete fairly, harming no other business or consumer by improper means.
2. To describe our goods and services truthfully and to make no false or misleading advertising.
3. To protect consumers' personal information as the law requires and to handle their complaints promptly and properly.
4. To accept the supervision of {agency} and of the industry organisations, and to cooperate with self-discipline inspections.
5. If we break these commitments, to accept the industry's self-discipline measures and the measures the authorities lawfully decide, and the legal liability that follows.
6. That this letter is made public in the National Enterprise Credit Information Publicity System for public supervision."""

_LICENSING_ZH = """本单位{enterprise}（统一社会信用代码：{uscc}）申请办理“{matter}”，已知悉{agency}告知的审批条件和所需材料，现郑重承诺：
一、本单位已经符合上述审批事项规定的全部条件，以本承诺代替相关证明材料。
二、所作承诺和提交的材料真实、准确、完整，不存在隐瞒、欺骗或者虚假承诺。
三、在取得审批后持续符合审批条件，自觉接受{agency}的事中事后核查。
四、若经核查承诺不实，或者不再符合审批条件，自愿接受撤销审批决定、依法予以行政处罚、列入相关信用名单等处理，并承担由此产生的全部法律责任。
五、同意将本承诺书及其履行情况在国家企业信用信息公示系统公开。"""

_LICENSING_EN = """We, {enterprise} (unified social credit code {uscc}), applying for "{matter}", have been told by {agency} the conditions and materials required for it, and solemnly commit:
1. That we meet every condition the rules set for this approval, and that this commitment takes the place of the certificates concerned.
2. That our commitments and the materials we submit are true, accurate and complete, concealing nothing and committing nothing falsely.
3. To keep meeting the conditions after the approval and to accept the checks of {agency} during and after it.
4. If a check finds our commitment untrue, or that we no longer meet the conditions, to accept the revocation of the approval, lawful administrative penalties and entry on the credit lists concerned, and all the legal liability that follows.
5. That this letter and how it is kept are made public in the National Enterprise Credit Information Publicity System."""

_REPAIR_ZH = """本单位{enterprise}（统一社会信用代码：{uscc}）就“{matter}”向{agency}申请信用修复，郑重承诺：
一、已经履行法定义务，纠正失信行为，消除不良影响。
二、申请信用修复所提交的全部材料合法、真实、准确、完整、有效。
三、今后严格遵守法律、法规和规章，依法诚信经营。
四、若承诺不实或者提交虚假材料，自愿接受撤销信用修复决定、修复撤销信息公示三年且三年内不得再次申请修复等处理，并承担相应的法律责任。
五、同意将本承诺书在国家企业信用信息公示系统公开。"""

_REPAIR_EN = """We, {enterprise} (unified social credit code {uscc}), applying to {agency} for credit repair of "{matter}", solemnly commit:
1. That we have performed our legal obligations, corrected the conduct concerned and removed its harm.
2. That every material we submit with this application is lawful, true, accurate, complete and valid.
3. To obey the laws, regulations and rules from now on and to operate lawfully and in good faith.
4. If this commitment is untrue or a material is false, to accept the revocation of the repair, the publication of that revocation for three years and a bar on applying again for three years, and the legal liability that follows.
5. That this letter is made public in the National Enterprise Credit Information Publicity System."""

_PUBLISHED = dt.date(2026, 12, 1)

TEMPLATES: dict[tuple[str, int], Template] = {
    (t.kind, t.version): t
    for t in (
        Template(KIND_GENERAL, 1, _PUBLISHED, 12, "信用承诺书", "Credit commitment letter", _GENERAL_ZH, _GENERAL_EN),
        Template(KIND_INDUSTRY, 1, _PUBLISHED, 12, "行业自律承诺书", "Industry self-discipline commitment letter",
                 _INDUSTRY_ZH, _INDUSTRY_EN),
        Template(KIND_LICENSING, 1, _PUBLISHED, 12, "告知承诺书", "Notification-and-commitment letter",
                 _LICENSING_ZH, _LICENSING_EN),
        Template(KIND_REPAIR, 1, _PUBLISHED, 36, "信用修复承诺书", "Credit repair commitment letter",
                 _REPAIR_ZH, _REPAIR_EN),
    )
}


def current_template(kind: str) -> Template:
    """The version of `kind` that new letters are signed with: its highest."""
    versions = [t for (k, _v), t in TEMPLATES.items() if k == kind]
    if not versions:
        raise KeyError(kind)
    return max(versions, key=lambda t: t.version)


def normalise_text(text: str) -> str:
    """The canonical form of a letter's text: Unicode NFC, line ends LF, no trailing spaces or
    tabs on a line, no empty lines at either end."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip(" \t") for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


def signed_at_text(signed_at: dt.datetime) -> str:
    """The signing time as it appears in the canonical document: UTC, to the second, with Z."""
    return signed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical_document(
    *, uscc: str, kind: str, template_version: int, language: str, agency_code: str, matter: str,
    signatory_name: str, signatory_title: str, signed_at: dt.datetime, title: str, text: str,
) -> str:
    """The document whose SHA-256 a letter publishes (docs/commitments.md): header lines
    `name: value`, one empty line, the title, one empty line, the text, and a final LF."""
    one_line = lambda value: normalise_text(value).replace("\n", " ")  # noqa: E731
    header = [
        CANONICAL_TAG,
        f"uscc: {uscc}",
        f"kind: {kind}",
        f"template: {kind}/{template_version}",
        f"language: {language}",
        f"agency: {agency_code}",
        f"matter: {one_line(matter)}",
        f"signatory: {one_line(signatory_name)}",
        f"signatory-title: {one_line(signatory_title)}",
        f"signed-at: {signed_at_text(signed_at)}",
    ]
    return "\n".join(header) + "\n\n" + one_line(title) + "\n\n" + normalise_text(text) + "\n"


def document_sha256(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def letter_document(letter) -> str:
    """The canonical document of a stored letter (credit.models.CommitmentLetter)."""
    return canonical_document(
        uscc=letter.enterprise.uscc, kind=letter.kind, template_version=letter.template_version,
        language=letter.language, agency_code=letter.agency.code, matter=letter.approval_matter,
        signatory_name=letter.signatory_name, signatory_title=letter.signatory_title, signed_at=letter.signed_at,
        title=letter.title, text=letter.text,
    )


# --- States: derived from the letter's dates and the events recorded about it ---------------
# One rule, in two forms: letter_state (one letter in Python) and state_q (a queryset filter).
# In order of precedence: a breach published (breach_published_q); a fulfilment recorded; the
# validity over; otherwise in force. A breach withdrawn, ended by a credit repair, or of an
# enterprise now deregistered (whose negative records are not published, SAMR Order 107 Art. 20,
# as the credit file withholds them) leaves the letter in the state it has without it.

STATE_BREACHED = "breached"
STATE_FULFILLED = "fulfilled"
STATE_EXPIRED = "expired"
STATE_IN_FORCE = "in_force"

STATE_LABELS = {
    STATE_IN_FORCE: _("In force"),
    STATE_FULFILLED: _("Fulfilled"),
    STATE_BREACHED: _("Breached"),
    STATE_EXPIRED: _("Expired"),
}


# Every template's validity is at least 12 months (the last day the day before the same date),
# so no letter is in force for fewer than MIN_VALIDITY_DAYS: a database constraint holds it
# (CommitmentLetter.Meta, credit migration 0013). An expired letter was therefore signed more
# than MIN_VALIDITY_DAYS before today, a bound that lets the expired filter read the letters
# through their signing-day index from that day on instead of skipping every letter in force.
MIN_VALIDITY_DAYS = 364


def state_choices() -> list[tuple[str, str]]:
    return list(STATE_LABELS.items())


def breach_open_q(prefix: str = ""):
    """The breaches recorded and not withdrawn (one breach of a letter at a time)."""
    from django.db.models import Q

    return Q(**{f"{prefix}withdrawn_at__isnull": True})


def breach_published_q(today: dt.date, prefix: str = ""):
    """The breaches published on `today`, which make a letter breached: open, of an enterprise
    not deregistered, and not ended by an approved credit repair."""
    from django.db.models import Q

    from credit.models import RegistrationStatus

    return (breach_open_q(prefix) & ~Q(**{f"{prefix}enterprise__status": RegistrationStatus.DEREGISTERED})
            & (Q(**{f"{prefix}publication_ends_on__isnull": True}) | Q(**{f"{prefix}publication_ends_on__gte": today})))


def breached_exists(today: dt.date | None = None):
    """EXISTS (a published breach of the outer letter), for annotate or filter."""
    from django.db.models import Exists, OuterRef
    from django.utils import timezone

    from credit.models import CommitmentBreach

    today = today or timezone.localdate()
    return Exists(CommitmentBreach.objects.filter(breach_published_q(today), letter_id=OuterRef("pk")))


def with_breached(queryset, today: dt.date | None = None):
    """Letters annotated with `breached` (a published breach exists), which letter_state reads."""
    return queryset.annotate(breached=breached_exists(today))


def letter_state(letter, today: dt.date) -> str:
    """The state of one letter on `today`. Reads the `breached` annotation (with_breached) when
    the letter has it, else asks the database."""
    breached = getattr(letter, "breached", None)
    if breached is None:
        breached = letter.breaches.filter(breach_published_q(today)).exists()
    if breached:
        return STATE_BREACHED
    if letter.fulfilled_on is not None:
        return STATE_FULFILLED
    if letter.valid_until is not None and letter.valid_until < today:
        return STATE_EXPIRED
    return STATE_IN_FORCE


def state_q(state: str, today: dt.date, *, in_page_order: bool = False):
    """The letters in `state` on `today`: the rule of letter_state as a filter. A breached letter
    is found through the (few) published breaches, never by scanning the letters.

    `in_page_order`: the same letters, written for reading them newest first and stopping at a
    page. `id IN (breaches)` becomes a semi-join that visits every breached letter before the
    sort; with an OR the planner cannot pull it up, hashes the breaches' letter ids once and
    probes them while it reads the letters in the order of the signing-day index (bench/RESULTS.md)."""
    from django.db.models import Q

    from credit.models import CommitmentBreach

    breached = Q(pk__in=CommitmentBreach.objects.filter(breach_published_q(today)).values("letter_id"))
    if state == STATE_BREACHED:
        return (breached | Q(pk__isnull=True)) if in_page_order else breached
    if state == STATE_FULFILLED:
        return Q(fulfilled_on__isnull=False) & ~breached
    if state == STATE_EXPIRED:
        # signed_on bound: implied by valid_until >= signed_on + MIN_VALIDITY_DAYS (the constraint).
        return Q(fulfilled_on__isnull=True, valid_until__lt=today,
                 signed_on__lt=today - dt.timedelta(days=MIN_VALIDITY_DAYS)) & ~breached
    if state == STATE_IN_FORCE:
        return Q(fulfilled_on__isnull=True) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today)) & ~breached
    raise ValueError(state)


def state_label(state: str) -> str:
    return STATE_LABELS[state]
