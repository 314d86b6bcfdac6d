"""The legal representative's bar on the enterprise's own /account/ (Reg. Art. 18): barred by
another enterprise's listing, or by this enterprise's own."""

from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta
from django.test import Client
from django.utils import translation
from django.utils.formats import date_format

from credit.tests.factories import EnterpriseAccountFactory, EnterpriseFactory, PersonFactory
from listings.models import EntryState, ListEntry
from listings.tests.factories import make_entry

pytestmark = pytest.mark.django_db


def _client(account, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(account.user)
    return client


def _listed(enterprise, today, years_ago: int = 1):
    return make_entry(list_code="serious-illegal", enterprise=enterprise, reason_code="false_disclosure",
                      listed_on=today - relativedelta(years=years_ago))


def test_it_shows_the_bar_another_enterprise_s_listing_puts_on_the_representative(today):
    person = PersonFactory()
    elsewhere = _listed(EnterpriseFactory(legal_representative=person, name="别处的公司"), today)
    account = EnterpriseAccountFactory(enterprise=EnterpriseFactory(legal_representative=person))
    body = _client(account).get("/account/").content.decode()
    assert 'id="legal-representative-bar"' in body
    assert "Your legal representative is barred until" in body
    with translation.override("en"):
        assert date_format(elsewhere.bar_ends_on) in body
    assert "may not act as legal representative of another enterprise" in body
    assert f'href="{elsewhere.get_absolute_url()}"' in body
    chinese = _client(account, "zh-hans").get("/account/").content.decode()
    assert "受任职限制至" in chinese and "第十八条" in chinese


def test_it_says_so_in_the_row_when_the_enterprise_s_own_listing_bars_its_representative(today):
    account = EnterpriseAccountFactory(enterprise=EnterpriseFactory(legal_representative=PersonFactory()))
    own = _listed(account.enterprise, today)
    body = _client(account).get("/account/").content.decode()
    assert "Your enterprise's listing on the" in body
    assert "This listing bars your legal representative" in body
    assert f'href="{own.get_absolute_url()}"' in body


def test_it_keeps_showing_the_bar_after_the_own_entry_is_removed(today):
    # The bar runs three years from the listing, however the entry ends (person_barred_q).
    account = EnterpriseAccountFactory(enterprise=EnterpriseFactory(legal_representative=PersonFactory()))
    own = _listed(account.enterprise, today)
    ListEntry.objects.filter(pk=own.pk).update(state=EntryState.REMOVED)
    body = _client(account).get("/account/").content.decode()
    assert "Your enterprise's listing on the" in body
    assert "This listing bars your legal representative" not in body  # no longer a current entry's row
    assert "Your enterprise is on no list." in body


def test_it_shows_no_bar_when_it_has_ended_or_was_revoked_or_there_is_no_representative(today):
    person = PersonFactory()
    ended = _listed(EnterpriseFactory(legal_representative=person), today, years_ago=4)
    revoked = _listed(EnterpriseFactory(legal_representative=person), today)
    ListEntry.objects.filter(pk=revoked.pk).update(state=EntryState.REVOKED)  # an annulled listing bars nobody
    account = EnterpriseAccountFactory(enterprise=EnterpriseFactory(legal_representative=person))
    assert ended.bar_ends_on < today
    body = _client(account).get("/account/").content.decode()
    assert 'id="legal-representative-bar"' not in body
    nobody = EnterpriseAccountFactory(enterprise=EnterpriseFactory(legal_representative=None, legal_representative_name="无登记"))
    assert 'id="legal-representative-bar"' not in _client(nobody).get("/account/").content.decode()
