"""Following by webhook: an API-key holder's endpoints and follows, and the signed, retried,
logged delivery of each alert exactly once (docs/webhooks.md).

Writes (`<thing>_<verb>`, keyword-only, atomic, one audit event each): `webhook_endpoint_create`,
`webhook_endpoint_disable`, `webhook_follow_create`, `webhook_follow_end`.

Delivery. The dispatcher (following/dispatch.py) hands the new alerts of webhook follows to
`deliver_new`, which records one `WebhookDelivery` per alert (unique on the alert; its
`message_id`, `msg_<alert id>`, is the Standard Webhooks `webhook-id` of every attempt) and
queues `following.webhook_deliver` for each. The task locks the delivery's row
(select_for_update) while it calls the endpoint, so a task delivered twice, or the retry sweep
meeting it, finds the delivery done or not yet due and sends nothing. Each call is one
`WebhookAttempt`; a 2xx ends it (`delivered`); anything else schedules the next attempt after
RETRY_DELAYS and, after MAX_ATTEMPTS, gives up (`failed`). The beat task `following.webhooks_retry`
queues the due deliveries every minute.

Signature (Standard Webhooks, v1): `webhook-signature: v1,<base64 HMAC-SHA256>` over
`<webhook-id>.<webhook-timestamp>.<body>` with the secret's bytes (the base64 after `whsec_`).

Addresses. Endpoints are https URLs whose host resolves to public addresses only: loopback,
private, link-local, shared, reserved and multicast addresses are refused (SSRF), when the
endpoint is registered and again before every call (the name may resolve elsewhere by then);
the call connects to the address checked (`url_check`, `PinnedHTTPSConnection`), never to a new
resolution (DNS rebinding). IPv6 wrapping IPv4 (mapped, NAT64, 6to4) is judged by the IPv4.
With WEBHOOK_ALLOW_LOCAL (by default DEBUG) http and https to 127.0.0.1 / localhost / ::1 are
allowed, for development and tests. Redirects are never followed; the whole call (resolution
included) has WEBHOOK_TIMEOUT_SECONDS.

Nothing is sent for an ended follow, a disabled endpoint or a revoked key (the delivery fails,
its log says why); a revoked key's endpoints are disabled (portal.api_keys.api_key_revoked).
Caps per key: WEBHOOK_MAX_ENDPOINTS enabled endpoints, WEBHOOK_MAX_FOLLOWS active follows.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from following.models import Alert, Channel, Follow, Target, WebhookAttempt, WebhookDelivery, WebhookEndpoint

logger = logging.getLogger("following.webhooks")

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
# Seconds after the n-th failed attempt before the next: 30 s, 2 min, 8 min, 32 min, 2 h 8 min,
# 8 h 32 min, 34 h 8 min; the 8th failure is final.
RETRY_DELAYS = tuple(30 * 4**n for n in range(7))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Deliveries queued per run of the retry sweep.
SWEEP_BATCH = 500
USER_AGENT = "NECIPS-portal-webhooks/1"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


# --- signing --------------------------------------------------------------------------------


def secret_new() -> str:
    """A new signing secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header's value: `v1,` + base64(HMAC-SHA256(key, id.timestamp.body))."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


# --- addresses (SSRF) ------------------------------------------------------------------------


def _local_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_LOCAL", False))


# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052 / RFC 8215):
# the wrapped address is checked instead.
NAT64_NETWORKS = (ipaddress.IPv6Network("64:ff9b::/96"),)
# Refused outright: local-use NAT64 (RFC 8215) and Teredo (its client address is obfuscated).
REFUSED_NETWORKS = (ipaddress.IPv6Network("64:ff9b:1::/48"), ipaddress.IPv6Network("2001::/32"))


def _public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in REFUSED_NETWORKS):
            return False
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:  # 2002::/16 wraps an IPv4 address
            ip = ip.sixtofour
        elif any(ip in network for network in NAT64_NETWORKS):
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.is_global and not ip.is_multicast


def _resolve(host: str, port: int) -> list:
    """getaddrinfo bounded by WEBHOOK_TIMEOUT_SECONDS (a resolver that hangs is a failure)."""
    result: dict[str, Any] = {}

    def run():
        try:
            result["infos"] = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as error:
            result["error"] = error

    worker = threading.Thread(target=run, daemon=True, name="webhook-resolve")
    worker.start()
    worker.join(settings.WEBHOOK_TIMEOUT_SECONDS)
    if "infos" not in result:
        raise result.get("error") or TimeoutError("the host name did not resolve in time")
    return result["infos"]


def url_problem(url: str, *, resolve: bool = True) -> str | None:
    """Why `url` may not receive webhooks (None: it may). `resolve`: check what the host resolves to."""
    return url_check(url, resolve=resolve)[0]


def url_check(url: str, *, resolve: bool = True) -> tuple[str | None, str | None]:
    """(why `url` may not receive webhooks, None) or (None, the checked address to connect to).

    The host is resolved once here; the call connects to the address returned (`_post`), never
    resolving the name again, so a name that answers a public address to the check and a private
    one to the connection (DNS rebinding) reaches nothing private. Without `resolve` the address
    of a host name is None."""
    if not isinstance(url, str) or len(url) > 500:
        return _("The URL must be at most 500 characters."), None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("This is not a valid URL."), None
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        return _("The URL must name a host, without a user name or password."), None
    local = host in LOCAL_HOSTS
    if local and _local_allowed():
        if parts.scheme not in ("http", "https"):
            return _("The URL must start with https://."), None
        return None, "127.0.0.1" if host == "localhost" else host
    if parts.scheme != "https":
        return _("The URL must start with https:// (webhooks are sent over TLS only)."), None
    if local:
        return _("The URL must not point to this machine (localhost or a loopback address)."), None
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if _public_address(host):
            return None, host
        return _("The URL must not point to a private, loopback, link-local or reserved address."), None
    if not resolve:
        return None, None
    try:
        infos = _resolve(host, port or 443)
    except (OSError, UnicodeError):
        return _("The URL's host name does not resolve."), None
    if not infos or not all(_public_address(info[4][0]) for info in infos):
        return _("The URL's host resolves to a private, loopback, link-local or reserved address."), None
    return None, infos[0][4][0].split("%", 1)[0]


# --- writes ------------------------------------------------------------------------------------


class WebhookInputError(ValueError):
    """Bad input for a webhook write: the field and the rule it breaks."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@transaction.atomic
def webhook_endpoint_create(*, api_key, url: str, description: str = "") -> WebhookEndpoint:
    """Register an endpoint of `api_key`'s holder; its secret is returned once, on the instance."""
    from portal.audit import audit_record
    from portal.models import ApiKey

    ApiKey.objects.select_for_update().filter(pk=api_key.pk).first()  # one key's writes in turn (the caps)
    limit = settings.WEBHOOK_MAX_ENDPOINTS
    if WebhookEndpoint.objects.filter(api_key=api_key, disabled_at=None).count() >= limit:
        raise WebhookInputError("url", _("A key may have at most %(limit)s enabled webhook endpoints: disable "
                                         "one before registering another.") % {"limit": limit})
    problem = url_problem(url)
    if problem:
        raise WebhookInputError("url", problem)
    endpoint = WebhookEndpoint.objects.create(api_key=api_key, url=url, secret=secret_new(),
                                              description=description[:200], created_at=timezone.now())
    audit_record(action="following.webhook_endpoint.created", actor_label=f"api-key:{api_key.pk}", obj=endpoint,
                 payload={"url": url})
    return endpoint


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str = "disabled by the key holder") -> WebhookEndpoint:
    """Disable an endpoint: nothing more is sent to it (its pending deliveries end as failed, the
    reason in their log); its follows end (`ended_reason`: `reason`). One audit event, counting
    the follows ended and the deliveries failed. Disabling twice changes nothing."""
    from portal.audit import audit_record

    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.disabled_at is not None:
        return endpoint
    now = timezone.now()
    endpoint.disabled_at = now
    endpoint.save(update_fields=["disabled_at"])
    ended = Follow.objects.filter(endpoint=endpoint, ended_at=None).update(
        ended_at=now, ended_reason=f"endpoint {endpoint.pk}: {reason}"[:200])
    pending = list(WebhookDelivery.objects.select_for_update().filter(endpoint=endpoint,
                                                                      status=WebhookDelivery.Status.PENDING))
    failed = _deliveries_fail(pending, reason=NOT_SENT_ENDPOINT_DISABLED, now=now)
    audit_record(action="following.webhook_endpoint.disabled", actor_label=f"api-key:{endpoint.api_key_id}",
                 obj=endpoint, payload={"follows_ended": ended, "deliveries_failed": failed, "reason": reason})
    return endpoint


def on_api_key_revoked(sender, api_key, **kwargs) -> None:
    """portal.api_keys.api_key_revoked (inside the revocation's transaction): the key's endpoints
    are disabled, their follows end and their pending deliveries fail."""
    for endpoint in WebhookEndpoint.objects.filter(api_key=api_key, disabled_at=None).order_by("pk"):
        webhook_endpoint_disable(endpoint=endpoint, reason="the API key was revoked")


SEARCH_FIELDS = ("q", "province", "entity_type", "status", "risk_class")


def search_clean(search: Any) -> tuple[dict[str, str], str]:
    """The saved search's parameters as the site's search reads them (credit.filters.EnterpriseFilter)
    and a label; WebhookInputError naming the parameter otherwise."""
    from credit.filters import EnterpriseFilter

    if not isinstance(search, dict) or not search:
        raise WebhookInputError("search", _("Give the search's parameters as an object, e.g. {\"q\": \"科技\"}."))
    unknown = sorted(set(search) - set(SEARCH_FIELDS))
    if unknown:
        raise WebhookInputError(f"search.{unknown[0]}", _("Unknown parameter: use %(names)s.") % {"names": ", ".join(SEARCH_FIELDS)})
    cleaned = {}
    for name, value in search.items():
        if not isinstance(value, str):
            raise WebhookInputError(f"search.{name}", _("Give a string."))
        if value.strip():
            cleaned[name] = value.strip()
    filterset = EnterpriseFilter(data=cleaned, queryset=_enterprises_none())
    if not filterset.form.is_valid():
        name, errors = next(iter(filterset.form.errors.items()))
        raise WebhookInputError(f"search.{name}" if name != "__all__" else "search", " ".join(errors))
    label = " · ".join(cleaned[name] for name in SEARCH_FIELDS if name in cleaned)
    return cleaned, label[:300]


def _enterprises_none():
    from credit.models import Enterprise

    return Enterprise.objects.none()


@transaction.atomic
def webhook_follow_create(*, endpoint: WebhookEndpoint, target: str, enterprise=None, credit_list=None,
                          search: dict | None = None, kinds: list[str] | None = None,
                          created_from: str | None = None) -> Follow:
    """A webhook follow of an enterprise, a list or a saved search, confirmed at once (the key
    holder is verified), hearing of the events after the feed's head at creation."""
    from credit.changes import KINDS, feed_head
    from portal.audit import audit_record
    from portal.models import ApiKey

    if endpoint.disabled_at is not None:
        raise WebhookInputError("endpoint", _("This endpoint is disabled."))
    ApiKey.objects.select_for_update().filter(pk=endpoint.api_key_id).first()  # one key's writes in turn (the caps)
    limit = settings.WEBHOOK_MAX_FOLLOWS
    if Follow.objects.filter(endpoint__api_key_id=endpoint.api_key_id, ended_at=None).count() >= limit:
        raise WebhookInputError("endpoint", _("A key may have at most %(limit)s active webhook follows: end one "
                                              "before following something else.") % {"limit": limit})
    kinds = list(kinds or [])
    bad = [kind for kind in kinds if kind not in KINDS]
    if bad:
        raise WebhookInputError("kinds", _("Unknown kind %(kind)r: use %(kinds)s.") % {"kind": bad[0], "kinds": ", ".join(KINDS)})
    values: dict[str, Any] = {}
    if target == Target.ENTERPRISE:
        if enterprise is None:
            raise WebhookInputError("enterprise", _("Give the enterprise's unified social credit code."))
        values["enterprise"] = enterprise
    elif target == Target.LIST:
        if credit_list is None:
            raise WebhookInputError("list", _("Give the list's code."))
        values["credit_list"] = credit_list
    elif target == Target.SEARCH:
        values["search"], values["search_label"] = search_clean(search)
    else:
        raise WebhookInputError("target", _("Use enterprise, list or search."))
    now = timezone.now()
    follow = Follow.objects.create(
        target=target, channel=Channel.WEBHOOK, endpoint=endpoint, kinds=sorted(set(kinds), key=KINDS.index),
        token=secrets.token_urlsafe(32), created_at=now, created_from=created_from, confirmed_at=now,
        start_after=feed_head()["sequence"], **values,
    )
    audit_record(action="following.webhook_follow.created", actor_label=f"api-key:{endpoint.api_key_id}", obj=follow,
                 payload={"target": target, "endpoint": endpoint.pk, "start_after": follow.start_after})
    return follow


@transaction.atomic
def webhook_follow_end(*, follow: Follow) -> Follow:
    """End a webhook follow (kept, with its alerts and deliveries, as history). Twice: no change."""
    from portal.audit import audit_record

    follow = Follow.objects.select_for_update().get(pk=follow.pk)
    if follow.ended_at is not None:
        return follow
    follow.ended_at = timezone.now()
    follow.save(update_fields=["ended_at"])
    audit_record(action="following.webhook_follow.ended", actor_label=f"api-key:{follow.endpoint.api_key_id}",
                 obj=follow)
    return follow


# --- delivery ----------------------------------------------------------------------------------


def deliver_new(alert_ids: list[int]) -> None:
    """The channel's deliverer (following/channels.py): one delivery per alert of an active webhook
    follow whose endpoint is enabled and whose API key is not revoked, then the task for each not yet attempted. Safe to call twice."""
    now = timezone.now()
    alerts = list(Alert.objects.filter(pk__in=list(alert_ids), follow__channel=Channel.WEBHOOK,
                                       follow__ended_at=None, follow__endpoint__disabled_at=None,
                                       follow__endpoint__api_key__revoked_at=None)
                  .values_list("pk", "follow__endpoint_id"))
    if not alerts:
        return
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(alert_id=pk, endpoint_id=endpoint_id, message_id=f"msg_{pk}", created_at=now,
                         next_attempt_at=now) for pk, endpoint_id in alerts],
        ignore_conflicts=True, batch_size=1000)
    due = list(WebhookDelivery.objects.filter(alert_id__in=[pk for pk, _ in alerts], status=WebhookDelivery.Status.PENDING,
                                              attempts=0).values_list("pk", flat=True))
    transaction.on_commit(lambda: deliveries_queue(due))


def deliveries_queue(delivery_ids: list[int]) -> int:
    """Hand each delivery to `following.webhook_deliver`; a broker outage leaves them to the sweep."""
    from following.tasks import webhook_deliver_task

    for number, pk in enumerate(delivery_ids):
        try:
            webhook_deliver_task.delay(pk)
        except Exception:  # noqa: BLE001 - the minutely sweep queues them again
            logger.warning("%s webhook deliveries not handed to the broker; the retry sweep sends them",
                           len(delivery_ids) - number)
            return number
    return len(delivery_ids)


def follow_document(follow: Follow) -> dict[str, Any]:
    """The follow as a payload names it (and the API shows it)."""
    return {
        "id": follow.pk,
        "target": follow.target,
        "enterprise": follow.enterprise.uscc if follow.enterprise_id else None,
        "list": follow.credit_list.code if follow.credit_list_id else None,
        "search": (follow.search or None) if follow.target == Target.SEARCH else None,
        "kinds": list(follow.kinds or []),
    }


def payload_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body of a delivery: the same bytes on every attempt."""
    from credit.changes import event_document, timestamp

    event = delivery.alert.event
    document = {
        "type": f"change.{event.kind}",
        "timestamp": timestamp(event.occurred_at),
        "data": {"event": event_document(event), "follow": follow_document(delivery.alert.follow)},
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


class _Pinned:
    """An HTTP(S) connection to an address checked beforehand (`url_check`): the TCP connection
    goes to that address, never to a new resolution of the host name, while the Host header, TLS
    SNI and the certificate's check stay those of the URL's host name."""

    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, **kwargs)
        self._address = address

        def create_connection(host_port, *rest, **options):
            return socket.create_connection((address, host_port[1]), *rest, **options)

        self._create_connection = create_connection


class PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    pass


class PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    pass


class DeadlinePassed(TimeoutError):
    pass


def _post(url: str, body: bytes, headers: dict[str, str], *, address: str) -> tuple[int | None, str]:
    """(HTTP status, error) of one call to `address` (checked: `url_check`), for `url`'s host.

    The whole exchange (connect, TLS, request, answer) has WEBHOOK_TIMEOUT_SECONDS: every socket
    operation waits at most what is left of it, and a watchdog shuts the socket at the deadline
    (an endpoint dripping its answer byte by byte is cut off). Redirects are not followed (a 3xx
    is the endpoint's answer); no proxy is used."""
    timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS)
    deadline = time.monotonic() + timeout
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        connection = PinnedHTTPSConnection(parts.hostname, parts.port or 443, timeout=timeout, address=address,
                                           context=ssl.create_default_context())
    else:
        connection = PinnedHTTPConnection(parts.hostname, parts.port or 80, timeout=timeout, address=address)

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlinePassed(f"no answer within {timeout:g} s")
        return remaining

    opened: list[socket.socket] = []

    def cut_off():
        for sock in opened:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watchdog = threading.Timer(timeout, cut_off)
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.timeout = left()
        connection.connect()
        sock = connection.sock
        opened.append(sock)
        sock.settimeout(left())
        connection.request("POST", path, body=body, headers=headers)
        sock.settimeout(left())
        response = connection.getresponse()
        read = 0
        while read < 1024:
            sock.settimeout(left())
            chunk = response.read1(1024 - read)
            if not chunk:
                break
            read += len(chunk)
        left()
        return response.status, ""
    except DeadlinePassed as error:
        return None, f"TimeoutError: {error}"[:300]
    except (http.client.HTTPException, OSError, ValueError) as error:
        if time.monotonic() >= deadline:
            return None, f"TimeoutError: no answer within {timeout:g} s"[:300]
        return None, f"{type(error).__name__}: {error}"[:300]
    finally:
        watchdog.cancel()
        connection.close()


# Why a pending delivery is not sent (recorded in its log, in English as the HTTP errors).
NOT_SENT_FOLLOW_ENDED = "not sent: the follow ended"
NOT_SENT_ENDPOINT_DISABLED = "not sent: the endpoint was disabled"
NOT_SENT_KEY_REVOKED = "not sent: the API key was revoked"


def _not_sent_reason(delivery: WebhookDelivery) -> str:
    if delivery.endpoint.api_key.revoked_at is not None:
        return NOT_SENT_KEY_REVOKED
    if delivery.endpoint.disabled_at is not None:
        return NOT_SENT_ENDPOINT_DISABLED
    if delivery.alert.follow.ended_at is not None:
        return NOT_SENT_FOLLOW_ENDED
    return ""


def _deliveries_fail(deliveries: list[WebhookDelivery], *, reason: str, now: dt.datetime) -> int:
    """End pending deliveries as failed without a call, the reason in their log (an attempt-log
    row with no HTTP status; `attempts` counts calls only, so it is not raised)."""
    if not deliveries:
        return 0
    WebhookAttempt.objects.bulk_create(
        [WebhookAttempt(delivery=delivery, attempted_at=now, status_code=None, error=reason[:300], duration_ms=0)
         for delivery in deliveries], batch_size=1000)
    return WebhookDelivery.objects.filter(pk__in=[d.pk for d in deliveries], status=WebhookDelivery.Status.PENDING) \
        .update(status=WebhookDelivery.Status.FAILED, next_attempt_at=None)


def webhook_deliver(*, delivery_id: int) -> bool:
    """Make the delivery's next attempt if it is pending and due; True if this call delivered it.

    The row stays locked from the check to the recorded result, so a second run at once waits
    and then finds it delivered, or not yet due."""
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(of=("self",))
                    .select_related("endpoint__api_key", "alert__event", "alert__follow__enterprise",
                                    "alert__follow__credit_list")
                    .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING).first())
        now = timezone.now()
        if delivery is None or (delivery.next_attempt_at is not None and delivery.next_attempt_at > now):
            return False
        endpoint = delivery.endpoint
        reason = _not_sent_reason(delivery)
        if reason:
            _deliveries_fail([delivery], reason=reason, now=now)
            return False
        with translation.override("en"):  # the delivery log's errors are in English, as the HTTP ones
            problem, address = url_check(endpoint.url)
        started = time.monotonic()
        if problem:
            status_code, error = None, f"refused: {problem}"[:300]
        else:
            body = payload_body(delivery)
            stamp = int(now.timestamp())
            headers = {
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "webhook-id": delivery.message_id,
                "webhook-timestamp": str(stamp),
                "webhook-signature": signature(secret=endpoint.secret, message_id=delivery.message_id,
                                               timestamp=stamp, body=body),
            }
            status_code, error = _post(endpoint.url, body, headers, address=address)
        duration = int((time.monotonic() - started) * 1000)
        WebhookAttempt.objects.create(delivery=delivery, attempted_at=now, status_code=status_code, error=error,
                                      duration_ms=max(0, duration))
        delivery.attempts += 1
        fields = ["attempts", "status", "next_attempt_at"]
        if status_code is not None and 200 <= status_code < 300:
            delivery.status, delivery.next_attempt_at, delivery.delivered_at = (
                WebhookDelivery.Status.DELIVERED, None, now)
            fields.append("delivered_at")
            Alert.objects.filter(pk=delivery.alert_id, delivered_at=None).update(delivered_at=now)
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
        else:
            delivery.next_attempt_at = now + dt.timedelta(seconds=RETRY_DELAYS[delivery.attempts - 1])
        delivery.save(update_fields=fields)
        if status_code is None or status_code >= 300:
            logger.info("webhook delivery %s attempt %s: %s", delivery.pk, delivery.attempts, error or status_code)
        return delivery.status == WebhookDelivery.Status.DELIVERED


# An alert of a webhook follow older than this with no delivery lost its hand-over (the
# transaction's on-commit hook failed): the sweep hands it over again.
HANDOVER_GRACE = dt.timedelta(seconds=60)


def webhooks_retry(*, now: dt.datetime | None = None) -> int:
    """Queue the pending deliveries that are due (retries, and those the broker never got), then
    create the deliveries of the alerts whose hand-over was lost (`deliver_new`, which queues them):
    undelivered alerts of active webhook follows, older than HANDOVER_GRACE, with no delivery.
    At most SWEEP_BATCH of each per run. The number queued."""
    now = now or timezone.now()
    due = list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    queued = deliveries_queue(due)
    lost = list(Alert.objects.filter(follow__channel=Channel.WEBHOOK, follow__ended_at=None,
                                     follow__endpoint__disabled_at=None, follow__endpoint__api_key__revoked_at=None,
                                     delivered_at=None, webhook_delivery__isnull=True,
                                     created_at__lte=now - HANDOVER_GRACE)
                .order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    if lost:
        logger.warning("%s webhook alerts had no delivery (a lost hand-over): delivering them now", len(lost))
        with transaction.atomic():
            deliver_new(lost)
        queued += len(lost)
    return queued
