from __future__ import annotations

import datetime as dt

import factory

from credit.models import Agency
from credit.tests.factories import AgencyFactory, EnterpriseFactory, ago
from listings import services
from listings.models import PUBLICATION_TIME_ZONE, CreditList, ListEntry, Measure, Memorandum


def standard_agency(code: str) -> Agency:
    """The agencies the data migration creates (SAMR, STA, SPC, MEE, MOF, NDRC)."""
    return Agency.objects.get(code=code)


def standard_list(code: str) -> CreditList:
    return CreditList.objects.select_related("owner_agency").get(code=code)


class MemorandumFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Memorandum
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"memo-{n}")
    title = factory.Sequence(lambda n: f"联合惩戒合作备忘录{n}")
    title_en = factory.Sequence(lambda n: f"Joint punishment memorandum {n}")
    document_number = factory.Sequence(lambda n: f"发改财金〔2016〕{n}号")
    signed_on = dt.date(2016, 7, 1)

    @factory.post_generation
    def lists(self, create, extracted, **kwargs):
        if create and extracted:
            self.lists.add(*extracted)

    @factory.post_generation
    def signatories(self, create, extracted, **kwargs):
        if create and extracted:
            self.signatories.add(*extracted)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    memorandum = factory.SubFactory(MemorandumFactory)
    agency = factory.SubFactory(AgencyFactory)
    kind = Measure.Kind.RESTRICTION
    description = factory.Sequence(lambda n: f"限制参加政府采购活动{n}")
    description_en = factory.Sequence(lambda n: f"No government procurement {n}")
    legal_basis = "《政府采购法》第二十二条"


def make_entry(
    *,
    list_code: str = services.ABNORMAL_OPERATIONS,
    enterprise=None,
    reason_code: str | None = None,
    decided_on: dt.date | None = None,
    listed_on: dt.date | None = None,
    actor=None,
    published_at: dt.datetime | None = None,
    **kwargs,
):
    """An entry created through the service, so that it has its periods, history and audit event.

    The service stamps the publication time with now; tests about past dates move it to 9:00
    Beijing time on the listing date (or to `published_at`), as if published that day.
    Without `listed_on` the entry was listed 16 months before today (the pinned date in tests)."""
    credit_list = standard_list(list_code)
    reason_code = reason_code or credit_list.reasons.first().code
    listed_on = listed_on or ago(years=1, months=4)
    if list_code == services.SERIOUS_ILLEGAL and kwargs.get("penalty") is None:
        kwargs.setdefault("other_legal_basis", "《市场监督管理严重违法失信名单管理办法》第二条")
    entry = services.list_entry_create(
        list_code=list_code,
        enterprise=enterprise or EnterpriseFactory(),
        reason_code=reason_code,
        reason_text=kwargs.pop("reason_text", "经核查"),
        decision_number=kwargs.pop("decision_number", f"京市监异列〔{(decided_on or listed_on).year}〕1号"),
        deciding_agency=kwargs.pop("deciding_agency", None) or credit_list.owner_agency,
        decided_on=decided_on or listed_on,
        listed_on=listed_on,
        actor=actor,
        **kwargs,
    )
    entry.published_at = published_at or dt.datetime.combine(listed_on, dt.time(9), tzinfo=PUBLICATION_TIME_ZONE)
    ListEntry.objects.filter(pk=entry.pk).update(published_at=entry.published_at)
    return entry


def make_repair_file(*, enterprise, deciding_agency, name: str = "整改报告.pdf", data: bytes | None = None,
                     application=None):
    """A proof-of-correction file of a repair application (one is made for `enterprise`, decided
    by `deciding_agency`, unless given), checked and stored through portal.uploads as the
    application form does."""
    from credit.tests.factories import CommitmentLetterFactory, local_time, today
    from listings.models import RepairApplication, RepairFile
    from portal.testing.uploads import pdf_bytes, upload
    from portal.uploads import store_upload, validate_uploads

    if application is None:
        application = RepairApplication.objects.create(
            enterprise=enterprise, record_kind="penalty", record_id=1, record_label="行政处罚",
            deciding_agency=deciding_agency, commitment_letter=CommitmentLetterFactory(enterprise=enterprise),
            statement="已履行处罚决定并完成整改。", submitted_at=local_time(today()), acceptance_due=today(),
        )
    [checked] = validate_uploads([upload(name, data if data is not None else pdf_bytes())])
    return RepairFile.objects.create(
        application=application, original_name=checked.name, stored_name=store_upload(checked),
        content_type=checked.content_type, size=checked.size, sha256=checked.sha256,
    )
