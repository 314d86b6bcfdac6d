from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import translation

from credit import services as credit_services
from credit.models import AdministrativePenalty, EntityType, Severity
from credit.tests.factories import AgencyFactory, EnterpriseFactory, StaffFactory, UserFactory
from listings import services
from listings.models import CreditList, EntryState, EntryStatus, ListEntry, ListEntryEvent
from listings.tests.factories import make_entry, standard_agency, standard_list
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_it_ships_the_standard_lists_with_their_owning_agencies():
    abnormal = standard_list("abnormal-operations")
    assert abnormal.owner_agency.code == "SAMR"
    assert set(abnormal.reasons.values_list("code", flat=True)) == {
        "no_annual_report", "disclosure_not_made", "name_change_not_registered", "unreachable"
    }
    assert standard_list("serious-illegal").reasons.filter(code="false_disclosure", bars_legal_representative=True)
    assert standard_list("a-grade-taxpayers").is_red
    assert standard_list("major-tax-violators").owner_agency.code == "STA"


def test_it_creates_an_entry_with_periods_history_and_one_audit_event():
    entry = make_entry(list_code="serious-illegal", listed_on=dt.date(2024, 3, 1), reason_code="heavier_penalty")
    assert entry.state == EntryState.LISTED
    assert entry.publication_ends_on == dt.date(2027, 2, 28)  # 3 years, last day shown
    assert entry.repair_from == dt.date(2025, 3, 1)  # 1 year minimum
    assert entry.reason_code == "heavier_penalty"
    assert entry.severity == "serious"
    assert list(entry.events.values_list("kind", flat=True)) == [ListEntryEvent.Kind.LISTED]
    events = AuditEvent.objects.filter(action="listings.entry.created", object_id=str(entry.pk))
    assert events.count() == 1
    assert events.get().actor_label == "system"


def test_it_keeps_abnormal_entries_published_until_removed_except_sole_proprietors():
    company = make_entry(reason_code="no_annual_report", listed_on=dt.date(2025, 7, 10))
    assert company.publication_ends_on is None
    household = make_entry(
        reason_code="no_annual_report",
        listed_on=dt.date(2025, 7, 10),
        enterprise=EnterpriseFactory(entity_type=EntityType.INDIVIDUAL_BUSINESS),
    )
    assert household.publication_ends_on == dt.date(2026, 6, 30)


def test_it_shows_a_listed_entry_past_its_end_as_expired_even_before_the_sweep():
    entry = make_entry(list_code="environmental-violators", listed_on=dt.date(2024, 1, 15))
    assert entry.publication_ends_on == dt.date(2025, 1, 14)
    assert entry.state == EntryState.LISTED
    assert entry.status_on(dt.date(2025, 1, 14)) == EntryStatus.ACTIVE
    assert entry.status_on(dt.date(2025, 1, 15)) == EntryStatus.EXPIRED
    assert entry.status == EntryStatus.EXPIRED
    assert not entry.is_active


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"decided_on": dt.date(2099, 1, 1), "listed_on": dt.date(2025, 1, 1)}, "future_date", "decided_on"),
        ({"decided_on": dt.date(2025, 2, 1), "listed_on": dt.date(2025, 1, 1)}, "listed_before_decision", "listed_on"),
        ({"reason_code": "bribery"}, "unknown_reason", "reason_code"),
    ],
)
def test_it_rejects_bad_input_naming_the_field(changes, code, field):
    with pytest.raises(services.ListingError) as caught:
        make_entry(**changes)
    assert caught.value.code == code
    assert caught.value.field == field
    assert not ListEntry.objects.exists()


def test_it_refuses_a_duplicate_active_entry_for_the_same_reason():
    enterprise = EnterpriseFactory()
    make_entry(enterprise=enterprise, reason_code="unreachable")
    with pytest.raises(services.ListingError) as caught:
        make_entry(enterprise=enterprise, reason_code="unreachable", decision_number="another")
    assert caught.value.code == "duplicate"
    # Another reason is a separate entry.
    make_entry(enterprise=enterprise, reason_code="no_annual_report")
    assert ListEntry.objects.filter(enterprise=enterprise).count() == 2


def test_it_allows_staff_of_the_owning_agency_only():
    owner = StaffFactory(agency=standard_agency("SAMR")).user
    other = StaffFactory(agency=standard_agency("STA")).user
    entry = make_entry(actor=owner, listed_on=dt.date(2025, 7, 10))
    assert AuditEvent.objects.get(action="listings.entry.created").actor == owner
    with pytest.raises(services.ListingError) as caught:
        make_entry(actor=other, reason_code="unreachable")
    assert caught.value.code == "not_owner"
    with pytest.raises(services.ListingError) as caught:
        services.list_entry_remove(entry=entry, removed_on=dt.date(2025, 8, 1), reason="x", actor=other)
    assert caught.value.code == "not_owner"
    entry.refresh_from_db()
    assert entry.state == EntryState.LISTED


def test_it_removes_with_date_reason_and_authority_and_never_deletes():
    entry = make_entry(listed_on=dt.date(2025, 7, 10))
    agency = AgencyFactory()
    services.list_entry_remove(
        entry=entry, removed_on=dt.date(2025, 9, 1), reason="已补报年度报告", removing_agency=agency
    )
    entry.refresh_from_db()
    assert (entry.state, entry.removed_on, entry.removal_reason, entry.removing_agency) == (
        EntryState.REMOVED, dt.date(2025, 9, 1), "已补报年度报告", agency
    )
    assert entry.status == EntryStatus.REMOVED
    assert list(entry.events.values_list("kind", flat=True)) == ["listed", "removed"]
    assert AuditEvent.objects.filter(action="listings.entry.removed").count() == 1
    with pytest.raises(services.ListingError) as caught:
        services.list_entry_remove(entry=entry, removed_on=dt.date(2025, 9, 2), reason="again")
    assert caught.value.code == "not_active"


def test_it_refuses_removal_before_listing():
    entry = make_entry(listed_on=dt.date(2025, 7, 10))
    with pytest.raises(services.ListingError) as caught:
        services.list_entry_remove(entry=entry, removed_on=dt.date(2025, 7, 9), reason="已补报")
    assert (caught.value.code, caught.value.field) == ("removed_before_listing", "removed_on")


def test_it_revokes_an_entry_whose_penalty_was_annulled():
    entry = make_entry(list_code="serious-illegal", listed_on=dt.date(2025, 3, 1))
    services.list_entry_revoke(entry=entry, revoked_on=dt.date(2025, 6, 1), reason="行政处罚决定被撤销")
    entry.refresh_from_db()
    assert entry.state == EntryState.REVOKED
    assert entry.status == EntryStatus.REVOKED
    assert AuditEvent.objects.filter(action="listings.entry.revoked").count() == 1


def test_it_refuses_early_removal_before_the_minimum_period(today):
    # Listed two years ago on a three-year list: still published, repairable after one year.
    listed_on = today - relativedelta(years=2)
    entry = make_entry(list_code="serious-illegal", reason_code="heavier_penalty", listed_on=listed_on)
    assert entry.repair_from == listed_on + relativedelta(years=1)
    with pytest.raises(services.ListingError) as caught:
        services.list_entry_remove(entry=entry, removed_on=entry.repair_from - dt.timedelta(days=1), reason="已履行")
    assert (caught.value.code, caught.value.field) == ("minimum_period", "removed_on")
    services.list_entry_remove(entry=entry, removed_on=entry.repair_from, reason="已履行处罚并提交守信承诺书")
    entry.refresh_from_db()
    assert entry.state == EntryState.REMOVED


def test_it_keeps_every_standard_list_within_its_severity_publication_periods():
    for credit_list in CreditList.objects.all():
        services.publication_months_check(
            severity=credit_list.severity,
            low=credit_list.min_publication_months,
            high=credit_list.max_publication_months,
        )


@pytest.mark.parametrize(
    ("severity", "low", "high", "code", "field"),
    [
        ("serious", 12, 120, "max_out_of_range", "max_publication_months"),
        ("serious", 6, 36, "min_out_of_range", "min_publication_months"),
        ("serious", 12, None, "max_required", "max_publication_months"),
        ("general", 1, 12, "min_out_of_range", "min_publication_months"),
        ("general", 3, 24, "max_out_of_range", "max_publication_months"),
        ("general", None, None, "max_required", "max_publication_months"),
        ("minor", None, 6, "max_out_of_range", "max_publication_months"),
        ("minor", 3, 1, "min_above_max", "min_publication_months"),
    ],
)
def test_it_refuses_publication_periods_outside_the_severity_rule(severity, low, high, code, field):
    with pytest.raises(services.ListingError) as caught:
        services.publication_months_check(severity=severity, low=low, high=high)
    assert (caught.value.code, caught.value.field) == (code, field)


@pytest.mark.parametrize(
    ("severity", "months", "last_day"),
    [("minor", 3, dt.date(2024, 5, 31)), ("general", 12, dt.date(2025, 2, 28)), ("serious", 36, dt.date(2027, 2, 28))],
)
def test_it_bounds_penalties_and_lists_of_a_class_by_the_same_longest_period(severity, months, last_day):
    latest = credit_services.penalty_publication_latest_end(severity=severity, decided_on=dt.date(2024, 3, 1))
    assert latest == last_day
    services.publication_months_check(severity=severity, low=None if severity == "minor" else months, high=months)
    with pytest.raises(services.ListingError) as caught:
        services.publication_months_check(severity=severity, low=None, high=months + 1)
    assert caught.value.code == "max_out_of_range"


def test_it_gives_a_penalty_no_red_list_class():
    choices = dict(AdministrativePenalty._meta.get_field("severity").choices)
    assert set(choices) == {"minor", "general", "serious"}
    assert Severity.NOT_APPLICABLE in dict(ListEntry._meta.get_field("severity").choices)


def test_it_refuses_a_120_month_maximum_on_a_serious_list_and_names_the_rule():
    credit_list = standard_list(services.SERIOUS_ILLEGAL)
    credit_list.max_publication_months = 120
    with pytest.raises(services.ListingError) as caught:
        services.credit_list_update(credit_list=credit_list, actor=UserFactory(is_staff=True, is_superuser=True))
    assert caught.value.field == "max_publication_months"
    with translation.override("en"):
        assert "12 to 36 months allowed for Serious lists" in caught.value.messages[0]
    assert standard_list(services.SERIOUS_ILLEGAL).max_publication_months == 36
    # Until-removed stays valid where the rule says so (minor: the abnormal-operations list).
    services.publication_months_check(severity="minor", low=None, high=None)
