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
endpoint is registered and again before every call (the name may resolve elsewhere by then).
With WEBHOOK_ALLOW_LOCAL (by default DEBUG) http and https to 127.0.0.1 / localhost / ::1 are
allowed, for development and tests. Redirects are never followed; calls time out after
WEBHOOK_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import urllib.error
import urllib.request
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


def _public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_problem(url: str, *, resolve: bool = True) -> str | None:
    """Why `url` may not receive webhooks (None: it may). `resolve`: check what the host resolves to."""
    if not isinstance(url, str) or len(url) > 500:
        return _("The URL must be at most 500 characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("This is not a valid URL.")
    host = (parts.hostname or "").lower()
    if not host or parts.username or parts.password:
        return _("The URL must name a host, without a user name or password.")
    local = host in LOCAL_HOSTS
    if local and _local_allowed():
        return None if parts.scheme in ("http", "https") else _("The URL must start with https://.")
    if parts.scheme != "https":
        return _("The URL must start with https:// (webhooks are sent over TLS only).")
    if local:
        return _("The URL must not point to this machine (localhost or a loopback address).")
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        return None if _public_address(host) else (
            _("The URL must not point to a private, loopback, link-local or reserved address."))
    if not resolve:
        return None
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return _("The URL's host name does not resolve.")
    if not infos or not all(_public_address(info[4][0]) for info in infos):
        return _("The URL's host resolves to a private, loopback, link-local or reserved address.")
    return None


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

    problem = url_problem(url)
    if problem:
        raise WebhookInputError("url", problem)
    endpoint = WebhookEndpoint.objects.create(api_key=api_key, url=url, secret=secret_new(),
                                              description=description[:200], created_at=timezone.now())
    audit_record(action="following.webhook_endpoint.created", actor_label=f"api-key:{api_key.pk}", obj=endpoint,
                 payload={"url": url})
    return endpoint


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Disable an endpoint: nothing more is sent to it (its pending deliveries end as failed);
    its follows end. Disabling twice changes nothing."""
    from portal.audit import audit_record

    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.disabled_at is not None:
        return endpoint
    now = timezone.now()
    endpoint.disabled_at = now
    endpoint.save(update_fields=["disabled_at"])
    ended = Follow.objects.filter(endpoint=endpoint, ended_at=None).update(ended_at=now)
    audit_record(action="following.webhook_endpoint.disabled", actor_label=f"api-key:{endpoint.api_key_id}",
                 obj=endpoint, payload={"follows_ended": ended})
    return endpoint


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

    if endpoint.disabled_at is not None:
        raise WebhookInputError("endpoint", _("This endpoint is disabled."))
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
    """The channel's deliverer (following/channels.py): one delivery per alert of a webhook follow
    whose endpoint is enabled, then the task for each not yet attempted. Safe to call twice."""
    now = timezone.now()
    alerts = list(Alert.objects.filter(pk__in=list(alert_ids), follow__channel=Channel.WEBHOOK,
                                       follow__endpoint__disabled_at=None)
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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # a 3xx is the endpoint's answer, never followed


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """(HTTP status, error) of one call."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return None, f"{type(reason).__name__}: {reason}"[:300]


def webhook_deliver(*, delivery_id: int) -> bool:
    """Make the delivery's next attempt if it is pending and due; True if this call delivered it.

    The row stays locked from the check to the recorded result, so a second run at once waits
    and then finds it delivered, or not yet due."""
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(of=("self",))
                    .select_related("endpoint", "alert__event", "alert__follow__enterprise",
                                    "alert__follow__credit_list")
                    .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING).first())
        now = timezone.now()
        if delivery is None or (delivery.next_attempt_at is not None and delivery.next_attempt_at > now):
            return False
        endpoint = delivery.endpoint
        if endpoint.disabled_at is not None:
            delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
            delivery.save(update_fields=["status", "next_attempt_at"])
            return False
        with translation.override("en"):  # the delivery log's errors are in English, as the HTTP ones
            problem = url_problem(endpoint.url)
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
            status_code, error = _post(endpoint.url, body, headers)
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


def webhooks_retry(*, now: dt.datetime | None = None) -> int:
    """Queue the pending deliveries that are due (retries, and those the broker never got)."""
    now = now or timezone.now()
    due = list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    return deliveries_queue(due)
