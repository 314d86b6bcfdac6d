"""The dispatcher: which follows an event concerns (enterprise, list, saved search; kinds; from
the confirmation on), removals included, and each alert once however often it runs."""

from __future__ import annotations

import datetime as dt

import pytest

from credit import services
from credit.models import ChangeEvent
from credit.tests.factories import EnterpriseFactory, PenaltyFactory
from following import channels
from following.dispatch import alerts_dispatch
from following.models import Alert, Channel, DispatchCursor, Follow, Target

pytestmark = pytest.mark.django_db


def _penalty(enterprise, **kwargs):
    penalty = PenaltyFactory.build(enterprise=enterprise, source_agency=enterprise.registration_authority,
                                   publication_ends_on=None, **kwargs)
    return services.credit_object_save(obj=penalty, actor=None)


def _follow(n=[0], **kwargs):  # noqa: B006 - a counter for unique tokens
    n[0] += 1
    at = kwargs.pop("at")
    values = dict(channel=Channel.EMAIL, email=f"f{n[0]}@example.cn", token=f"token-{n[0]}",
                  created_at=at, confirmed_at=at)
    values.update(kwargs)
    return Follow.objects.create(**values)


@pytest.fixture
def delivered(monkeypatch):
    seen: list[int] = []
    monkeypatch.setitem(channels._CHANNELS, Channel.EMAIL, seen.extend)
    return seen


def test_an_enterprise_follow_hears_of_its_publications_and_removals_once(today, now, delivered,
                                                                        django_capture_on_commit_callbacks):
    enterprise, other = EnterpriseFactory(), EnterpriseFactory()
    follow = _follow(target=Target.ENTERPRISE, enterprise=enterprise, at=now)
    penalty = _penalty(enterprise)
    _penalty(other)
    services.published_record_withdraw(record=penalty, actor=None, reason="决定被撤销")
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_dispatch() == 3
    alerts = list(Alert.objects.filter(follow=follow).select_related("event"))
    assert [a.event.kind for a in alerts] == ["published", "withdrawn"]
    assert alerts[1].event.state is None  # the removal reaches the follower too
    assert sorted(delivered) == sorted(a.pk for a in alerts)
    # Run again, and with the cursor wound back (a task delivered twice): nothing twice.
    assert alerts_dispatch() == 0
    DispatchCursor.objects.update(last_sequence=0)
    assert alerts_dispatch() == 3
    assert Alert.objects.filter(follow=follow).count() == 2


def test_kinds_unconfirmed_ended_and_earlier_events_are_left_out(today, now, delivered):
    enterprise = EnterpriseFactory()
    early = _penalty(enterprise)
    start = ChangeEvent.objects.order_by("-sequence").first().sequence
    only_removals = _follow(target=Target.ENTERPRISE, enterprise=enterprise, kinds=["withdrawn", "removed"],
                            start_after=start, at=now)
    everything = _follow(target=Target.ENTERPRISE, enterprise=enterprise, start_after=start, at=now)
    unconfirmed = _follow(target=Target.ENTERPRISE, enterprise=enterprise, confirmed_at=None, at=now)
    ended = _follow(target=Target.ENTERPRISE, enterprise=enterprise, ended_at=now, at=now)
    _penalty(enterprise)
    services.published_record_withdraw(record=early, actor=None, reason="撤销")
    alerts_dispatch()
    assert [a.event.kind for a in Alert.objects.filter(follow=only_removals)] == ["withdrawn"]
    assert [a.event.kind for a in Alert.objects.filter(follow=everything)] == ["published", "withdrawn"]
    assert not Alert.objects.filter(follow__in=[unconfirmed, ended]).exists()


def test_a_list_follow_hears_of_its_entries_only(today, now, delivered):
    from listings.tests.factories import make_entry

    entry = make_entry(listed_on=today - dt.timedelta(days=3))
    make_entry(listed_on=today - dt.timedelta(days=3))  # on another list, or not followed
    follow = _follow(target=Target.LIST, credit_list=entry.credit_list, at=now)
    alerts_dispatch()
    addresses = [a.event.address for a in Alert.objects.filter(follow=follow).select_related("event")]
    assert entry.get_absolute_url() in addresses
    assert all(address.startswith(f"/lists/{entry.credit_list.code}/") for address in addresses)


def test_a_saved_search_follow_hears_of_the_enterprises_it_finds(today, now, delivered):
    found = EnterpriseFactory(name="杭州绿源环保科技有限公司")
    missed = EnterpriseFactory(name="成都蓝天餐饮管理有限公司")
    follow = _follow(target=Target.SEARCH, search={"q": "环保科技"}, search_label="环保科技", at=now)
    _penalty(found)
    _penalty(missed)
    alerts_dispatch()
    assert [a.event.enterprise_id for a in Alert.objects.filter(follow=follow).select_related("event")] == [found.pk]
