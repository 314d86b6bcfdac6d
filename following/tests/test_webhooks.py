"""Webhooks: the signature (recomputed independently from docs/webhooks.md's recipe), retries with
exponential backoff against a local server, no redirect followed, exactly one request for a task
run twice, nothing to a disabled endpoint, and the refused addresses (SSRF)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import socket

import pytest
from django.test import TestCase
from django.utils import timezone, translation

from credit import services
from credit.models import ChangeEvent
from credit.tests.factories import EnterpriseFactory, PenaltyFactory
from following import webhooks
from following.dispatch import alerts_dispatch
from following.models import Alert, Target, WebhookAttempt, WebhookDelivery
from following.tasks import webhook_deliver_task
from following.tests.receivers import start_receiver
from portal.api_keys import key_hash, key_new
from portal.models import ApiKey

pytestmark = pytest.mark.django_db


def make_key(now):
    key = key_new()
    api_key = ApiKey.objects.create(email="dev@example.cn", key_hash=key_hash(key), key_prefix=key[:12],
                                    requested_at=now, confirmed_at=now)
    return api_key, key


def penalty(enterprise):
    record = PenaltyFactory.build(enterprise=enterprise, source_agency=enterprise.registration_authority,
                                  publication_ends_on=None)
    return services.credit_object_save(obj=record, actor=None)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_LOCAL = True
    received, server = start_receiver()
    yield received
    server.shutdown()
    server.server_close()


@pytest.fixture
def queued(monkeypatch):
    """The delivery ids handed to the broker (the tests run the deliveries themselves)."""
    seen: list[int] = []
    monkeypatch.setattr(webhooks, "deliveries_queue", lambda ids: seen.extend(ids) or len(ids))
    return seen


def followed_event(now, url, **follow):
    """An endpoint and an enterprise follow of it, a publication, its alert and its delivery."""
    api_key, _key = make_key(now)
    endpoint = webhooks.webhook_endpoint_create(api_key=api_key, url=url)
    enterprise = EnterpriseFactory()
    follow = webhooks.webhook_follow_create(endpoint=endpoint, target=Target.ENTERPRISE, enterprise=enterprise,
                                            **follow)
    penalty(enterprise)
    alerts_dispatch()
    alert_ids = list(Alert.objects.filter(follow=follow).values_list("pk", flat=True))
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhooks.deliver_new(alert_ids)
    return endpoint, follow, list(WebhookDelivery.objects.filter(alert_id__in=alert_ids))


def verify(secret: str, headers: dict[str, str], body: bytes, now_seconds: int) -> bool:
    """The receiver's check, written from docs/webhooks.md alone (standard library)."""
    msg_id, stamp, signatures = headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"]
    if abs(now_seconds - int(stamp)) > 5 * 60:
        return False
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(part.split(",", 1)[1], expected) for part in signatures.split(" ")
               if part.startswith("v1,"))


def test_a_delivery_is_signed_as_documented_and_names_the_event_and_the_follow(now, receiver, queued):
    endpoint, follow, [delivery] = followed_event(now, receiver.url)
    assert queued == [delivery.pk] and delivery.message_id == f"msg_{delivery.alert_id}"
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is True
    [request] = receiver.requests
    assert request.headers["webhook-id"] == delivery.message_id
    assert request.headers["content-type"] == "application/json"
    assert verify(endpoint.secret, request.headers, request.body, int(timezone.now().timestamp()))
    # A changed body, another secret or an old timestamp fail the same check.
    assert not verify(endpoint.secret, request.headers, request.body + b" ", int(timezone.now().timestamp()))
    assert not verify(webhooks.secret_new(), request.headers, request.body, int(timezone.now().timestamp()))
    assert not verify(endpoint.secret, request.headers, request.body, int(timezone.now().timestamp()) + 301)
    body = json.loads(request.body)
    event = ChangeEvent.objects.get(pk=delivery.alert.event_id)
    assert body["type"] == "change.published"
    assert body["data"]["event"]["sequence"] == event.sequence and body["data"]["event"]["hash"] == event.hash
    assert body["data"]["follow"] == {"id": follow.pk, "target": "enterprise", "enterprise": follow.enterprise.uscc,
                                      "list": None, "search": None, "kinds": []}
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 1
    assert Alert.objects.get(pk=delivery.alert_id).delivered_at is not None


WORKED_SECRET = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
WORKED_BODY = (b'{"data":{"event":{"sequence":1},"follow":{"id":7}},"timestamp":"2026-11-16T02:00:00.000000Z",'
               b'"type":"change.published"}')
WORKED_SIGNATURE = "v1,IpCMF5p/RmLPsyOZBBTpdTQRxAqBg4JgYB+2TOAbmcM="


def test_the_worked_example_of_docs_webhooks_md():
    assert webhooks.signature(secret=WORKED_SECRET, message_id="msg_42", timestamp=1795312800,
                              body=WORKED_BODY) == WORKED_SIGNATURE
    assert verify(WORKED_SECRET, {"webhook-id": "msg_42", "webhook-timestamp": "1795312800",
                                  "webhook-signature": WORKED_SIGNATURE}, WORKED_BODY, 1795312800)
    assert len(base64.b64decode(webhooks.secret_new().removeprefix("whsec_"))) == 32


def test_retries_back_off_then_deliver(now, receiver, queued, clock):
    receiver.statuses[:] = [500, 503]
    _endpoint, _follow, [delivery] = followed_event(now, receiver.url)
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    first_wait = delivery.next_attempt_at - timezone.now()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert dt.timedelta(seconds=25) < first_wait <= dt.timedelta(seconds=30)
    # Not due yet: the task (or the sweep) sends nothing.
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    assert len(receiver.requests) == 1
    assert webhooks.webhooks_retry() == 0
    clock.shift(dt.timedelta(seconds=31))
    assert webhooks.webhooks_retry() == 1 and queued[-1] == delivery.pk
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert dt.timedelta(seconds=115) < delivery.next_attempt_at - timezone.now() <= dt.timedelta(seconds=120)
    clock.shift(dt.timedelta(seconds=121))
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is True
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3 and delivery.next_attempt_at is None
    log = list(WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True))
    assert log == [500, 503, 200]
    # Every retry carries the same webhook-id and body, signed with its own timestamp.
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1


def test_the_last_failure_is_final_and_a_redirect_is_not_followed(now, receiver, queued):
    receiver.statuses[:] = [302]
    _endpoint, _follow, [delivery] = followed_event(now, receiver.url)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempts=webhooks.MAX_ATTEMPTS - 1)
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.next_attempt_at is None
    assert WebhookAttempt.objects.get(delivery=delivery).status_code == 302
    assert len(receiver.requests) == 1
    assert webhooks.webhooks_retry() == 0


def test_an_unreachable_endpoint_is_an_attempt_with_its_error(now, settings, queued):
    settings.WEBHOOK_ALLOW_LOCAL = True
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    _endpoint, _follow, [delivery] = followed_event(now, f"http://127.0.0.1:{port}/hook")
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None and attempt.error
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "pending"


def test_the_task_run_twice_sends_once(now, receiver, queued):
    _endpoint, _follow, [delivery] = followed_event(now, receiver.url)
    webhook_deliver_task.apply(args=[delivery.pk])
    webhook_deliver_task.apply(args=[delivery.pk])
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhooks.deliver_new([delivery.alert_id])  # the hand-over again: no second delivery, nothing queued
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.filter(alert_id=delivery.alert_id).count() == 1
    assert queued == [delivery.pk]
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1


def test_nothing_goes_to_a_disabled_endpoint(now, receiver, queued):
    endpoint, follow, [delivery] = followed_event(now, receiver.url)
    webhooks.webhook_endpoint_disable(endpoint=endpoint)
    follow.refresh_from_db()
    assert follow.ended_at is not None  # its follows end with it
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    assert receiver.requests == []
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "failed"
    # An alert recorded for it meanwhile gets no delivery at all.
    penalty(follow.enterprise)
    other = Alert.objects.create(follow=follow, event=ChangeEvent.objects.order_by("sequence").last(),
                                 created_at=timezone.now())
    webhooks.deliver_new([other.pk])
    assert not WebhookDelivery.objects.filter(alert=other).exists()


@pytest.mark.parametrize("url", [
    "http://example.cn/hook",  # not TLS
    "ftp://example.cn/hook",
    "https://localhost/hook",
    "https://127.0.0.1/hook",
    "https://[::1]/hook",
    "https://10.1.2.3/hook",
    "https://192.168.0.10/hook",
    "https://172.16.5.4/hook",
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "https://100.64.0.1/hook",  # shared address space
    "https://[fe80::1]/hook",
    "https://[::ffff:10.0.0.1]/hook",
    "https://0.0.0.0/hook",
    "https://user:secret@example.cn/hook",
    "https:///hook",
    "not a url",
])
def test_refused_addresses(settings, url):
    settings.WEBHOOK_ALLOW_LOCAL = False
    assert webhooks.url_problem(url, resolve=False)


def test_a_name_resolving_to_a_private_address_is_refused(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_LOCAL = False
    answers = {"inside.example.cn": "10.0.0.7", "outside.example.cn": "203.0.113.9"}
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *args, **kwargs: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], 443))])
    with translation.override("en"):
        assert "resolves" in webhooks.url_problem("https://inside.example.cn/hook")
    # 203.0.113.0/24 is documentation space: not global either.
    assert webhooks.url_problem("https://outside.example.cn/hook")
    answers["outside.example.cn"] = "93.184.216.34"
    assert webhooks.url_problem("https://outside.example.cn/hook") is None


def test_local_addresses_only_with_the_setting(settings):
    settings.WEBHOOK_ALLOW_LOCAL = True
    assert webhooks.url_problem("http://127.0.0.1:8000/hook") is None
    assert webhooks.url_problem("http://localhost:8000/hook") is None
    assert webhooks.url_problem("http://10.0.0.1/hook")  # other private addresses stay refused
    settings.WEBHOOK_ALLOW_LOCAL = False
    assert webhooks.url_problem("http://127.0.0.1:8000/hook")


def test_an_endpoint_that_became_private_is_not_called(now, receiver, queued, settings):
    _endpoint, _follow, [delivery] = followed_event(now, receiver.url)
    settings.WEBHOOK_ALLOW_LOCAL = False  # checked again before every call
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    assert receiver.requests == []
    assert WebhookAttempt.objects.get(delivery=delivery).error.startswith("refused")


def test_kinds_and_follow_start(now, receiver, queued):
    enterprise = EnterpriseFactory()
    earlier = penalty(enterprise)
    api_key, _key = make_key(now)
    endpoint = webhooks.webhook_endpoint_create(api_key=api_key, url=receiver.url)
    follow = webhooks.webhook_follow_create(endpoint=endpoint, target=Target.ENTERPRISE, enterprise=enterprise,
                                            kinds=["withdrawn"])
    assert follow.start_after == ChangeEvent.objects.order_by("-sequence").first().sequence
    assert follow.confirmed_at is not None
    penalty(enterprise)
    services.published_record_withdraw(record=earlier, actor=None, reason="撤销")
    alerts_dispatch()
    assert [a.event.kind for a in Alert.objects.filter(follow=follow).select_related("event")] == ["withdrawn"]
    with pytest.raises(webhooks.WebhookInputError) as refused:
        webhooks.webhook_follow_create(endpoint=endpoint, target=Target.ENTERPRISE, enterprise=enterprise,
                                       kinds=["deleted"])
    assert refused.value.field == "kinds"


# --- review fixes: DNS rebinding, ended follows and revoked keys, lost hand-overs, caps,
# disable, the total deadline, NAT64 / 6to4 -------------------------------------------------------


class Listener:
    """A raw TCP listener on 127.0.0.1 recording every connection it accepts (anything reaching
    127.0.0.1, whatever it speaks)."""

    def __init__(self, answer=None):
        import threading

        self.accepted: list[tuple] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.answer = answer
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            self.accepted.append(peer)
            try:
                if self.answer:
                    self.answer(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def close(self):
        self.sock.close()


def test_dns_rebinding_reaches_nothing_private(now, receiver, queued, settings, monkeypatch):
    """The name answers a public address to the check and 127.0.0.1 to a second resolution:
    the call goes to the checked address, so nothing reaches 127.0.0.1."""
    listener = Listener()
    endpoint, _follow, [delivery] = followed_event(now, receiver.url)
    endpoint.url = f"https://rebind.example.cn:{listener.port}/hook"
    endpoint.save(update_fields=["url"])
    settings.WEBHOOK_ALLOW_LOCAL = False
    settings.WEBHOOK_TIMEOUT_SECONDS = 2
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1", "127.0.0.1"])
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.create_connection

    def resolver(host, port, *args, **kwargs):
        if host != "rebind.example.cn":
            return real_getaddrinfo(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    connected = []

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        if address[0] == "93.184.216.34":
            raise ConnectionRefusedError("no network in the tests")
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    try:
        assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    finally:
        listener.close()
    assert listener.accepted == []
    assert connected == [("93.184.216.34", listener.port)]
    assert "ConnectionRefusedError" in WebhookAttempt.objects.get(delivery=delivery).error


def test_the_pinned_connection_keeps_the_host_name_for_the_host_header_and_tls(receiver):
    port = receiver.url.split(":")[2].split("/")[0]
    status, error = webhooks._post(f"http://hook.example.cn:{port}/hook?x=1", b"{}", {"X-Test": "1"},
                                   address="127.0.0.1")
    assert (status, error) == (200, "")
    assert receiver.requests[0].headers["host"] == f"hook.example.cn:{port}"
    assert receiver.requests[0].path == "/hook?x=1"

    class Context:
        verify_mode, check_hostname, post_handshake_auth = None, True, None

        def wrap_socket(self, sock, server_hostname=None, **kwargs):
            self.server_hostname = server_hostname
            sock.close()
            raise OSError("stop here")

    context = Context()
    connection = webhooks.PinnedHTTPSConnection("hook.example.cn", int(port), address="127.0.0.1", context=context,
                                                timeout=2)
    with pytest.raises(OSError):
        connection.connect()
    assert context.server_hostname == "hook.example.cn"  # SNI and the certificate's name


def test_the_whole_call_has_one_deadline(receiver, settings):
    """An endpoint answering byte by byte (each within the socket timeout) is cut off at the deadline."""
    import time

    def drip(conn):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 60\r\n\r\n")
        for _ in range(60):
            conn.sendall(b"x")
            time.sleep(0.05)

    listener = Listener(answer=drip)
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()
    try:
        status, error = webhooks._post(f"http://127.0.0.1:{listener.port}/hook", b"{}", {}, address="127.0.0.1")
    finally:
        listener.close()
    assert time.monotonic() - started < 1.5
    assert status is None and error.startswith("TimeoutError")


def test_the_resolution_is_bounded_too(settings, monkeypatch):
    import time

    settings.WEBHOOK_ALLOW_LOCAL = False
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.2
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: time.sleep(1) or [])
    started = time.monotonic()
    with translation.override("en"):
        assert "does not resolve" in webhooks.url_problem("https://slow.example.cn/hook")
    assert time.monotonic() - started < 0.8


@pytest.mark.parametrize("url", [
    "https://[64:ff9b::a00:1]/hook",  # NAT64 of 10.0.0.1
    "https://[64:ff9b::7f00:1]/hook",  # NAT64 of 127.0.0.1
    "https://[64:ff9b::a9fe:a9fe]/hook",  # NAT64 of 169.254.169.254
    "https://[64:ff9b:1::a00:1]/hook",  # local-use NAT64
    "https://[2002:a00:1::1]/hook",  # 6to4 of 10.0.0.1
    "https://[2002:7f00:1::1]/hook",  # 6to4 of 127.0.0.1
    "https://[2002:c0a8:1::1]/hook",  # 6to4 of 192.168.0.1
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo
])
def test_ipv6_wrapping_a_private_ipv4_is_refused(settings, url):
    settings.WEBHOOK_ALLOW_LOCAL = False
    assert webhooks.url_problem(url, resolve=False)


def test_ipv6_wrapping_a_public_ipv4_is_allowed(settings):
    settings.WEBHOOK_ALLOW_LOCAL = False
    assert webhooks.url_problem("https://[64:ff9b::5db8:d822]/hook", resolve=False) is None
    assert webhooks.url_problem("https://[2002:5db8:d822::1]/hook", resolve=False) is None


def test_nothing_goes_for_an_ended_follow(now, receiver, queued):
    _endpoint, follow, [delivery] = followed_event(now, receiver.url)
    webhooks.webhook_follow_end(follow=follow)
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == 0 and delivery.next_attempt_at is None
    [log] = WebhookAttempt.objects.filter(delivery=delivery)
    assert log.error == webhooks.NOT_SENT_FOLLOW_ENDED and log.status_code is None
    # An alert of the ended follow gets no delivery at all.
    penalty(follow.enterprise)
    other = Alert.objects.create(follow=follow, event=ChangeEvent.objects.order_by("sequence").last(),
                                 created_at=timezone.now())
    webhooks.deliver_new([other.pk])
    assert not WebhookDelivery.objects.filter(alert=other).exists()


def test_nothing_goes_once_the_key_is_revoked_even_before_its_endpoints_are_disabled(now, receiver, queued):
    endpoint, _follow, [delivery] = followed_event(now, receiver.url)
    ApiKey.objects.filter(pk=endpoint.api_key_id).update(revoked_at=now)  # the signal's receiver not run
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    assert receiver.requests == []
    assert WebhookAttempt.objects.get(delivery=delivery).error == webhooks.NOT_SENT_KEY_REVOKED
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "failed"


def test_revoking_the_key_disables_its_endpoints(now, receiver, queued):
    from portal.audit import AuditEvent
    from portal.services import api_key_revoke

    endpoint, follow, [delivery] = followed_event(now, receiver.url)
    key = key_new()  # the holder's key (followed_event keeps none)
    ApiKey.objects.filter(pk=endpoint.api_key_id).update(key_hash=key_hash(key))
    api_key_revoke(key=key)
    endpoint.refresh_from_db()
    follow.refresh_from_db()
    assert endpoint.disabled_at is not None
    assert follow.ended_at is not None and "revoked" in follow.ended_reason
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == "failed"
    event = AuditEvent.objects.get(action="following.webhook_endpoint.disabled")
    assert event.payload["follows_ended"] == 1 and event.payload["deliveries_failed"] == 1
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is False
    assert receiver.requests == []


def test_disabling_fails_the_pending_deliveries_and_ends_the_follows_with_a_reason(now, receiver, queued):
    from portal.audit import AuditEvent

    endpoint, follow, [delivery] = followed_event(now, receiver.url)
    webhooks.webhook_endpoint_disable(endpoint=endpoint)
    delivery.refresh_from_db()
    follow.refresh_from_db()
    assert delivery.status == "failed" and delivery.next_attempt_at is None  # at once, not at the next attempt
    assert WebhookAttempt.objects.get(delivery=delivery).error == webhooks.NOT_SENT_ENDPOINT_DISABLED
    assert follow.ended_at is not None and follow.ended_reason
    [event] = AuditEvent.objects.filter(action="following.webhook_endpoint.disabled")
    assert event.payload["follows_ended"] == 1 and event.payload["deliveries_failed"] == 1
    webhooks.webhook_endpoint_disable(endpoint=endpoint)  # twice: no change, no second event
    assert AuditEvent.objects.filter(action="following.webhook_endpoint.disabled").count() == 1


def test_the_sweep_delivers_alerts_whose_hand_over_was_lost(now, receiver, queued):
    api_key, _key = make_key(now)
    endpoint = webhooks.webhook_endpoint_create(api_key=api_key, url=receiver.url)
    enterprise = EnterpriseFactory()
    follow = webhooks.webhook_follow_create(endpoint=endpoint, target=Target.ENTERPRISE, enterprise=enterprise)
    penalty(enterprise)
    alerts_dispatch()  # the on-commit hand-over never runs here: the alert has no delivery
    [alert] = Alert.objects.filter(follow=follow)
    assert not WebhookDelivery.objects.filter(alert=alert).exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhooks.webhooks_retry(now=alert.created_at + dt.timedelta(seconds=30))
    assert not WebhookDelivery.objects.filter(alert=alert).exists()  # too young: the hand-over may be under way
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhooks.webhooks_retry(now=alert.created_at + dt.timedelta(seconds=61))
    delivery = WebhookDelivery.objects.get(alert=alert)
    assert queued == [delivery.pk]
    assert webhooks.webhook_deliver(delivery_id=delivery.pk) is True
    assert len(receiver.requests) == 1
    with TestCase.captureOnCommitCallbacks(execute=True):
        webhooks.webhooks_retry(now=alert.created_at + dt.timedelta(seconds=120))
    assert queued == [delivery.pk]  # delivered: not again


def test_caps_per_key(now, settings):
    settings.WEBHOOK_ALLOW_LOCAL = True
    settings.WEBHOOK_MAX_ENDPOINTS, settings.WEBHOOK_MAX_FOLLOWS = 2, 2
    api_key, _key = make_key(now)
    first = webhooks.webhook_endpoint_create(api_key=api_key, url="http://127.0.0.1:9/a")
    webhooks.webhook_endpoint_create(api_key=api_key, url="http://127.0.0.1:9/b")
    with pytest.raises(webhooks.WebhookInputError) as refused, translation.override("en"):
        webhooks.webhook_endpoint_create(api_key=api_key, url="http://127.0.0.1:9/c")
    assert refused.value.field == "url" and "at most 2" in refused.value.message
    one, two, three = EnterpriseFactory.create_batch(3)
    webhooks.webhook_follow_create(endpoint=first, target=Target.ENTERPRISE, enterprise=one)
    ended = webhooks.webhook_follow_create(endpoint=first, target=Target.ENTERPRISE, enterprise=two)
    with pytest.raises(webhooks.WebhookInputError) as refused, translation.override("en"):
        webhooks.webhook_follow_create(endpoint=first, target=Target.ENTERPRISE, enterprise=three)
    assert refused.value.field == "endpoint" and "at most 2 active" in refused.value.message
    webhooks.webhook_follow_end(follow=ended)  # an ended follow does not count
    webhooks.webhook_follow_create(endpoint=first, target=Target.ENTERPRISE, enterprise=three)
    webhooks.webhook_endpoint_disable(endpoint=first)  # nor does a disabled endpoint
    webhooks.webhook_endpoint_create(api_key=api_key, url="http://127.0.0.1:9/c")
