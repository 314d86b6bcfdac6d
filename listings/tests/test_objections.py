from __future__ import annotations

import datetime as dt

import pytest

from credit.tests.factories import EnterpriseAccountFactory, EnterpriseFactory, StaffFactory
from listings import services
from listings.models import EntryState, Objection
from listings.tests.factories import make_entry, standard_agency, standard_list
from portal.models import AuditEvent
from portal.testing.personas import grant_staff_permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def samr_staff():
    return grant_staff_permissions(StaffFactory(agency=standard_agency("SAMR")).user)


def test_it_counts_the_acceptance_deadline_in_working_days_across_national_day():
    entry = make_entry(listed_on=dt.date(2025, 9, 15))
    objection = services.objection_submit(entry=entry, grounds="地址可以联系", submitted_on=dt.date(2025, 9, 30))
    # 1-8 October 2025 are holidays and Saturday 11 October is a make-up working day:
    # 9, 10, 11, 13, 14 October are the five working days.
    assert objection.acceptance_due == dt.date(2025, 10, 14)
    assert objection.acceptance_due_provisional is False


def test_it_sets_the_verification_deadline_on_acceptance(samr_staff):
    entry = make_entry(listed_on=dt.date(2025, 9, 15))
    objection = services.objection_submit(entry=entry, grounds="地址可以联系", submitted_on=dt.date(2025, 9, 30))
    services.objection_accept(objection=objection, actor=samr_staff, accepted_on=dt.date(2025, 9, 30))
    objection.refresh_from_db()
    assert objection.state == Objection.State.ACCEPTED
    assert objection.verification_due == dt.date(2025, 11, 4)
    assert objection.deciding_agency.code == "SAMR"


def test_it_marks_a_deadline_provisional_when_the_calendar_lacks_the_year(samr_staff):
    entry = make_entry(listed_on=dt.date(2025, 9, 15))
    objection = services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 10, 10))
    services.objection_accept(objection=objection, actor=samr_staff, accepted_on=dt.date(2026, 12, 24))
    objection.refresh_from_db()
    assert objection.verification_due.year == 2027
    assert objection.verification_due_provisional is True


def test_it_refuses_an_objection_after_30_days():
    entry = make_entry(listed_on=dt.date(2025, 9, 15))
    with pytest.raises(services.ListingError) as caught:
        services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 10, 16))
    assert (caught.value.code, caught.value.field) == ("objection_late", "submitted_on")
    assert services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 10, 15))


def test_it_lets_only_the_enterprise_itself_object():
    entry = make_entry(listed_on=dt.date(2025, 9, 15))
    stranger = EnterpriseAccountFactory().user
    with pytest.raises(services.ListingError) as caught:
        services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 9, 20), actor=stranger)
    assert caught.value.code == "not_own_entry"
    own = EnterpriseAccountFactory(enterprise=entry.enterprise).user
    objection = services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 9, 20), actor=own)
    assert objection.submitted_by == own
    with pytest.raises(services.ListingError) as caught:
        services.objection_submit(entry=entry, grounds="y", submitted_on=dt.date(2025, 9, 21), actor=own)
    assert caught.value.code == "objection_open"


def test_it_revokes_the_entry_when_an_objection_is_upheld(samr_staff):
    entry = make_entry(listed_on=dt.date(2025, 9, 15))
    objection = services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 9, 20))
    with pytest.raises(services.ListingError):
        services.objection_decide(objection=objection, upheld=True, reason="r", actor=samr_staff)
    services.objection_accept(objection=objection, actor=samr_staff, accepted_on=dt.date(2025, 9, 22))
    with pytest.raises(services.ListingError) as caught:
        services.objection_decide(objection=objection, upheld=True, reason=" ", actor=samr_staff)
    assert caught.value.field == "reason"
    services.objection_decide(
        objection=objection, upheld=True, reason="核实可以联系，列入错误", actor=samr_staff,
        decided_on=dt.date(2025, 10, 20),
    )
    entry.refresh_from_db()
    objection.refresh_from_db()
    assert objection.state == Objection.State.UPHELD
    assert (entry.state, entry.removed_on) == (EntryState.REVOKED, dt.date(2025, 10, 20))
    assert AuditEvent.objects.filter(action="listings.objection.upheld").count() == 1


def test_it_rejects_an_objection_with_reasons_and_keeps_the_entry(samr_staff):
    entry = make_entry(listed_on=dt.date(2025, 9, 15))
    objection = services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 9, 20))
    services.objection_decide(objection=objection, upheld=False, reason="理由不成立", actor=samr_staff)
    objection.refresh_from_db()
    entry.refresh_from_db()
    assert objection.state == Objection.State.REJECTED
    assert objection.decision_reason == "理由不成立"
    assert entry.state == EntryState.LISTED
    other_agency = StaffFactory(agency=standard_agency("STA")).user
    second = services.objection_submit(entry=entry, grounds="y", submitted_on=dt.date(2025, 9, 25))
    with pytest.raises(services.ListingError) as caught:
        services.objection_accept(objection=second, actor=other_agency)
    assert caught.value.code == "not_owner"


def test_it_counts_the_objection_window_from_publication_not_from_a_backdated_listing_date(today):
    # Staff list today with a listing date 60 days back; the service stamps the publication time now.
    entry = services.list_entry_create(
        list_code=services.ABNORMAL_OPERATIONS,
        enterprise=EnterpriseFactory(),
        reason_code=standard_list(services.ABNORMAL_OPERATIONS).reasons.first().code,
        reason_text="经核查",
        decision_number=f"京市监异列〔{today.year}〕9号",
        deciding_agency=standard_agency("SAMR"),
        decided_on=today - dt.timedelta(days=60),
        listed_on=today - dt.timedelta(days=60),
    )
    assert entry.objection_deadline == today + dt.timedelta(days=30)
    assert services.objection_submit(entry=entry, grounds="x", submitted_on=today + dt.timedelta(days=30))


def test_it_takes_the_publication_day_in_beijing_time():
    # 20:00 UTC on 15 September is 04:00 on 16 September in Beijing: the window runs to 16 October.
    entry = make_entry(
        listed_on=dt.date(2025, 9, 10), published_at=dt.datetime(2025, 9, 15, 20, tzinfo=dt.timezone.utc)
    )
    assert entry.objection_deadline == dt.date(2025, 10, 16)
    with pytest.raises(services.ListingError) as caught:
        services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 10, 17))
    assert caught.value.code == "objection_late"
    assert services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 10, 16))


def test_it_shows_the_objection_history_and_state_in_the_reader_s_language(samr_staff):
    from django.test import Client

    entry = make_entry(listed_on=dt.date(2025, 9, 15))
    objection = services.objection_submit(entry=entry, grounds="x", submitted_on=dt.date(2025, 9, 20))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(samr_staff)
    body = client.get(entry.get_absolute_url()).content.decode()
    assert "Objection submitted" in body
    chinese = Client()
    chinese.force_login(samr_staff)
    body = chinese.get(entry.get_absolute_url()).content.decode()
    assert "报送日期" not in body and "已提交" in body  # the state, not the annual reports' date column
    services.objection_decide(objection=objection, upheld=False, reason="理由不成立", actor=samr_staff)
    body = client.get(entry.get_absolute_url()).content.decode()
    assert "Objection rejected" in body and "异议不予支持" not in body


def test_it_names_an_inspection_source_in_the_reader_s_language():
    from django.test import Client

    entry = make_entry(
        listed_on=dt.date(2025, 9, 15), source_label="双随机抽查 DEMO-2026-01", source_url="https://example.org/x"
    )
    body = Client(HTTP_ACCEPT_LANGUAGE="en").get(entry.get_absolute_url()).content.decode()
    assert "Double-random spot check DEMO-2026-01" in body and "双随机抽查" not in body
    assert "双随机抽查 DEMO-2026-01" in Client().get(entry.get_absolute_url()).content.decode()
