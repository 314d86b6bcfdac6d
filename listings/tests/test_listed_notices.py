"""The "listed" e-mail (listings/notices.py): one per entry and active liaison, whoever made the
entry, sent once however often the scan runs, set-based."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from credit.tests import factories as f
from listings import services
from listings.models import ListEntry
from listings.notices import listed_notices_queue
from listings.tasks import listed_notices_queue_task
from listings.tests.factories import make_entry
from portal.models import Notice
from portal.testing.tasks import tasks_in_process

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _tasks_in_process():
    # The services run configures a broker; the tasks these tests hand over still run here.
    with tasks_in_process():
        yield


def liaison(enterprise=None, *, email: str = "", active: bool = True):
    account = f.EnterpriseAccountFactory(enterprise=enterprise or f.EnterpriseFactory())
    account.user.email = email or f"{account.user.username}@example.cn"
    account.user.is_active = active
    account.user.save()
    return account


def test_a_manual_listing_mails_each_active_liaison_once(today, django_capture_on_commit_callbacks):
    account = liaison(email="liaison@example.cn")
    liaison(account.enterprise, email="revoked@example.cn", active=False)
    with django_capture_on_commit_callbacks(execute=True):  # list_entry_create hands the entry over
        entry = make_entry(list_code=services.ABNORMAL_OPERATIONS, enterprise=account.enterprise, listed_on=today)
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):  # the beat scan finds it recorded
        assert listed_notices_queue_task() == 0
        assert listed_notices_queue(entry_ids=[entry.pk]) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["liaison@example.cn"]
    assert Notice.objects.get().key == f"listings.listed:{entry.pk}:{account.user_id}"
    body = message.body
    entry = ListEntry.objects.select_related("credit_list", "reason").get(pk=entry.pk)
    for text in (account.enterprise.name, entry.credit_list.name, entry.reason.name, "30日内",
                 "within 30 days of publication", "/account/", entry.get_absolute_url()):
        assert text in body, text
    if entry.credit_list.removal_conditions:
        assert entry.credit_list.removal_conditions in body
    assert body.index("列入原因") < body.index("Reason:")  # Chinese first


def test_the_scan_mails_entries_made_without_the_service_hand_over(today, now):
    # The sweep writes entries set-based and hands nothing over: the scan finds them.
    accounts = [liaison() for _ in range(3)]
    entries = [make_entry(enterprise=a.enterprise, listed_on=today) for a in accounts]
    assert listed_notices_queue() == 3
    assert listed_notices_queue() == 0
    assert set(Notice.objects.values_list("key", flat=True)) == {
        f"listings.listed:{e.pk}:{a.user_id}" for e, a in zip(entries, accounts, strict=True)
    }


def test_old_and_ended_entries_are_not_mailed(today, now):
    old = liaison()
    make_entry(enterprise=old.enterprise, listed_on=today - dt.timedelta(days=30),
               published_at=now - dt.timedelta(days=30))
    removed = liaison()
    entry = make_entry(enterprise=removed.enterprise, listed_on=today)
    ListEntry.objects.filter(pk=entry.pk).update(state="removed")
    no_liaison = f.EnterpriseFactory()
    make_entry(enterprise=no_liaison, listed_on=today)
    assert listed_notices_queue() == 0


@pytest.mark.parametrize("enterprises", [1, 30])
def test_the_scan_costs_the_same_queries_for_1_and_30(enterprises, today, django_assert_num_queries):
    for _ in range(enterprises):
        make_entry(enterprise=liaison().enterprise, listed_on=today)
    # the missing e-mails (one SELECT), one INSERT, one SELECT of the new ids, the savepoint pair
    with django_assert_num_queries(5):
        assert listed_notices_queue() == enterprises
