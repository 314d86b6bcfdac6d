from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client

from listings import services, tasks
from listings.models import EntryState, EntryStatus, ListEntry
from listings.tests.factories import make_entry
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_expires_entries_past_their_maximum_once(django_capture_on_commit_callbacks, today):
    a_year_ago = today - relativedelta(years=1)
    due = make_entry(list_code="environmental-violators", listed_on=a_year_ago)  # 1 year: ended yesterday
    running = make_entry(list_code="serious-illegal", listed_on=a_year_ago)  # 3 years: two more to go
    until_removed = make_entry(listed_on=today - relativedelta(years=6))  # abnormal: no end
    assert due.publication_ends_on == today - dt.timedelta(days=1)
    client = Client()
    assert services.EXPIRY_REASON not in client.get(due.enterprise.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.list_entries_expire(today=today) == 1
    due.refresh_from_db()
    assert (due.state, due.removed_on, due.removal_reason) == (
        EntryState.EXPIRED, today, services.EXPIRY_REASON
    )
    assert due.removing_agency_id == due.deciding_agency_id
    assert due.status == EntryStatus.EXPIRED
    assert list(due.events.values_list("kind", flat=True)) == ["listed", "expired"]
    # The file cached before the sweep shows the expiry on the next view.
    assert services.EXPIRY_REASON in client.get(due.enterprise.get_absolute_url()).content.decode()
    for entry in (running, until_removed):
        entry.refresh_from_db()
        assert entry.state == EntryState.LISTED

    # Running again the same day (or the task, which reads today from the clock) changes nothing.
    changed_at = due.state_changed_at
    assert services.list_entries_expire(today=today) == 0
    assert tasks.list_entries_expire_task.apply().get() == 0
    due.refresh_from_db()
    assert due.state_changed_at == changed_at
    assert due.events.count() == 2
    assert AuditEvent.objects.filter(action="listings.entry.expired").count() == 1


def test_it_never_shows_an_expired_entry_as_active_before_the_sweep():
    entry = make_entry(list_code="environmental-violators", listed_on=dt.date(2024, 1, 15))
    assert ListEntry.objects.filter(pk=entry.pk, state=EntryState.LISTED).exists()
    from credit.selectors import credit_file

    sections = credit_file(enterprise=entry.enterprise)
    [shown] = sections["listings_other_entries"]
    assert shown.derived_status == EntryStatus.EXPIRED
    assert not shown.is_current
    assert shown.applicable_measures == []


def test_it_shows_the_expiry_reason_in_the_reader_s_language():
    from django.test import Client

    from credit.tests.factories import StaffFactory
    from listings.tests.factories import standard_agency
    from portal.testing.personas import grant_staff_permissions

    entry = make_entry(list_code="environmental-violators", listed_on=dt.date(2024, 1, 15))
    services.list_entries_expire(today=dt.date(2025, 1, 15))
    staff = Client(HTTP_ACCEPT_LANGUAGE="en")
    # Staff who may read entries in the admin also see the history here.
    staff.force_login(grant_staff_permissions(StaffFactory(agency=standard_agency("STA")).user))
    body = staff.get(entry.get_absolute_url()).content.decode()
    assert "Publication period ended; publication stopped automatically" in body
    assert services.EXPIRY_REASON not in body
    assert "the portal (automatic)" in body  # who ended it, in the history
    body = Client().get(entry.get_absolute_url()).content.decode()
    assert services.EXPIRY_REASON in body
    file_section = Client(HTTP_ACCEPT_LANGUAGE="en").get(entry.enterprise.get_absolute_url()).content.decode()
    assert "Publication period ended; publication stopped automatically" in file_section
    assert services.EXPIRY_REASON not in file_section


def test_it_neither_counts_nor_lists_an_entry_past_its_end_as_active_before_the_sweep(today):
    from django.test import Client

    from listings.selectors import credit_list_index

    ended = make_entry(list_code="environmental-violators", listed_on=today - relativedelta(years=1))
    last_day = make_entry(list_code="environmental-violators", listed_on=today - relativedelta(years=1, days=-1))
    assert (ended.publication_ends_on, last_day.publication_ends_on) == (today - dt.timedelta(days=1), today)
    assert ListEntry.objects.filter(state=EntryState.LISTED).count() == 2  # no sweep has run
    counts = {item.code: item.active_count for item in credit_list_index()}
    assert counts["environmental-violators"] == 1
    body = Client().get("/lists/environmental-violators/").content.decode()
    assert last_day.enterprise.uscc in body and ended.enterprise.uscc not in body
