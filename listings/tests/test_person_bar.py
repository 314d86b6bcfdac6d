from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib import admin
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from credit.admin import LegalRepresentativeWarningAdminMixin
from credit.models import Enterprise
from credit.selectors import credit_file
from credit.tests.factories import EnterpriseFactory, PersonFactory, UserFactory
from listings import services
from listings.forms import legal_representative_bar_warning
from listings.models import ListEntry
from listings.selectors import person_bar_get
from listings.tests.factories import make_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def barred(today):
    """A bar that began a year ago, so it runs two more years."""
    person = PersonFactory()
    listed = EnterpriseFactory(legal_representative=person)
    entry = make_entry(
        list_code="serious-illegal", enterprise=listed, reason_code="false_disclosure",
        listed_on=today - relativedelta(years=1),
    )
    return person, listed, entry


def test_it_bars_the_legal_representative_for_three_years(barred, today):
    person, listed, entry = barred
    assert entry.barred_person == person
    assert entry.bar_ends_on == today + relativedelta(years=2, days=-1)
    assert person_bar_get(person) == entry
    assert person_bar_get(person, today=entry.bar_ends_on) == entry
    assert person_bar_get(person, today=entry.bar_ends_on + dt.timedelta(days=1)) is None


def test_it_ends_a_bar_from_1_march_on_the_leap_day_three_years_on():
    person = PersonFactory()
    entry = make_entry(
        list_code="serious-illegal", enterprise=EnterpriseFactory(legal_representative=person),
        reason_code="false_disclosure", listed_on=dt.date(2025, 3, 1),
    )
    assert entry.bar_ends_on == dt.date(2028, 2, 29)
    assert person_bar_get(person, today=dt.date(2028, 2, 29)) == entry
    assert person_bar_get(person, today=dt.date(2028, 3, 1)) is None


def test_it_does_not_bar_for_other_reasons(today):
    person = PersonFactory()
    entry = make_entry(
        list_code="serious-illegal", enterprise=EnterpriseFactory(legal_representative=person),
        reason_code="heavier_penalty", listed_on=today - relativedelta(years=1),
    )
    assert (entry.barred_person, entry.bar_ends_on) == (None, None)
    assert person_bar_get(person) is None


def test_it_shows_the_bar_on_the_persons_other_enterprises_only(barred):
    person, listed, entry = barred
    other = EnterpriseFactory(legal_representative=person)
    sections = credit_file(enterprise=other)
    assert [bar.pk for bar in sections["listings_person_bars"]] == [entry.pk]
    assert credit_file(enterprise=listed)["listings_person_bars"] == []
    assert credit_file(enterprise=EnterpriseFactory())["listings_person_bars"] == []


def test_it_lifts_the_bar_when_the_listing_is_revoked(barred, today):
    person, listed, entry = barred
    assert person_bar_get(person) == entry
    services.list_entry_revoke(entry=entry, revoked_on=today - relativedelta(months=11), reason="处罚决定被撤销")
    assert person_bar_get(person) is None


def test_it_warns_staff_who_record_a_barred_person_as_legal_representative(barred):
    person, listed, entry = barred
    assert listed.name in legal_representative_bar_warning(person=person, enterprise=EnterpriseFactory())
    assert legal_representative_bar_warning(person=PersonFactory()) == ""

    class EnterpriseAdmin(LegalRepresentativeWarningAdminMixin, admin.ModelAdmin):
        fields = ["legal_representative"]

    model_admin = EnterpriseAdmin(Enterprise, admin.site)
    target = EnterpriseFactory()
    request = RequestFactory().post("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    request.session = {}
    request._messages = FallbackStorage(request)
    form = model_admin.get_form(request, target)(
        data={"legal_representative": person.pk}, instance=target
    )
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)
    [message] = list(get_messages(request))
    assert entry.bar_ends_on.isoformat() in str(message)


def test_it_judges_the_bar_the_same_way_in_a_query_and_on_one_entry(barred):
    person, listed, entry = barred
    other = make_entry(
        list_code="serious-illegal", enterprise=EnterpriseFactory(legal_representative=person),
        reason_code="false_disclosure", listed_on=dt.date(2025, 6, 1),
    )
    services.list_entry_revoke(entry=other, revoked_on=dt.date(2025, 7, 1), reason="处罚决定被撤销")
    other.refresh_from_db()
    entries = [entry, other]
    for on in (dt.date(2025, 3, 1), dt.date(2028, 2, 29), dt.date(2028, 3, 1)):
        for asked_about in (None, listed.pk, EnterpriseFactory().pk):
            queried = set(ListEntry.objects.barring(person, on=on, other_than_enterprise=asked_about))
            judged = {e for e in entries if e.bars(person.pk, on, other_than_enterprise_id=asked_about)}
            assert queried == judged, (on, asked_about)
    assert entry.bars(person.pk, dt.date(2028, 2, 29))
    assert not entry.bars(person.pk, dt.date(2028, 2, 29), other_than_enterprise_id=listed.pk)
    assert not other.bars(person.pk, dt.date(2025, 8, 1))
    assert not entry.bars(PersonFactory().pk, dt.date(2025, 3, 1))
