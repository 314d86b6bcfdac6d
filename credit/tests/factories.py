from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.utils import timezone

from credit import models, uscc

TZ = ZoneInfo("Asia/Shanghai")
faker_zh = factory.Faker._get_faker(locale="zh_CN")

# Real division codes (province capitals and a few districts) so generated codes look real.
DIVISIONS = ["110105", "110108", "310115", "440305", "440106", "330106", "320505", "510107", "420111", "610113"]
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def today() -> dt.date:
    """The local date; under the test clock (conftest.py) the pinned one, so factory dates
    keep their distance from "today" whatever year the suite runs in."""
    return timezone.localdate()


def ago(*, years: int = 0, months: int = 0, days: int = 0) -> dt.date:
    return today() - relativedelta(years=years, months=months, days=days)


def ahead(*, years: int = 0, months: int = 0, days: int = 0) -> dt.date:
    return today() + relativedelta(years=years, months=months, days=days)


def local_time(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def make_uscc(n: int, authority: str = "9", category: str = "1") -> str:
    rnd = random.Random(n)
    division = DIVISIONS[n % len(DIVISIONS)]
    org8 = "".join(rnd.choice(_ORG_ALPHABET) for _ in range(8))
    return uscc.build(authority, category, division, org8)


def make_id_number(n: int) -> str:
    """An 18-character resident ID shaped number (GB 11643 check digit)."""
    rnd = random.Random(n * 7919)
    body = DIVISIONS[n % len(DIVISIONS)] + f"{rnd.randint(1950, 2000)}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
    body += f"{rnd.randint(0, 999):03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]
    return body + check


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-Word-123")


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"AG{n:04d}")
    name = factory.Sequence(lambda n: f"北京市第{n}市场监督管理局")
    name_en = factory.Sequence(lambda n: f"Market Regulation Bureau No. {n}")
    level = models.AgencyLevel.MUNICIPAL
    region_code = "110000"
    kind = models.AgencyKind.MARKET_REGULATION


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff login with admin access, bound to one agency."""

    class Meta:
        model = models.AgencyStaff

    user = factory.SubFactory(UserFactory, is_staff=True)
    agency = factory.SubFactory(AgencyFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    name = factory.LazyFunction(lambda: faker_zh.name())
    id_type = models.Person.IdType.RESIDENT_ID
    id_number = factory.Sequence(make_id_number)


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Enterprise

    uscc = factory.Sequence(make_uscc)
    name = factory.Sequence(lambda n: f"北京{faker_zh.last_name()}{n}科技有限公司")
    entity_type = models.EntityType.LLC
    legal_representative = factory.SubFactory(PersonFactory)
    legal_representative_name = factory.LazyAttribute(lambda o: o.legal_representative.name)
    registered_capital = Decimal("500")
    established_on = factory.LazyFunction(lambda: ago(years=11, months=8))
    operating_from = factory.LazyAttribute(lambda o: o.established_on)
    registration_authority = factory.SubFactory(AgencyFactory)
    status = models.RegistrationStatus.ACTIVE
    approved_on = factory.LazyFunction(lambda: ago(years=6, months=5))
    domicile = factory.LazyFunction(lambda: faker_zh.address())
    business_scope = "技术开发、技术咨询、技术服务。"
    region_code = "110108"
    industry = "I"
    risk_class = models.RiskClass.B


class EnterpriseAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EnterpriseAccount

    user = factory.SubFactory(UserFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)


class PublishedRecordFactory(factory.django.DjangoModelFactory):
    enterprise = factory.SubFactory(EnterpriseFactory)
    source_agency = factory.SubFactory(AgencyFactory)
    decided_on = factory.LazyFunction(lambda: ago(years=2, months=6))
    document_number = factory.LazyAttributeSequence(lambda o, n: f"京市监处罚〔{o.decided_on.year}〕{n}号")
    published_at = factory.LazyAttribute(lambda o: local_time(o.decided_on + dt.timedelta(days=10)))


class ShareholderFactory(PublishedRecordFactory):
    class Meta:
        model = models.Shareholder

    shareholder_type = models.ShareholderType.NATURAL_PERSON
    person = factory.SubFactory(PersonFactory)
    name = factory.LazyAttribute(lambda o: o.person.name if o.person else "某某投资有限公司")
    subscribed_amount = Decimal("100")
    paid_amount = Decimal("50")


class CapitalContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CapitalContribution

    shareholder = factory.SubFactory(ShareholderFactory)
    kind = models.CapitalContribution.Kind.SUBSCRIBED
    form = models.ContributionForm.MONEY
    amount = Decimal("100")
    contributed_on = factory.LazyAttribute(lambda o: o.shareholder.enterprise.established_on)


class KeyPersonFactory(PublishedRecordFactory):
    class Meta:
        model = models.KeyPerson

    person = factory.SubFactory(PersonFactory)
    position = "执行董事"


class BranchFactory(PublishedRecordFactory):
    class Meta:
        model = models.Branch

    name = factory.Sequence(lambda n: f"北京某某科技有限公司第{n}分公司")
    uscc = factory.Sequence(lambda n: make_uscc(100000 + n))
    registration_authority_name = "北京市海淀区市场监督管理局"


class ChangeRecordFactory(PublishedRecordFactory):
    class Meta:
        model = models.ChangeRecord

    item = "住所变更"
    before = "北京市海淀区中关村大街1号"
    after = "北京市海淀区中关村大街2号"
    changed_on = factory.LazyFunction(lambda: ago(years=3, months=7))


class ChattelMortgageFactory(PublishedRecordFactory):
    class Meta:
        model = models.ChattelMortgage

    registered_on = factory.LazyFunction(lambda: ago(years=2, months=10))
    registration_number = factory.LazyAttributeSequence(lambda o, n: f"110108{o.registered_on.year}00{n:04d}")
    secured_amount = Decimal("300")
    mortgagee = "中国某某银行股份有限公司北京分行"
    collateral = "生产设备一批"


class EquityPledgeFactory(PublishedRecordFactory):
    class Meta:
        model = models.EquityPledge

    registration_number = factory.LazyAttributeSequence(lambda o, n: f"110108{o.established_on.year}{n:06d}")
    pledgor = "张三"
    pledgor_person = factory.SubFactory(PersonFactory)
    pledged_amount = Decimal("40")
    pledgee = "北京某某担保有限公司"
    established_on = factory.LazyFunction(lambda: ago(years=2, months=9))


class LicenceFactory(PublishedRecordFactory):
    class Meta:
        model = models.AdministrativeLicence

    name = "食品经营许可证"
    valid_from = factory.LazyFunction(lambda: ago(years=3, months=10))
    valid_to = factory.LazyAttribute(lambda o: o.valid_from + relativedelta(years=5))
    content = "预包装食品销售"


class PenaltyFactory(PublishedRecordFactory):
    class Meta:
        model = models.AdministrativePenalty

    violation_type = "虚假宣传"
    content = "罚款人民币伍万元"
    fine_amount = Decimal("50000")
    severity = models.Severity.GENERAL
    # A general penalty is published for a year: by default this one's period has ended.
    publication_ends_on = factory.LazyAttribute(lambda o: o.decided_on + relativedelta(years=1))


class JudicialAssistanceFactory(PublishedRecordFactory):
    class Meta:
        model = models.JudicialAssistance

    subject_name = "张三"
    equity_amount = Decimal("20")
    kind = models.JudicialAssistance.Kind.FREEZE
    status = models.JudicialAssistance.Status.FROZEN
    frozen_from = factory.LazyFunction(lambda: ago(years=2, months=8))
    # A freeze of equity lasts at most three years; this one is still running.
    frozen_to = factory.LazyAttribute(lambda o: o.frozen_from + relativedelta(years=3, days=-1))
    ruling_number = factory.LazyAttributeSequence(lambda o, n: f"({o.frozen_from.year})京0108执{n}号")


class AnnualReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AnnualReport

    enterprise = factory.SubFactory(EnterpriseFactory)
    # The report on the year before last, filed in April of the following year.
    year = factory.LazyFunction(lambda: today().year - 2)
    submitted_at = factory.LazyAttribute(lambda o: dt.datetime(o.year + 1, 4, 1, 9, 0, tzinfo=TZ))
    published_at = factory.LazyAttribute(lambda o: o.submitted_at)
    # Items by key (credit/annual_reports.py); the optional figures are withheld unless given.
    data = factory.LazyFunction(lambda: {
        "address": "北京市海淀区中关村大街1号", "postcode": "100080", "phone": "010-12345678",
        "email": "info@example.cn", "operating_status": "operating", "investments": [], "websites": [],
        "shareholders": [], "equity_transfers": [], "headcount": 12, "total_assets": "1250.5",
    })
    withheld = factory.LazyFunction(list)


class InstantDisclosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.InstantDisclosure

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = models.InstantDisclosure.Kind.CAPITAL
    summary = "股东张三实缴出资50万元"
    fact_date = factory.LazyFunction(lambda: ago(years=2, months=5))
    published_at = factory.LazyAttribute(lambda o: local_time(o.fact_date + dt.timedelta(days=9), 9))


class CommitmentLetterFactory(factory.django.DjangoModelFactory):
    """A letter signed on the current general template, with its canonical document's hash."""

    class Meta:
        model = models.CommitmentLetter

    enterprise = factory.SubFactory(EnterpriseFactory)
    kind = models.CommitmentLetter.Kind.GENERAL
    template_version = 1
    language = "zh-hans"
    agency = factory.LazyAttribute(lambda o: o.enterprise.registration_authority)
    title = "信用承诺书"
    text = "本企业承诺所提交材料真实、合法、有效。"
    signatory_name = "张三"
    signatory_title = "法定代表人"
    signed_on = factory.LazyFunction(lambda: ago(years=2, months=4))
    signed_at = factory.LazyAttribute(lambda o: local_time(o.signed_on, 10))
    valid_until = factory.LazyAttribute(lambda o: o.signed_on + dt.timedelta(days=364))
    published_at = factory.LazyAttribute(lambda o: o.signed_at)
    text_sha256 = factory.LazyAttribute(lambda o: _letter_sha256(o))


def _letter_sha256(o) -> str:
    from credit.commitments import canonical_document, document_sha256

    return document_sha256(canonical_document(
        uscc=o.enterprise.uscc, kind=o.kind, template_version=o.template_version, language=o.language,
        agency_code=o.agency.code, matter=getattr(o, "approval_matter", ""), signatory_name=o.signatory_name,
        signatory_title=o.signatory_title, signed_at=o.signed_at, title=o.title, text=o.text,
    ))


class CommitmentBreachFactory(PublishedRecordFactory):
    """A breach of a letter, recorded by the agency the letter is made to."""

    class Meta:
        model = models.CommitmentBreach

    letter = factory.SubFactory(CommitmentLetterFactory)
    enterprise = factory.LazyAttribute(lambda o: o.letter.enterprise)
    source_agency = factory.LazyAttribute(lambda o: o.letter.agency)
    decided_on = factory.LazyAttribute(lambda o: o.letter.signed_on + dt.timedelta(days=30))
    document_number = factory.Sequence(lambda n: f"京市监信〔承诺〕{n}号")
    facts = "未按承诺在期限内补交相关证明材料"
    evidence = "现场核查笔录"
    false_commitment = False
