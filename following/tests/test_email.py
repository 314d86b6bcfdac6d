"""Following by e-mail: double opt-in, unsubscribe (page and RFC 8058 one-click), alerts naming
the event and the follow, kinds, digests grouped per follow and day, exactly-once delivery, the
liaison's default follow, and the forms' errors naming their fields."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from credit import services as credit_services
from credit.models import ChangeEvent
from credit.tests.factories import EnterpriseFactory, PenaltyFactory
from following import email as mails
from following import services
from following.dispatch import alerts_dispatch
from following.models import Alert, Channel, Follow, Frequency, Target
from portal.audit import AuditEvent
from portal.models import Notice

pytestmark = pytest.mark.django_db


def _penalty(enterprise, **kwargs):
    penalty = PenaltyFactory.build(enterprise=enterprise, source_agency=enterprise.registration_authority,
                                   publication_ends_on=None, **kwargs)
    return credit_services.credit_object_save(obj=penalty, actor=None)


def _request(enterprise, email="reader@example.cn", **kwargs):
    values = dict(target=Target.ENTERPRISE, enterprise=enterprise, email=email, frequency=Frequency.IMMEDIATE,
                  kinds=[], ip="192.0.2.1", language="en")
    values.update(kwargs)
    return services.follow_request(**values).follow


def _confirmed(enterprise, **kwargs):
    return services.follow_confirm(follow=_request(enterprise, **kwargs))


def _alert_notices():
    return Notice.objects.filter(key__startswith="following.alert:").order_by("pk")


# --- double opt-in ------------------------------------------------------------------------------


def test_nothing_is_sent_before_confirmation_and_a_get_does_not_confirm(today):
    enterprise = EnterpriseFactory()
    client = Client()
    response = client.post(f"/follow/enterprises/{enterprise.uscc}/",
                           {"email": "Reader@Example.cn", "frequency": "immediate", "kinds": ["published"]},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    with translation.override("en"):
        assert "Check your e-mail" in response.content.decode()
    follow = Follow.objects.get()
    assert (follow.email, follow.confirmed_at, follow.kinds, follow.channel) == ("reader@example.cn", None,
                                                                                ["published"], Channel.EMAIL)
    confirmation = Notice.objects.get(key=f"following.confirm:{follow.pk}")
    assert f"/follow/confirm/{follow.token}/" in confirmation.body
    assert AuditEvent.objects.filter(action="following.follow.requested").count() == 1
    # An unconfirmed follow hears nothing.
    _penalty(enterprise)
    alerts_dispatch()
    assert not Alert.objects.exists() and not _alert_notices().exists()
    # A link scanner's GET shows the button and confirms nothing.
    page = client.get(f"/follow/confirm/{follow.token}/")
    assert page.status_code == 200 and b"<form" in page.content
    assert page["Referrer-Policy"] == "same-origin" and "no-store" in page["Cache-Control"]
    follow.refresh_from_db()
    assert follow.confirmed_at is None
    # The POST confirms, from the feed's head on: the penalty published before is not told.
    assert client.post(f"/follow/confirm/{follow.token}/").status_code == 200
    follow.refresh_from_db()
    assert follow.confirmed_at is not None
    assert follow.start_after == ChangeEvent.objects.order_by("-sequence").first().sequence
    assert client.post(f"/follow/confirm/{follow.token}/").status_code == 200  # twice: the same
    assert AuditEvent.objects.filter(action="following.follow.confirmed").count() == 1
    alerts_dispatch()
    assert not Alert.objects.exists()
    _penalty(enterprise)
    alerts_dispatch()
    assert Alert.objects.filter(follow=follow).count() == 1


def test_the_confirmation_mail_is_sent_once_through_the_worker(today, eager_celery,
                                                               django_capture_on_commit_callbacks):
    enterprise = EnterpriseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        follow = _request(enterprise)
    assert len(mail.outbox) == 1
    assert f"/follow/confirm/{follow.token}/" in mail.outbox[0].body
    assert enterprise.uscc in mail.outbox[0].subject


def test_an_address_already_following_is_not_duplicated_and_is_told(today):
    enterprise = EnterpriseFactory()
    follow = _confirmed(enterprise)
    again = services.follow_request(target=Target.ENTERPRISE, enterprise=enterprise, email="READER@example.cn",
                                    frequency="daily", kinds=[], ip=None, language="en")
    assert again.already and again.follow == follow
    assert Follow.objects.count() == 1
    told = Notice.objects.get(key__startswith="following.already:")
    assert f"/follow/manage/{follow.token}/" in told.body
    response = Client().post(f"/follow/enterprises/{enterprise.uscc}/",
                             {"email": "reader@example.cn", "frequency": "immediate"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    with translation.override("en"):
        assert b"already follows" not in response.content
    assert Follow.objects.count() == 1


def test_the_page_does_not_tell_whether_an_address_already_follows(today):
    """No enumeration: a new request and a repeated one show the same page; only the mail differs."""
    enterprise = EnterpriseFactory()
    _confirmed(enterprise, email="known@example.cn")

    def page(email):
        response = Client().post(f"/follow/enterprises/{enterprise.uscc}/",
                                 {"email": email, "frequency": "immediate"}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        return response.content.decode().replace(email, "ADDRESS")

    assert page("known@example.cn") == page("unknown@example.cn")
    assert Notice.objects.filter(key__startswith="following.already:", recipient="known@example.cn").exists()
    assert Notice.objects.filter(key__startswith="following.confirm:", recipient="unknown@example.cn").exists()


def test_requests_of_one_address_are_limited(today, settings):
    settings.FOLLOW_REQUESTS_PER_ADDRESS = 2
    enterprises = EnterpriseFactory.create_batch(3)
    _request(enterprises[0])
    _request(enterprises[1])
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _request(enterprises[2])
    assert "email" in refused.value.message_dict and "within the hour" in refused.value.message_dict["email"][0]
    response = Client().post(f"/follow/enterprises/{enterprises[2].uscc}/",
                             {"email": "reader@example.cn", "frequency": "immediate"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429 and b"within the hour" in response.content


# --- validation -------------------------------------------------------------------------------------


def test_bad_input_is_answered_with_the_field_and_the_rule(today):
    enterprise = EnterpriseFactory()
    client = Client()
    url = f"/follow/enterprises/{enterprise.uscc}/"
    with translation.override("en"):
        bad_email = client.post(url, {"email": "not-an-address", "frequency": "immediate"}, HTTP_ACCEPT_LANGUAGE="en")
        assert bad_email.status_code == 400 and b"E-mail address: enter a valid address" in bad_email.content
        bad_kind = client.post(url, {"email": "a@example.cn", "frequency": "immediate", "kinds": ["exploded"]},
                               HTTP_ACCEPT_LANGUAGE="en")
        assert bad_kind.status_code == 400 and b"Kinds of change: exploded is not a kind" in bad_kind.content
        bad_frequency = client.post(url, {"email": "a@example.cn", "frequency": "hourly"}, HTTP_ACCEPT_LANGUAGE="en")
        assert bad_frequency.status_code == 400
        with pytest.raises(ValidationError) as refused:
            services.kinds_clean(["published", "exploded"])
        assert "kinds" in refused.value.message_dict
    assert not Follow.objects.exists()
    assert client.get("/follow/enterprises/91110000600037341X/").status_code == 404  # fails the check digit
    assert client.get("/follow/enterprises/91110000MA0000000X/").status_code == 404
    assert client.get("/follow/lists/no-such-list/").status_code == 404
    assert client.get("/follow/confirm/no-such-token/").status_code == 404
    assert client.post("/follow/unsubscribe/no-such-token/").status_code == 404
    assert client.get("/follow/manage/no-such-token/").status_code == 404
    with translation.override("en"):
        too_short = client.get("/follow/search/?q=a", HTTP_ACCEPT_LANGUAGE="en")
    assert too_short.status_code == 400 and b"too short" in too_short.content


def test_a_saved_search_and_a_list_are_followed_from_their_pages(today):
    from listings.models import CreditList

    client = Client()
    response = client.post("/follow/search/?q=环保科技&status=active",
                           {"email": "s@example.cn", "frequency": "daily"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    follow = Follow.objects.get(target=Target.SEARCH)
    assert follow.search == {"q": "环保科技", "status": "active"}
    assert follow.search_label.startswith("环保科技 · ")
    credit_list = CreditList.objects.order_by("pk").first()
    assert client.get(f"/follow/lists/{credit_list.code}/").status_code == 200
    client.post(f"/follow/lists/{credit_list.code}/", {"email": "s@example.cn", "frequency": "immediate"})
    assert Follow.objects.get(target=Target.LIST).credit_list == credit_list


# --- alerts -----------------------------------------------------------------------------------------


def test_an_alert_names_the_event_and_the_follow_and_can_be_unsubscribed_in_one_click(today):
    enterprise = EnterpriseFactory(name="杭州绿源环保科技有限公司")
    follow = _confirmed(enterprise)
    penalty = _penalty(enterprise, document_number="杭市监罚〔2026〕88号")
    alerts_dispatch()  # the on_commit hand-over is not run in a test transaction: the channel is called here
    alert = Alert.objects.get(follow=follow)
    assert mails.deliver_new([alert.pk]) == 1
    notice = Notice.objects.get(key=f"following.alert:{alert.pk}")
    assert penalty.document_number in notice.subject and enterprise.uscc in notice.subject
    assert "published" in notice.body and "杭州绿源环保科技有限公司" in notice.body
    assert f"/enterprises/{enterprise.uscc}/#penalties" in notice.body
    since = timezone.localdate(follow.confirmed_at).isoformat()
    assert f"You receive this because you follow 杭州绿源环保科技有限公司 ({enterprise.uscc}) since {since}" in notice.body
    assert f"/follow/unsubscribe/{follow.token}/" in notice.body and f"/follow/manage/{follow.token}/" in notice.body
    assert notice.headers["List-Unsubscribe"].endswith(f"/follow/unsubscribe/{follow.token}/>")
    assert notice.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    alert.refresh_from_db()
    assert alert.delivered_at is not None
    # The unsubscribe page: GET asks, the mail client's one-click POST (no CSRF token) ends it.
    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/follow/unsubscribe/{follow.token}/")
    assert page.status_code == 200 and b"<form" in page.content and page["Referrer-Policy"] == "same-origin"
    follow.refresh_from_db()
    assert follow.ended_at is None
    one_click = client.post(f"/follow/unsubscribe/{follow.token}/", "List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded")
    assert one_click.status_code == 200
    follow.refresh_from_db()
    assert follow.ended_at is not None and follow.ended_reason == "one-click"
    assert client.post(f"/follow/unsubscribe/{follow.token}/", "List-Unsubscribe=One-Click",
                       content_type="application/x-www-form-urlencoded").status_code == 200  # again: the same
    assert AuditEvent.objects.filter(action="following.follow.ended").count() == 1
    assert Follow.objects.filter(pk=follow.pk).exists()  # never deleted
    _penalty(enterprise)
    alerts_dispatch()
    assert Alert.objects.filter(follow=follow).count() == 1


def test_the_alert_is_written_in_the_followers_language(today):
    enterprise = EnterpriseFactory()
    follow = _confirmed(enterprise, language="zh-hans")
    _penalty(enterprise)
    alerts_dispatch()
    mails.deliver_new(list(Alert.objects.values_list("pk", flat=True)))
    notice = Notice.objects.get(key__startswith="following.alert:")
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        assert gettext("Unsubscribe: %(url)s") % {"url": ""} in notice.body
    assert follow.token in notice.body


def test_exactly_once_when_the_channel_is_called_twice(today, eager_celery, django_capture_on_commit_callbacks):
    enterprise = EnterpriseFactory()
    follow = _confirmed(enterprise)
    _penalty(enterprise)
    _penalty(enterprise)
    alerts_dispatch()
    ids = list(Alert.objects.filter(follow=follow).values_list("pk", flat=True))
    assert len(ids) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert mails.deliver_new(ids) == 2
        assert mails.deliver_new(ids) == 0
        assert mails.deliver_new(ids + ids) == 0
    assert _alert_notices().count() == 2
    assert len([m for m in mail.outbox if m.to == [follow.email]]) == 2
    # The dispatcher's hand-over reaches the e-mail channel after commit (through the registry).
    _penalty(enterprise)
    with django_capture_on_commit_callbacks(execute=True):
        alerts_dispatch()
    assert _alert_notices().count() == 3


def test_kinds_choose_which_changes_are_mailed(today):
    enterprise = EnterpriseFactory()
    removals = _confirmed(enterprise, email="r@example.cn", kinds=["withdrawn"])
    everything = _confirmed(enterprise, email="e@example.cn")
    penalty = _penalty(enterprise)
    credit_services.published_record_withdraw(record=penalty, actor=None, reason="决定被撤销")
    alerts_dispatch()
    mails.deliver_new(list(Alert.objects.values_list("pk", flat=True)))
    assert Notice.objects.filter(key__startswith="following.alert:", recipient=removals.email).count() == 1
    assert "withdrawn" in Notice.objects.get(key__startswith="following.alert:", recipient=removals.email).body
    assert Notice.objects.filter(key__startswith="following.alert:", recipient=everything.email).count() == 2


# --- digests ---------------------------------------------------------------------------------------


def test_a_daily_follow_gets_one_digest_per_day_grouped_by_enterprise_and_kind(today, now, clock):
    found = EnterpriseFactory(name="杭州绿源环保科技有限公司")
    other = EnterpriseFactory(name="宁波绿源环保科技有限公司")
    follow = services.follow_confirm(follow=services.follow_request(
        target=Target.SEARCH, search={"q": "绿源环保"}, search_label="绿源环保", email="d@example.cn",
        frequency="daily", kinds=[], ip=None, language="en").follow)
    first = _penalty(found)
    _penalty(found)
    _penalty(other)
    credit_services.published_record_withdraw(record=first, actor=None, reason="撤销")
    alerts_dispatch()
    ids = list(Alert.objects.filter(follow=follow).values_list("pk", flat=True))
    assert len(ids) == 4
    assert mails.deliver_new(ids) == 0  # a daily follow's alerts wait for the digest
    clock.shift(dt.timedelta(minutes=5))
    assert mails.digests_send() == 1
    assert mails.digests_send() == 0  # run twice: still one
    digest = Notice.objects.get(key__startswith="following.digest:")
    assert digest.key == f"following.digest:{follow.pk}:{timezone.localdate().isoformat()}"
    assert "4 changes" in digest.subject
    body = digest.body
    assert body.index("== 杭州绿源环保科技有限公司") < body.index("-- published (2) --") < body.index(
        "-- withdrawn") < body.index("== 宁波绿源环保科技有限公司")
    assert "You receive this because you follow the search “绿源环保”" in body
    assert digest.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert set(Alert.objects.filter(follow=follow).values_list("digest_key", flat=True)) == {digest.key}
    # Later the same day: a new alert waits for the next day's digest.
    _penalty(found)
    alerts_dispatch()
    clock.shift(dt.timedelta(minutes=5))
    assert mails.digests_send() == 0
    assert Alert.objects.filter(follow=follow, delivered_at=None).count() == 1
    clock.shift(dt.timedelta(days=1))
    assert mails.digests_send() == 1
    assert Notice.objects.filter(key__startswith="following.digest:").count() == 2


def test_turning_a_daily_follow_to_immediate_sends_what_waits(today, django_capture_on_commit_callbacks):
    enterprise = EnterpriseFactory()
    follow = _confirmed(enterprise, frequency="daily")
    _penalty(enterprise)
    alerts_dispatch()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/follow/manage/{follow.token}/", {"frequency": "immediate", "kinds": ["published"]})
    assert response.status_code == 200 and response["Referrer-Policy"] == "same-origin"
    follow.refresh_from_db()
    assert (follow.frequency, follow.kinds) == ("immediate", ["published"])
    assert _alert_notices().count() == 1
    with translation.override("en"):
        bad = client.post(f"/follow/manage/{follow.token}/", {"frequency": "weekly"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400


# --- the liaison ------------------------------------------------------------------------------------


def test_an_activated_liaison_follows_their_enterprise_and_a_revoked_one_stops(today, personas):
    from credit import services as cs

    enterprise = personas.firm_b
    staff = personas.users["staff_b"]
    _, code = cs.activation_code_issue(enterprise=enterprise, actor=staff)
    with translation.override("en"):
        user = cs.enterprise_account_activate(enterprise=enterprise, code=code, username="liaison1",
                                              email="Liaison@Example.cn", password="a long pass phrase 42")
    follow = Follow.objects.get(account=user)
    assert (follow.target, follow.enterprise, follow.email, follow.frequency, follow.language) == (
        Target.ENTERPRISE, enterprise, "liaison@example.cn", Frequency.IMMEDIATE, "en")
    # The address was typed at activation, never proven: the follow waits for its confirmation.
    assert not follow.active and follow.confirmed_at is None
    confirm = Notice.objects.get(key=f"following.confirm:{follow.pk}")
    assert confirm.recipient == "liaison@example.cn"
    assert "Your enterprise login" in confirm.body and f"/follow/confirm/{follow.token}/" in confirm.body
    assert confirm.headers["List-Unsubscribe"].endswith(f"/follow/unsubscribe/{follow.token}/>")
    services.follow_confirm(follow=follow)
    follow.refresh_from_db()
    assert follow.active
    assert AuditEvent.objects.filter(action="following.follow.liaison_subscribed").count() == 1
    client = Client()
    client.force_login(user)
    with translation.override("en"):
        page = client.get("/account/", HTTP_ACCEPT_LANGUAGE="en")
        assert b"Your e-mail follows" in page.content
        assert f"/follow/manage/{follow.token}/".encode() in page.content
    cs.enterprise_account_revoke(account=user.enterprise_account, actor=staff, reason="离职")
    follow.refresh_from_db()
    assert follow.ended_at is not None and follow.ended_reason == "account revoked"


def test_a_liaison_confirmation_defaults_to_the_site_language(today, personas):
    from credit.models import EnterpriseAccount

    user = personas.users["staff_b"].__class__.objects.create(username="liaison2", email="l2@example.cn")
    account = EnterpriseAccount.objects.create(user=user, enterprise=personas.firm_b)
    follow = services.liaison_follow_create(account=account, email="l2@example.cn")
    assert follow.language == "zh-hans" and follow.confirmed_at is None
    assert "您企业" in Notice.objects.get(key=f"following.confirm:{follow.pk}").body


def test_confirming_a_second_request_for_the_same_target_adds_nothing(today):
    enterprise = EnterpriseFactory()
    first, second = _request(enterprise), _request(enterprise)
    assert services.follow_confirm(follow=first) == first
    assert services.follow_confirm(follow=second) == first
    second.refresh_from_db()
    assert second.ended_at is not None and second.confirmed_at is None
    assert Follow.objects.filter(confirmed_at__isnull=False, ended_at=None).count() == 1


def test_liaisons_activated_before_following_existed_are_subscribed_once(now, personas):
    """`manage.py liaisons_follow`: the logins of an installation upgraded to following get the
    follow an activation gives, with its confirmation mail; a second run, a revoked login, a login
    without an address and a liaison who ended their follow are left alone."""
    from io import StringIO

    from django.core.management import call_command

    from credit.models import EnterpriseAccount
    from credit.tests.factories import UserFactory

    def login(name, email, enterprise, **extra):
        return EnterpriseAccount.objects.create(user=UserFactory(username=name, email=email),
                                                enterprise=enterprise, **extra)

    old = login("old_liaison", "old@example.cn", EnterpriseFactory())
    login("no_address", "", EnterpriseFactory())
    login("revoked", "gone@example.cn", EnterpriseFactory(), revoked_at=now)
    unsubscribed = login("unsubscribed", "quit@example.cn", EnterpriseFactory())
    ended = services.liaison_follow_create(account=unsubscribed, email="quit@example.cn")
    services.follow_end(follow=ended, reason="unsubscribed")
    # An address that followed the enterprise publicly and then unsubscribed is not mailed again.
    public = login("public_first", "Public@Example.cn", EnterpriseFactory())
    earlier = _request(public.enterprise, email="public@example.cn")
    services.follow_end(follow=earlier, reason="unsubscribed")
    existing = Follow.objects.filter(account__isnull=False).count()

    out = StringIO()
    call_command("liaisons_follow", "--dry-run", stdout=out)
    assert out.getvalue().startswith("1 liaison login(s) would follow")
    call_command("liaisons_follow", "--quiet-progress", stdout=StringIO())
    follow = Follow.objects.get(account=old.user)
    assert (follow.target, follow.enterprise_id, follow.email, follow.confirmed_at) == (
        Target.ENTERPRISE, old.enterprise_id, "old@example.cn", None)
    assert Notice.objects.filter(key=f"following.confirm:{follow.pk}").count() == 1
    call_command("liaisons_follow", "--quiet-progress", stdout=StringIO())
    assert Follow.objects.filter(account__isnull=False).count() == existing + 1


def test_the_demo_gives_each_liaison_a_follow_of_their_enterprise_once(personas):
    from io import StringIO

    from following.demo import seed_demo_data

    seed_demo_data(seed=1, stdout=StringIO())
    seed_demo_data(seed=1, stdout=StringIO())
    for name, firm in (("enterprise_a", personas.firm_a), ("enterprise_b", personas.firm_b)):
        follow = Follow.objects.get(account=personas.users[name])
        assert follow.enterprise == firm and follow.active and follow.email


# --- review fixes: subjects on one line, headers on every mail, lost hand-overs -----------------


def test_a_newline_in_a_staff_typed_name_is_collapsed_in_the_subject(today, eager_celery,
                                                                     django_capture_on_commit_callbacks):
    enterprise = EnterpriseFactory(name="杭州\n某某\r\n科技\t有限公司")
    with django_capture_on_commit_callbacks(execute=True):
        follow = _confirmed(enterprise)
    confirm = Notice.objects.get(key=f"following.confirm:{follow.pk}")
    _penalty(enterprise, document_number="杭市监罚〔2026〕\n9号")
    alerts_dispatch()
    with django_capture_on_commit_callbacks(execute=True):
        assert mails.deliver_new(list(Alert.objects.values_list("pk", flat=True))) == 1
    alert = _alert_notices().get()
    for notice in (confirm, alert):
        assert "\n" not in notice.subject and "\r" not in notice.subject and "\t" not in notice.subject
        assert "杭州 某某 科技 有限公司" in notice.subject
    assert "杭市监罚〔2026〕 9号" in alert.subject
    assert mails.subject_clean(" a\u2028b\x00\x07  c\n") == "a b c"
    assert len(mail.outbox) == 2  # sent, no BadHeaderError
    assert all("\n" not in message.subject for message in mail.outbox)


def test_the_confirmation_mail_carries_the_unsubscribe_headers_that_end_the_pending_follow(
        today, eager_celery, django_capture_on_commit_callbacks):
    enterprise = EnterpriseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        follow = _request(enterprise)
    notice = Notice.objects.get(key=f"following.confirm:{follow.pk}")
    assert notice.headers["List-Unsubscribe"].endswith(f"/follow/unsubscribe/{follow.token}/>")
    assert notice.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.outbox[0].extra_headers["List-Unsubscribe"] == notice.headers["List-Unsubscribe"]
    response = Client().post(f"/follow/unsubscribe/{follow.token}/", "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    follow.refresh_from_db()
    assert follow.ended_at is not None and follow.ended_reason == "one-click"


def test_the_minutely_dispatch_hands_over_immediate_alerts_whose_hand_over_was_lost(today, clock):
    from following.tasks import alerts_dispatch_task

    enterprise = EnterpriseFactory()
    follow = _confirmed(enterprise)
    daily = _confirmed(enterprise, email="daily@example.cn", frequency=Frequency.DAILY)
    _penalty(enterprise)
    alerts_dispatch()  # records the alerts; the hand-over after commit is lost (no channel call here)
    Alert.objects.update(delivered_at=None)
    Notice.objects.filter(key__startswith="following.alert:").delete()
    assert mails.stale_deliver() == 0  # younger than a minute: the hand-over may still come
    clock.shift(dt.timedelta(seconds=61))
    alerts_dispatch_task()
    alerts_dispatch_task()  # twice: still one mail
    assert list(_alert_notices().values_list("recipient", flat=True)) == [follow.email]
    assert Alert.objects.get(follow=follow).delivered_at is not None
    assert Alert.objects.get(follow=daily).delivered_at is None  # the daily one waits for its digest
    assert mails.stale_deliver(limit=0) == 0


def test_two_requests_confirmed_at_once_make_one_active_follow_when_the_locks_serialize(today):
    """follow_confirm locks every follow of the address and target before looking for an active one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enterprise = EnterpriseFactory()
    first, second = _request(enterprise), _request(enterprise)
    with CaptureQueriesContext(connection) as queries:
        services.follow_confirm(follow=first)
    if connection.features.has_select_for_update:
        locks = [q["sql"] for q in queries if "FOR UPDATE" in q["sql"]]
        assert locks and '"email"' in locks[0] and '"enterprise_id"' in locks[0]
    assert services.follow_confirm(follow=second) == first
    assert Follow.objects.filter(confirmed_at__isnull=False, ended_at=None).count() == 1
