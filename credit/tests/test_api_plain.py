"""The credit file's sections through portal.api_plain equal DRF's own output, section by section,
over a file with rows in every section: nulls, decimals, dates and times, masked identity
numbers, choice labels in both languages, nested rows, rows that are dicts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from rest_framework.renderers import JSONRenderer

from credit import api as credit_api
from credit import selectors
from credit.models import Enterprise, Severity, ShareholderType
from credit.selectors.search import SEARCH_COLUMNS
from credit.tests import factories as f
from portal.api_plain import plain_serializer

pytestmark = pytest.mark.django_db


def rich_enterprise():
    """An enterprise whose file has rows in every section, with the awkward values."""
    from inspections.models import Result, SpotCheck, Task
    from inspections.tests.factories import InspectionItemFactory, PlanFactory
    from listings.models import RepairApplication
    from listings.tests.factories import MeasureFactory, MemorandumFactory, make_entry, standard_list

    person = f.PersonFactory(id_number="110101199001011234")
    enterprise = f.EnterpriseFactory(name="北京鑫源科技有限公司", name_en="Beijing Xinyuan Technology Co., Ltd.",
                                     legal_representative=person, registered_capital=Decimal("1234.5678"),
                                     operating_to=None)
    holder = f.ShareholderFactory(enterprise=enterprise, person=f.PersonFactory(id_number="11010119800101561X"),
                                  subscribed_amount=Decimal("0.0001"), corrected_at=f.local_time(f.ago(days=40)),
                                  correction_reason="更正认缴额")
    f.CapitalContributionFactory(shareholder=holder, amount=Decimal("12.3400"))
    f.CapitalContributionFactory(shareholder=holder, kind="paid", amount=Decimal("1"))
    f.ShareholderFactory(enterprise=enterprise, person=None, shareholder_type=ShareholderType.ENTERPRISE,
                         name="某某投资有限公司", licence_number=f.make_uscc(555))
    f.ShareholderFactory(enterprise=enterprise, person=None, shareholder_type=ShareholderType.ENTERPRISE,
                         name="Foreign Holdings Ltd.", licence_number="HK12345678")
    f.KeyPersonFactory(enterprise=enterprise)
    f.BranchFactory(enterprise=enterprise)
    f.BranchFactory(enterprise=enterprise, uscc=f.EnterpriseFactory().uscc)  # a file of its own here
    f.ChangeRecordFactory(enterprise=enterprise)
    f.ChattelMortgageFactory(enterprise=enterprise)
    f.EquityPledgeFactory(enterprise=enterprise, pledgor_person=None, pledgor_licence_number="ABC1234567",
                          pledgee_licence_number=f.make_uscc(556))
    f.EquityPledgeFactory(enterprise=enterprise)
    f.LicenceFactory(enterprise=enterprise, valid_to=None)
    f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None, severity=Severity.SERIOUS,
                     fine_amount=Decimal("50000.50"))
    f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None, fine_amount=None,
                     withdrawn_at=f.local_time(f.ago(days=3)), withdrawal_reason="撤销原决定")
    f.PenaltyFactory(enterprise=enterprise)  # its publication ended: counted in the meta only
    f.JudicialAssistanceFactory(enterprise=enterprise)
    f.AnnualReportFactory(enterprise=enterprise)
    f.AnnualReportFactory(enterprise=enterprise, year=f.today().year - 3,
                          submitted_at=dt.datetime(f.today().year - 1, 8, 1, 9, 0, tzinfo=f.TZ))
    f.InstantDisclosureFactory(enterprise=enterprise)
    letter = f.CommitmentLetterFactory(enterprise=enterprise)
    f.CommitmentLetterFactory(enterprise=enterprise, valid_until=None)
    f.CommitmentBreachFactory(letter=letter)

    listed_before = make_entry(enterprise=enterprise)
    serious = standard_list("serious-illegal")
    MeasureFactory(memorandum=MemorandumFactory(lists=[serious]))
    make_entry(list_code="serious-illegal", enterprise=enterprise, listed_on=f.ago(months=2))
    # The legal representative's bar: another enterprise of the same person, listed for false disclosure.
    make_entry(list_code="serious-illegal", enterprise=f.EnterpriseFactory(legal_representative=person),
               reason_code="false_disclosure", listed_on=f.ago(months=5))

    item = InspectionItemFactory(code="ITEM-PLAIN")
    plan = PlanFactory(agency=enterprise.registration_authority, items=[item])
    Task.objects.create(plan=plan, enterprise=enterprise, number=f"{plan.number}-0001", position=1,
                        uscc=enterprise.uscc, risk_class="B", ticket="0" * 64, result=Result.PROBLEM_PENDING,
                        completed_on=f.ago(days=19), published_at=f.local_time(f.ago(days=3)))
    SpotCheck.objects.create(enterprise=enterprise, agency=enterprise.registration_authority, kind="即时信息抽查",
                             checked_on=f.ago(months=6), result=Result.NO_PROBLEM,
                             published_at=f.local_time(f.ago(months=5)))
    RepairApplication.objects.create(
        enterprise=enterprise, record_kind="list_entry", record_id=listed_before.pk, record_label="经营异常名录",
        deciding_agency=listed_before.deciding_agency, commitment_letter=letter, statement="已整改。",
        submitted_at=f.local_time(f.ago(months=3)), acceptance_due=f.ago(months=3),
        state=RepairApplication.State.REVOKED, revoked_at=f.local_time(f.ago(months=1)),
        revocation_reason="承诺不实", revocation_document_number="京市监撤〔2026〕1号",
        revocation_published_until=f.ahead(years=2),
    )
    return enterprise


def rendered(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_section_equals_drf_over_a_file_with_rows_everywhere(language, rf, today):
    from listings.api import RevokedRepairSerializer

    enterprise = selectors.enterprise_get(uscc=rich_enterprise().uscc)
    request = rf.get(f"/api/v1/enterprises/{enterprise.uscc}/")
    serializer_context = {"request": request}
    with translation.override(language):
        context = selectors.credit_file(enterprise=enterprise, today=today)
        for item in credit_api.section_apis():
            rows = item.rows(context)
            assert rows, f"section {item.key} has no rows: the comparison would prove nothing"
            plain = plain_serializer(item.serializer)
            assert plain.fallback is None, (item.key, plain.fallback)
            expected = item.serializer(rows, many=True, context=serializer_context).data
            assert rendered(plain.many(rows, serializer_context)) == rendered(expected), item.key
        penalties = plain_serializer(credit_api.PenaltySerializer).many(context["penalties"], serializer_context)
        assert str(Severity.SERIOUS.label) in {p["severity_label"] for p in penalties}
        assert (str(Severity.SERIOUS.label) == "Serious") == (language == "en")  # the labels are translated
        registration = credit_api.RegistrationSerializer(enterprise, context=serializer_context).data
        plain = plain_serializer(credit_api.RegistrationSerializer)
        assert plain.fallback is None
        assert rendered(plain.one(enterprise, serializer_context)) == rendered(registration)
        found = list(Enterprise.objects.filter(pk=enterprise.pk).only(*SEARCH_COLUMNS))
        assert rendered(plain_serializer(credit_api.EnterpriseRowSerializer).many(found, serializer_context)) == (
            rendered(credit_api.EnterpriseRowSerializer(found, many=True, context=serializer_context).data))
        revoked = context["credit_repair"]
        assert revoked
        assert plain_serializer(RevokedRepairSerializer).fallback is None
        assert rendered(plain_serializer(RevokedRepairSerializer).many(revoked)) == rendered(
            RevokedRepairSerializer(revoked, many=True).data)


def test_the_file_shows_the_awkward_values_as_drf_formats_them(client, today):
    enterprise = rich_enterprise()
    with translation.override("en"):
        data = client.get(f"/api/v1/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="en").json()
    registration = data["registration"]
    assert registration["registered_capital"] == "1234.5678" and registration["operating_to"] is None
    holders = {row["name"]: row for row in data["sections"]["shareholders"]}
    natural = next(row for row in holders.values() if row["id_number_masked"])
    assert natural["id_number_masked"] == "11**************1X" and natural["subscribed_amount"] == "0.0001"
    assert natural["corrected_at"].endswith("+08:00")
    assert sorted(c["amount"] for c in natural["contributions"]) == ["1.0000", "12.3400"]
    assert holders["某某投资有限公司"]["licence_number"] == f.make_uscc(555)
    assert holders["Foreign Holdings Ltd."]["licence_number"] == "HK******78"
    assert holders["某某投资有限公司"]["id_number_masked"] is None
    penalties = data["sections"]["penalties"]
    assert {p["fine_amount"] for p in penalties} == {"50000.50", None}
    assert {p["severity_label"] for p in penalties} >= {"Serious"}
    assert data["sections_meta"]["penalties"] == {"no_longer_published": 1}
    assert data["sections_meta"]["credit_repair"]["revoked_repairs"][0]["revocation_reason"] == "承诺不实"
    assert "110101199001011234" not in str(data) and "11010119800101561X" not in str(data)
