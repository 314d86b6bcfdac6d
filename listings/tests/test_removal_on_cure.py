"""Removal on cure: the enterprise applies from /account/ once the portal finds the cause cured,
the deciding authority approves or refuses within 5 working days, the liaisons are told once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import translation

from credit.tests.factories import AnnualReportFactory, EnterpriseAccountFactory, InstantDisclosureFactory, local_time
from listings import services
from listings.cure import entry_cure, report_years_concerned
from listings.models import EntryState, RemovalApplication, SystemText
from listings.tests.factories import make_entry
from portal.models import AuditEvent, Notice
from portal.notices import notice_deliver
from portal.workdays import add_working_days

pytestmark = pytest.mark.django_db


def _swept_entry(firm, today):
    """Enterprise `firm` listed by the sweep for last year's report (decided by its registration authority)."""
    services.non_filers_list(year=today.year - 1, today=today)
    return firm.list_entries.get(report_year=today.year - 1)


def _deliver() -> None:
    """Deliver the recorded notices here (in-process tasks already did; with a broker none runs in the test)."""
    for pk in Notice.objects.values_list("pk", flat=True):
        notice_deliver(notice_id=pk)


def _apply_url(entry) -> str:
    return f"/account/entries/{entry.pk}/removal/"


def test_an_uncured_application_is_refused_naming_what_is_missing(personas, client_as, today):
    entry = _swept_entry(personas.firm_a, today)
    client = client_as("enterprise_a")
    page = client.get(_apply_url(entry), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"The annual report for {today.year - 1} has not been filed" in page
    response = client.post(_apply_url(entry), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert f"The annual report for {today.year - 1} has not been filed: file it from your account first." in (
        response.content.decode())
    assert not RemovalApplication.objects.exists()
    with pytest.raises(services.ListingError) as error:
        services.removal_application_submit(entry=entry, actor=personas.users["enterprise_a"])
    assert error.value.code == "not_cured"


def test_an_entry_without_report_year_concerns_every_closed_year_since_the_year_before_listing(personas, today):
    entry = make_entry(enterprise=personas.firm_a, reason_code="no_annual_report",
                       listed_on=dt.date(today.year - 1, 7, 15))
    assert entry.report_year is None
    assert report_years_concerned(entry, today) == [today.year - 2, today.year - 1]
    AnnualReportFactory(enterprise=personas.firm_a, year=today.year - 2)
    [missing] = entry_cure(entry, today=today).missing
    assert str(today.year - 1) in missing and str(today.year - 2) not in missing
    AnnualReportFactory(enterprise=personas.firm_a, year=today.year - 1)
    assert entry_cure(entry, today=today).cured


def test_approval_removes_the_entry_with_date_and_reason_and_tells_the_liaisons_once(
        personas, client_as, today, django_capture_on_commit_callbacks):
    firm = personas.firm_a
    personas.users["enterprise_a"].email = "liaison-a@example.cn"
    personas.users["enterprise_a"].save()
    second = EnterpriseAccountFactory(enterprise=firm, user__email="second@example.cn").user
    EnterpriseAccountFactory(enterprise=firm, user__email="gone@example.cn", user__is_active=False)
    entry = _swept_entry(firm, today)
    AnnualReportFactory(enterprise=firm, year=today.year - 1)  # cured

    enterprise = client_as("enterprise_a")
    assert "Apply for removal" in enterprise.get("/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = enterprise.post(_apply_url(entry), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"] == "/account/"
    application = RemovalApplication.objects.get(entry=entry)
    due = add_working_days(today, services.REMOVAL_DECISION_WORKING_DAYS)
    assert (application.state, application.submitted_on, application.decision_due) == ("pending", today, due.date)
    account = enterprise.get("/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "is pending; the authority decides by" in account and "5 working days left" in account
    # A second application while one is pending is refused.
    with pytest.raises(services.ListingError) as error:
        services.removal_application_submit(entry=entry, actor=personas.users["enterprise_a"])
    assert error.value.code == "application_pending"

    staff = client_as("staff_a")  # the registration authority, which listed the firm
    queue = staff.get("/lists/staff/removals/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert firm.uscc in queue and "5 working days left" in queue
    home = staff.get("/staff/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/lists/staff/removals/{application.pk}/" in home
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/lists/staff/removals/{application.pk}/", {"decision": "approve"})
    assert response.status_code == 302
    entry.refresh_from_db()
    application.refresh_from_db()
    assert (entry.state, entry.removed_on, entry.removal_reason) == (
        EntryState.REMOVED, today, SystemText.CURED_ANNUAL_REPORT.value)
    assert entry.removing_agency == personas.agency_a
    assert application.state == "approved" and application.decided_by == personas.users["staff_a"]
    actions = list(AuditEvent.objects.filter(action__startswith="listings.").values_list("action", flat=True))
    assert "listings.removal_application.submitted" in actions
    assert "listings.entry.removed" in actions and "listings.removal_application.approved" in actions
    # One e-mail per active liaison, recorded by its key and sent once.
    keys = set(Notice.objects.values_list("key", flat=True))
    assert keys == {f"listings.removal_decided:{application.pk}:{personas.users['enterprise_a'].pk}",
                    f"listings.removal_decided:{application.pk}:{second.pk}"}
    _deliver()
    assert sorted(m.to[0] for m in mail.outbox) == ["liaison-a@example.cn", "second@example.cn"]
    assert "was approved: the entry has been removed" in mail.outbox[0].body  # both languages
    assert "已批准" in mail.outbox[0].body
    # Deciding again is refused and sends nothing more.
    with pytest.raises(services.ListingError) as error:
        services.removal_application_decide(application=application, approve=True, actor=personas.users["staff_a"])
    assert error.value.code == "decided"
    _deliver()
    assert Notice.objects.count() == 2 and len(mail.outbox) == 2
    # The public file shows the removal with its reason.
    page = client_as("anonymous").get(firm.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The missing annual report was filed and published; removed on application" in page


def test_a_refusal_needs_reasons_and_the_enterprise_reads_them(personas, client_as, today,
                                                                django_capture_on_commit_callbacks):
    personas.users["enterprise_a"].email = "liaison-a@example.cn"
    personas.users["enterprise_a"].save()
    entry = _swept_entry(personas.firm_a, today)
    AnnualReportFactory(enterprise=personas.firm_a, year=today.year - 1)
    application = services.removal_application_submit(entry=entry, actor=personas.users["enterprise_a"])
    staff = client_as("staff_a")
    response = staff.post(f"/lists/staff/removals/{application.pk}/", {"decision": "refuse", "reasons": ""},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Reasons: a refusal states its reasons" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/lists/staff/removals/{application.pk}/", {"decision": "refuse", "reasons": "年报资产负债数据缺失"})
    application.refresh_from_db()
    entry.refresh_from_db()
    assert application.state == "refused" and entry.state == EntryState.LISTED
    account = client_as("enterprise_a").get("/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your application was refused on" in account and "年报资产负债数据缺失" in account
    assert "Apply for removal" in account  # it may apply again
    assert Notice.objects.filter(key=f"listings.removal_decided:{application.pk}:"
                                     f"{personas.users['enterprise_a'].pk}").count() == 1
    _deliver()
    assert "年报资产负债数据缺失" in mail.outbox[0].body


def test_another_agency_and_another_enterprise_get_404(personas, client_as, today):
    entry = _swept_entry(personas.firm_b, today)  # registered by agency B
    AnnualReportFactory(enterprise=personas.firm_b, year=today.year - 1)
    application = services.removal_application_submit(entry=entry, actor=personas.users["enterprise_b"])
    assert client_as("staff_a").get(f"/lists/staff/removals/{application.pk}/").status_code == 404
    assert client_as("staff_a").post(f"/lists/staff/removals/{application.pk}/",
                                     {"decision": "approve"}).status_code == 404
    assert f"/lists/staff/removals/{application.pk}/" not in client_as("staff_a").get(
        "/lists/staff/removals/").content.decode()
    assert client_as("enterprise_a").get(_apply_url(entry)).status_code == 404
    assert client_as("staff_b").get(f"/lists/staff/removals/{application.pk}/").status_code == 200
    with pytest.raises(services.ListingError):
        services.removal_application_decide(application=application, approve=True, actor=personas.users["staff_a"])


def test_disclosure_not_made_is_cured_by_a_disclosure_published_after_the_listing(personas, today):
    entry = make_entry(enterprise=personas.firm_a, reason_code="disclosure_not_made",
                       listed_on=today - dt.timedelta(days=40))
    InstantDisclosureFactory(enterprise=personas.firm_a, published_at=local_time(today - dt.timedelta(days=50)))
    with translation.override("en"):
        [missing] = entry_cure(entry, today=today).missing
    assert "No instant disclosure was published after the listing" in missing
    InstantDisclosureFactory(enterprise=personas.firm_a, published_at=local_time(today - dt.timedelta(days=2)))
    assert entry_cure(entry, today=today).cured
    assert services.removal_application_submit(entry=entry, actor=personas.users["enterprise_a"]).is_pending


def test_unreachable_is_cured_by_a_stated_address_the_authority_confirms(personas, client_as, today):
    entry = make_entry(enterprise=personas.firm_a, reason_code="unreachable", listed_on=today - dt.timedelta(days=40),
                       deciding_agency=personas.agency_a)
    enterprise = client_as("enterprise_a")
    response = enterprise.post(_apply_url(entry), {"stated_address": "  "}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Reachable address: state the address" in response.content.decode()
    assert enterprise.post(_apply_url(entry), {"stated_address": "北京市海淀区中关村大街1号"}).status_code == 302
    application = RemovalApplication.objects.get(entry=entry)
    assert application.stated_address == "北京市海淀区中关村大街1号"
    staff = client_as("staff_a")
    page = staff.get(f"/lists/staff/removals/{application.pk}/").content.decode()
    assert "北京市海淀区中关村大街1号" in page
    response = staff.post(f"/lists/staff/removals/{application.pk}/", {"decision": "approve"},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert "Address confirmed: confirm that the enterprise can be reached" in response.content.decode()
    staff.post(f"/lists/staff/removals/{application.pk}/", {"decision": "approve", "address_confirmed": "on"})
    entry.refresh_from_db()
    assert entry.state == EntryState.REMOVED and entry.removal_reason == SystemText.CURED_REACHABLE.value


def test_other_reasons_and_lists_are_not_removed_on_cure(personas, client_as, today):
    serious = make_entry(list_code="serious-illegal", enterprise=personas.firm_a)
    response = client_as("enterprise_a").get(_apply_url(serious), HTTP_ACCEPT_LANGUAGE="en")
    assert "is not removed on application after a cure" in response.content.decode()
    with pytest.raises(services.ListingError) as error:
        services.removal_application_submit(entry=serious, actor=personas.users["enterprise_a"])
    assert error.value.code == "not_curable"


def test_the_deadline_is_shown_and_turns_overdue(personas, client_as, today, clock):
    entry = _swept_entry(personas.firm_a, today)
    AnnualReportFactory(enterprise=personas.firm_a, year=today.year - 1)
    application = services.removal_application_submit(entry=entry, actor=personas.users["enterprise_a"])
    clock.move_to(local_time(application.decision_due + dt.timedelta(days=1)))
    page = client_as("staff_a").get("/lists/staff/removals/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "overdue since" in page


@pytest.mark.parametrize("count", [1, 30])
def test_the_queue_needs_the_same_queries_for_1_and_30_applications(count, personas, client_as, today,
                                                                    django_assert_max_num_queries):
    from credit.tests.factories import EnterpriseFactory

    firms = EnterpriseFactory.create_batch(count, registration_authority=personas.agency_a)
    services.non_filers_list(year=today.year - 1, today=today)
    for firm in firms:
        AnnualReportFactory(enterprise=firm, year=today.year - 1)
        account = EnterpriseAccountFactory(enterprise=firm).user
        services.removal_application_submit(entry=firm.list_entries.get(), actor=account)
    staff = client_as("staff_a")
    staff.get("/lists/staff/removals/")  # the session and permissions warmed
    with django_assert_max_num_queries(9):
        response = staff.get("/lists/staff/removals/")
    assert response.content.decode().count("/lists/staff/removals/") >= count
    with django_assert_max_num_queries(14):
        staff.get("/staff/")
