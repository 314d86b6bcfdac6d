"""The non-filer sweep (listings.services.sweep): who is listed, who not, idempotence, the history,
the audit event, set-based SQL, and the beat task's date rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import checks
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from credit.models import Enterprise, EntityType, RegistrationStatus
from credit.tests.factories import AgencyFactory, AnnualReportFactory, EnterpriseFactory, local_time
from listings import services, tasks
from listings.apps import sweep_day_check
from listings.models import EntryState, ListEntry, ListEntryEvent
from listings.tests.factories import make_entry
from portal.models import AuditEvent
from portal.workdays import add_working_days

pytestmark = pytest.mark.django_db


def _entries(year):
    return ListEntry.objects.filter(reason__code=services.NON_FILER_REASON, report_year=year)


def test_it_lists_every_non_filer_and_nobody_else(today, django_capture_on_commit_callbacks):
    year = today.year - 1
    bureau = AgencyFactory(region_code="110108")
    non_filer = EnterpriseFactory(registration_authority=bureau, region_code="110108")
    set_up_during_the_year = EnterpriseFactory(established_on=dt.date(year, 8, 1))
    sole_proprietor = EnterpriseFactory(entity_type=EntityType.INDIVIDUAL_BUSINESS)
    listed_for_another_reason = make_entry(reason_code="unreachable").enterprise
    filed = AnnualReportFactory(year=year).enterprise
    set_up_after_the_year = EnterpriseFactory(established_on=dt.date(year + 1, 2, 1))
    deregistered = EnterpriseFactory(status=RegistrationStatus.DEREGISTERED)
    revoked = EnterpriseFactory(status=RegistrationStatus.REVOKED)
    already_listed = make_entry(reason_code=services.NON_FILER_REASON).enterprise
    files_before = dict(Enterprise.objects.values_list("pk", "file_version"))
    statutory = "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告的"
    assert statutory not in Client().get(non_filer.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.non_filers_list(year=year, today=today) == 4

    listed = set(_entries(year).values_list("enterprise_id", flat=True))
    assert listed == {non_filer.pk, set_up_during_the_year.pk, sole_proprietor.pk, listed_for_another_reason.pk}
    for left_out in (filed, set_up_after_the_year, deregistered, revoked, already_listed):
        assert left_out.pk not in listed
    entry = _entries(year).select_related("credit_list", "deciding_agency").get(enterprise=non_filer)
    assert entry.credit_list.code == "abnormal-operations"
    assert entry.deciding_agency == bureau  # the registration authority
    assert entry.decision_number == f"年报列异〔{today.year}〕{non_filer.uscc}号"
    assert (entry.listed_on, entry.decided_on, entry.repair_from) == (today, today, today)
    assert entry.publication_ends_on is None  # an enterprise's entry stays until removed
    assert entry.region_code == "110108"
    assert entry.state == EntryState.LISTED and entry.is_active
    assert str(year) in entry.reason_text
    assert entry.legal_basis == entry.credit_list.legal_basis
    assert entry.published_on == today and entry.objection_deadline == today + dt.timedelta(days=30)
    # Sole proprietors are marked from 1 July until 30 June of the next year (publication_window).
    proprietor_entry = _entries(year).get(enterprise=sole_proprietor)
    expected_end = dt.date(today.year + 1 if today.month >= 7 else today.year, 6, 30)
    assert proprietor_entry.publication_ends_on == expected_end
    # History: one LISTED event per entry, by the portal.
    events = ListEntryEvent.objects.filter(entry__in=_entries(year))
    assert events.count() == 4
    assert set(events.values_list("kind", "actor_label")) == {(ListEntryEvent.Kind.LISTED, "system")}
    # One audit event for the run, with the count; the listed files' versions were raised.
    [event] = AuditEvent.objects.filter(action=services.SWEEP_ACTION)
    assert (event.payload["year"], event.payload["entries"], event.payload["enterprises"]) == (year, 4, 4)
    versions = dict(Enterprise.objects.values_list("pk", "file_version"))
    assert {pk for pk in versions if versions[pk] > files_before[pk]} == listed
    # The public file shows the new entry at once (the cached copy was invalidated).
    page = Client().get(non_filer.get_absolute_url()).content.decode()
    assert statutory in page and entry.get_absolute_url() in page
    # A normal entry: objections may be made on it.
    assert entry.objection_refusal(today, objection_open=False) == ""


def test_a_second_run_lists_nobody_twice_nor_again_after_removal(today):
    year = today.year - 1
    first, second = EnterpriseFactory(), EnterpriseFactory()
    assert services.non_filers_list(year=year, today=today) == 2
    assert services.non_filers_list(year=year, today=today) == 0
    assert _entries(year).count() == 2
    assert ListEntryEvent.objects.filter(entry__in=_entries(year)).count() == 2
    # Each run is recorded, the second with its count of nobody.
    assert list(AuditEvent.objects.filter(action=services.SWEEP_ACTION).order_by("id").values_list(
        "payload__entries", flat=True)) == [2, 0]
    # An entry removed (or revoked) for the year is not made again for the same year.
    services.list_entry_remove(entry=_entries(year).get(enterprise=first), removed_on=today, reason="补报")
    services.list_entry_revoke(entry=_entries(year).get(enterprise=second), revoked_on=today, reason="错列")
    assert services.non_filers_list(year=year, today=today) == 0
    assert _entries(year).count() == 2


def test_it_refuses_to_list_before_the_filing_window_closes(today):
    EnterpriseFactory()
    with pytest.raises(services.ListingError) as error:
        services.non_filers_list(year=today.year, today=today)
    assert error.value.code == "window_open"
    assert f"30 June {today.year + 1}" in error.value.messages[0] or str(today.year + 1) in error.value.messages[0]
    assert not ListEntry.objects.filter(report_year=today.year).exists()


def _sweep_queries(count: int, year: int, today) -> int:
    EnterpriseFactory.create_batch(count)
    with CaptureQueriesContext(connection) as queries:
        assert services.non_filers_list(year=year, today=today) == count
    return len(queries)


def test_it_is_set_based_constant_queries_for_1_and_50_non_filers(today):
    year = today.year - 1
    one = _sweep_queries(1, year, today)
    Enterprise.objects.update(status=RegistrationStatus.DEREGISTERED)  # the first is out of the second run
    fifty = _sweep_queries(50, year, today)
    assert one == fifty
    # 12, and the change feed's 3 (its head under the lock, the entries streamed, their events in one
    # INSERT) and the head written back.
    assert one <= 16


@pytest.mark.parametrize("days", [1, 5, 10])
def test_the_beat_task_runs_from_the_configured_working_day_after_30_june_once(days, today, clock, settings):
    settings.NON_FILER_SWEEP_WORKING_DAYS = days
    run_year = today.year if today.month >= 7 else today.year - 1
    sweep_day = add_working_days(dt.date(run_year, 6, 30), days).date
    assert services.non_filer_sweep_day(run_year).date == sweep_day
    firm = EnterpriseFactory(established_on=dt.date(run_year - 3, 1, 1))

    clock.move_to(local_time(sweep_day - dt.timedelta(days=1), 1))
    assert tasks.non_filers_sweep_task.apply().get() is None
    assert not ListEntry.objects.filter(enterprise=firm).exists()
    # The sweep day was missed (an outage): the next day catches it up, once.
    clock.move_to(local_time(sweep_day + dt.timedelta(days=1), 1))
    assert tasks.non_filers_sweep_task.apply().get() == 1
    entry = ListEntry.objects.get(enterprise=firm)
    assert (entry.report_year, entry.listed_on) == (run_year - 1, sweep_day + dt.timedelta(days=1))
    clock.move_to(local_time(sweep_day + dt.timedelta(days=2), 1))
    EnterpriseFactory(established_on=dt.date(run_year - 3, 1, 1))
    assert tasks.non_filers_sweep_task.apply().get() is None  # the year's sweep has run
    assert AuditEvent.objects.filter(action=services.SWEEP_ACTION).count() == 1


def test_the_sweep_day_setting_is_checked():
    for wrong in (0, 11, -1, "5", None):
        with override_settings(NON_FILER_SWEEP_WORKING_DAYS=wrong):
            [error] = sweep_day_check()
            assert error.id == "listings.E001" and isinstance(error, checks.Error)
            assert "1 to 10" in error.msg
    for right in (1, 5, 10):
        with override_settings(NON_FILER_SWEEP_WORKING_DAYS=right):
            assert sweep_day_check() == []


def test_the_management_command_runs_the_sweep_for_a_year(today, capsys):
    from django.core.management import call_command

    EnterpriseFactory()
    year = today.year - 1
    call_command("sweep_non_filers", "--year", str(year), "--today", today.isoformat())
    out = capsys.readouterr().out
    assert f"Report year {year}" in out and "Listed 1 enterprises" in out
    call_command("sweep_non_filers", "--year", str(year), "--today", today.isoformat())
    assert "Listed 0 enterprises" in capsys.readouterr().out


def test_a_large_run_invalidates_every_file_at_once(today, monkeypatch):
    from credit.cache import publication_generation
    from listings.services import sweep

    monkeypatch.setattr(sweep, "SWEEP_FILE_TOUCH_MAX", 1)
    firms = EnterpriseFactory.create_batch(2)
    before = publication_generation()
    page = Client().get(firms[0].get_absolute_url()).content.decode()
    assert services.non_filers_list(year=today.year - 1, today=today) == 2
    assert publication_generation() == before + 1
    [event] = AuditEvent.objects.filter(action=services.SWEEP_ACTION)
    assert event.payload["entries"] == 2
    entry = ListEntry.objects.get(enterprise=firms[0])
    fresh = Client().get(firms[0].get_absolute_url()).content.decode()
    assert entry.get_absolute_url() not in page and entry.get_absolute_url() in fresh
