"""Every change the credit file shows reaches the next view of every affected file,
however it was cached: each kind of credit object is changed through its service and
the file is read before and after (publication tied to invalidation, credit.publication)."""

from __future__ import annotations

import pytest
from django.test import Client

from credit import models as m
from credit import services
from credit.tests import factories as f

pytestmark = pytest.mark.django_db


def file_html(enterprise, language: str = "zh-hans") -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(f"/enterprises/{enterprise.uscc}/")
    assert response.status_code == 200
    return response.content.decode()


def _build(factory, enterprise, agency):
    extra = {}
    model = factory._meta.model
    for name in ("person", "pledgor_person"):
        if any(field.name == name for field in model._meta.fields):
            extra[name] = f.PersonFactory()
    if model is m.AdministrativePenalty:
        # Within its publication period whatever day the suite runs on.
        extra.update(severity=m.Severity.SERIOUS, publication_ends_on=None,
                     decided_on=f.ago(days=30))
    return factory.build(enterprise=enterprise, source_agency=agency, published_at=None, **extra)


RECORD_FACTORIES = [
    f.ShareholderFactory, f.KeyPersonFactory, f.BranchFactory, f.ChangeRecordFactory, f.ChattelMortgageFactory,
    f.EquityPledgeFactory, f.LicenceFactory, f.PenaltyFactory, f.JudicialAssistanceFactory,
]


@pytest.mark.parametrize("factory", RECORD_FACTORIES, ids=lambda factory: factory._meta.model.__name__)
def test_a_published_and_then_withdrawn_record_shows_on_the_next_view(factory):
    enterprise = f.EnterpriseFactory()
    agency = f.AgencyFactory()
    record = _build(factory, enterprise, agency)
    assert record.document_number not in file_html(enterprise)  # cached now
    services.credit_object_save(obj=record, actor=None)
    assert record.document_number in file_html(enterprise)
    services.published_record_withdraw(record=record, actor=None, reason="决定书送达有误，予以撤回")
    assert "决定书送达有误，予以撤回" in file_html(enterprise)


def test_a_changed_registration_shows_on_the_next_view():
    enterprise = f.EnterpriseFactory(domicile="北京市东城区旧址1号")
    assert "北京市东城区旧址1号" in file_html(enterprise)
    enterprise.domicile = "北京市东城区新址8号"
    services.credit_object_save(obj=enterprise, actor=None)
    body = file_html(enterprise)
    assert "北京市东城区新址8号" in body and "旧址" not in body


def test_a_renamed_agency_shows_in_every_file_that_cites_it():
    agency = f.AgencyFactory(name="旧名称市场监督管理局")
    cited = [f.LicenceFactory(source_agency=agency).enterprise for _ in range(2)]
    registered = f.EnterpriseFactory(registration_authority=agency)
    for enterprise in (*cited, registered):
        assert "旧名称市场监督管理局" in file_html(enterprise)
    agency.name = "新名称市场监督管理局"
    services.credit_object_save(obj=agency, actor=None)
    for enterprise in (*cited, registered):
        body = file_html(enterprise)
        assert "新名称市场监督管理局" in body and "旧名称" not in body


def test_a_renamed_person_shows_in_the_files_that_name_them():
    person = f.PersonFactory(name="王旧名")
    represented = f.EnterpriseFactory(legal_representative=person)
    personnel = f.KeyPersonFactory(person=person).enterprise
    holder = f.ShareholderFactory(person=person, name="王旧名").enterprise
    unrelated = f.EnterpriseFactory()
    for enterprise in (represented, personnel, unrelated):
        file_html(enterprise)
    versions = {e.pk: e.file_version for e in m.Enterprise.objects.all()}
    person.name = "王新名"
    services.credit_object_save(obj=person, actor=None)
    assert "王新名" in file_html(represented) and "王新名" in file_html(personnel)
    after = {e.pk: e.file_version for e in m.Enterprise.objects.all()}
    assert {pk for pk in after if after[pk] != versions[pk]} == {represented.pk, personnel.pk, holder.pk}


def test_a_version_raise_never_lets_a_stale_save_undo_it():
    enterprise = f.EnterpriseFactory()
    loaded = m.Enterprise.objects.get(pk=enterprise.pk)
    services.published_record_withdraw(record=f.LicenceFactory(enterprise=enterprise), actor=None, reason="撤回")
    raised = m.Enterprise.objects.get(pk=enterprise.pk).file_version
    assert raised > loaded.file_version
    loaded.domicile = "别处"
    loaded.save()  # an instance loaded before the raise writes every field but the version
    assert m.Enterprise.objects.get(pk=enterprise.pk).file_version == raised
