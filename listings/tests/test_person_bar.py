from __future__ import annotations

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import translation

from credit import services as credit_services
from credit.admin import EnterpriseAdmin
from credit.models import Enterprise
from credit.selectors import credit_file
from credit.tests.factories import EnterpriseFactory, PersonFactory, UserFactory
from listings import services
from listings.forms import legal_representative_bar_refusal
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


def test_it_refuses_a_barred_person_as_legal_representative_of_another_enterprise(barred):
    person, listed, entry = barred
    reason = legal_representative_bar_refusal(person=person, enterprise=EnterpriseFactory())
    assert listed.name in reason and entry.bar_ends_on.isoformat() in reason
    assert legal_representative_bar_refusal(person=PersonFactory()) == ""
    target = EnterpriseFactory()
    target.legal_representative = person
    with pytest.raises(ValidationError) as refusal, translation.override("en"):
        credit_services.credit_object_save(obj=target, actor=None)
    with translation.override("en"):
        [message] = refusal.value.message_dict["legal_representative"]
    assert entry.bar_ends_on.isoformat() in message and "false disclosure" in message
    target.refresh_from_db()
    assert target.legal_representative_id != person.pk
    # A new enterprise is another enterprise too; the listed one keeps its representative.
    with pytest.raises(ValidationError):
        credit_services.credit_object_save(obj=EnterpriseFactory.build(legal_representative=person), actor=None)
    listed.name = listed.name + "（更名）"
    credit_services.credit_object_save(obj=listed, actor=None)


def test_the_admin_shows_the_refusal_on_the_legal_representative_field(barred):
    person, listed, entry = barred
    target = EnterpriseFactory()
    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    form_class = EnterpriseAdmin(Enterprise, admin.site).get_form(request, target)
    data = {name: value for name, value in form_class(instance=target).initial.items() if value is not None}
    data.update(legal_representative=person.pk, registration_authority=target.registration_authority_id)
    form = form_class(data=data, instance=target)
    assert not form.is_valid()
    assert entry.bar_ends_on.isoformat() in form.errors["legal_representative"][0]
    data["legal_representative"] = PersonFactory().pk
    form = form_class(data=data, instance=target)
    assert "legal_representative" not in form.errors


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
