"""Each kind of listings object changed through its service shows on the next view of
every credit file it appears in (credit.publication raises the files' versions, or the
site's generation for renames)."""

from __future__ import annotations

import datetime as dt

import pytest

from credit.tests.factories import EnterpriseFactory, PersonFactory, UserFactory, ago, today
from credit.tests.test_invalidation import file_html
from listings import services
from listings.models import ListReason, Measure, Memorandum
from listings.tests.factories import MeasureFactory, MemorandumFactory, make_entry, standard_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def recent() -> dt.date:
    return ago(days=10)


def test_a_new_entry_and_the_bar_it_creates_show_on_the_next_views():
    person = PersonFactory()
    listed, other = EnterpriseFactory(legal_representative=person), EnterpriseFactory(legal_representative=person)
    assert "legal-representative-bar" not in file_html(other)
    assert "/lists/serious-illegal/" not in file_html(listed)
    entry = make_entry(list_code="serious-illegal", enterprise=listed, reason_code="false_disclosure",
                       listed_on=recent())
    assert entry.get_absolute_url() in file_html(listed)
    assert "legal-representative-bar" in file_html(other)


def test_a_removed_and_a_revoked_entry_show_on_the_next_views():
    removed, revoked = make_entry(listed_on=recent()), make_entry(listed_on=recent())
    for entry in (removed, revoked):
        assert entry.get_absolute_url() in file_html(entry.enterprise)
    services.list_entry_remove(entry=removed, removed_on=today(), reason="已补报年度报告")
    services.list_entry_revoke(entry=revoked, revoked_on=today(), reason="列入决定被撤销")
    assert "已补报年度报告" in file_html(removed.enterprise)
    assert revoked.get_absolute_url() not in file_html(revoked.enterprise)


def test_a_renamed_list_and_reason_show_on_the_next_view(superuser):
    entry = make_entry(list_code="major-tax-violators", listed_on=recent())
    assert "Renamed tax list" not in file_html(entry.enterprise, "en")
    credit_list = standard_list("major-tax-violators")
    credit_list.name_en = "Renamed tax list"
    services.credit_list_update(credit_list=credit_list, actor=superuser)
    assert "Renamed tax list" in file_html(entry.enterprise, "en")
    reason = ListReason.objects.get(pk=entry.reason_id)
    reason.name_en = "Renamed reason"
    services.list_reason_save(reason=reason, actor=superuser)
    assert "Renamed reason" in file_html(entry.enterprise, "en")


def test_changed_memoranda_and_measures_show_under_the_active_entries(superuser):
    serious, abnormal = standard_list(services.SERIOUS_ILLEGAL), standard_list(services.ABNORMAL_OPERATIONS)
    on_serious = make_entry(list_code=services.SERIOUS_ILLEGAL, listed_on=recent())
    on_abnormal = make_entry(list_code=services.ABNORMAL_OPERATIONS, listed_on=recent())
    memorandum = MemorandumFactory(lists=[serious, abnormal], signatories=[serious.owner_agency])
    measure = MeasureFactory(memorandum=memorandum, agency=serious.owner_agency, description="原措施")
    for entry in (on_serious, on_abnormal):
        assert "原措施" in file_html(entry.enterprise)
    measure = Measure.objects.get(pk=measure.pk)
    measure.description = "列为重点监管对象"
    services.measure_save(measure=measure, actor=superuser)
    for entry in (on_serious, on_abnormal):
        body = file_html(entry.enterprise)
        assert "列为重点监管对象" in body and "原措施" not in body
    # Dropping a list from the memorandum takes its measures off that list's entries.
    services.memorandum_save(memorandum=Memorandum.objects.get(pk=memorandum.pk), actor=superuser, lists=[serious])
    assert "列为重点监管对象" in file_html(on_serious.enterprise)
    assert "列为重点监管对象" not in file_html(on_abnormal.enterprise)


def test_a_renamed_enterprise_shows_in_the_bar_notice_on_another_file():
    from credit import services as credit_services

    person = PersonFactory()
    listed, other = EnterpriseFactory(legal_representative=person), EnterpriseFactory(legal_representative=person)
    make_entry(list_code="serious-illegal", enterprise=listed, reason_code="false_disclosure", listed_on=recent())
    assert listed.name in file_html(other)
    listed.name = "更名后的被列入企业有限公司"
    credit_services.credit_object_save(obj=listed, actor=None)
    assert "更名后的被列入企业有限公司" in file_html(other)
