"""Writes of the portal itself (sign-in locks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from portal.audit import audit_record


@transaction.atomic
def login_lock_release(*, username: str = "", ip_address: str = "", actor) -> int:
    """Release the sign-in lock of a user name (or of a client address) before its
    cool-off ends, by forgetting its failed attempts. Superusers only; audited.
    Returns the number of attempt records removed."""
    from axes.models import AccessAttempt
    from axes.utils import reset

    if actor is None or not (actor.is_active and actor.is_superuser):
        raise PermissionDenied("Only a superuser may release a sign-in lock.")
    if not username and not ip_address:
        raise ValueError("login_lock_release needs a username or an ip_address")
    attempts = AccessAttempt.objects.filter(**({"username": username} if username else {"ip_address": ip_address}))
    failures = sum(attempts.values_list("failures_since_start", flat=True))
    removed = reset(username=username or None, ip=None if username else ip_address)
    audit_record(
        action="portal.login_lock.released",
        actor=actor,
        payload={"username": username, "ip_address": ip_address, "attempts": removed, "failures": failures},
    )
    return removed


@transaction.atomic
def login_password_change(*, user, password: str, via: str = "") -> None:
    """Set a login's own new password (already validated by the form); audited without it.
    `via`: "reset" when set through an e-mailed reset link."""
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action="portal.login.password_changed", actor=user, obj=user, payload={"via": via} if via else {})


@transaction.atomic
def user_deactivate(*, user, actor) -> bool:
    """Deactivate a login instead of deleting it: the audit log keeps naming its actor.
    Superusers only; audited; False when it was inactive already."""
    if actor is None or not (actor.is_active and actor.is_superuser):
        raise PermissionDenied("Only a superuser may deactivate a login.")
    if not user.is_active:
        return False
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(action="portal.login.deactivated", actor=actor, obj=user, payload={})
    return True


# --- API keys (portal/api.py, /api/keys/) ---------------------------------------------------

API_KEY_CONFIRM_SALT = "portal.api_key.confirm"


class ApiKeyError(Exception):
    """A refused key request, confirmation or revocation: `code` names the rule."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def api_key_confirm_token(api_key) -> str:
    from django.core import signing

    return signing.dumps({"k": api_key.pk, "e": api_key.email}, salt=API_KEY_CONFIRM_SALT, compress=True)


@transaction.atomic
def api_key_request(*, email: str, ip_address: str | None, confirm_url: Callable[[str], str]):
    """Record a key request for `email` and mail its confirmation link (portal.notices, once).

    Refused (ApiKeyError "pending") while a request of the same address is younger than
    API_KEY_REQUEST_MINUTES and unconfirmed, and ("too_many") after API_KEY_REQUESTS_PER_IP
    requests from one client address in that time: the form is no e-mail cannon."""
    import datetime as dt

    from django.conf import settings
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from portal.models import ApiKey
    from portal.notices import notice_queue

    email = email.strip().lower()
    now = timezone.now()
    since = now - dt.timedelta(minutes=settings.API_KEY_REQUEST_MINUTES)
    if ApiKey.objects.filter(email=email, requested_at__gte=since, confirmed_at=None, revoked_at=None).exists():
        raise ApiKeyError("pending", _("A confirmation link was sent to this address less than %(minutes)d minutes "
                                       "ago: use it, or ask again later.") % {
                                           "minutes": settings.API_KEY_REQUEST_MINUTES})
    if ip_address and ApiKey.objects.filter(requested_from=ip_address, requested_at__gte=since).count() >= (
            settings.API_KEY_REQUESTS_PER_IP):
        raise ApiKeyError("too_many", _("Too many key requests from your address: try again in %(minutes)d "
                                        "minutes.") % {"minutes": settings.API_KEY_REQUEST_MINUTES})
    api_key = ApiKey.objects.create(email=email, requested_at=now, requested_from=ip_address or None)
    link = confirm_url(api_key_confirm_token(api_key))
    body = "\n\n".join([
        "您（或有人使用您的地址）申请了企业信用信息公示平台公开数据接口的免费密钥。"
        f"请在 {settings.API_KEY_CONFIRM_HOURS} 小时内打开以下链接确认，确认后密钥只显示一次：\n{link}\n"
        "如果不是您本人申请，请忽略本邮件。",
        "You (or someone using your address) asked for a free key of the public data API of the "
        f"Enterprise Credit Information Publicity Portal. Open this link within {settings.API_KEY_CONFIRM_HOURS} "
        f"hours to confirm; the key is then shown once:\n{link}\nIf you did not ask for it, ignore this e-mail.",
    ])
    notice_queue(key=f"portal.api_key.confirm:{api_key.pk}", to=email,
                 subject="公开数据接口密钥确认 / Confirm your API key", body=body)
    audit_record(action="portal.api_key.requested", obj=api_key, payload={"email": email})
    return api_key


def api_key_from_token(token: str):
    """The pending request a confirmation link names, or ApiKeyError (expired, broken, used)."""
    from django.conf import settings
    from django.core import signing
    from django.utils.translation import gettext as _

    from portal.models import ApiKey

    try:
        value = signing.loads(token, salt=API_KEY_CONFIRM_SALT, max_age=settings.API_KEY_CONFIRM_HOURS * 3600)
    except signing.SignatureExpired as error:
        raise ApiKeyError("expired", _("This confirmation link has expired: ask for a key again.")) from error
    except signing.BadSignature as error:
        raise ApiKeyError("invalid", _("This confirmation link is not valid.")) from error
    api_key = ApiKey.objects.filter(pk=value.get("k"), email=value.get("e")).first()
    if api_key is None:
        raise ApiKeyError("invalid", _("This confirmation link is not valid."))
    if api_key.confirmed_at is not None or api_key.revoked_at is not None:
        raise ApiKeyError("used", _("This confirmation link has been used already; a key is shown only once."))
    return api_key


@transaction.atomic
def api_key_confirm(*, token: str) -> tuple[Any, str]:
    """Issue the key of a pending request: returns (ApiKey, the key). Only its hash is kept."""
    from django.utils import timezone

    from portal import api
    from portal.models import ApiKey

    api_key = api_key_from_token(token)
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.confirmed_at is not None or api_key.revoked_at is not None:
        api_key_from_token(token)  # raises "used"
    key = api.key_new()
    api_key.key_hash = api.key_hash(key)
    api_key.key_prefix = key[: len(api.KEY_PREFIX) + 6]
    api_key.confirmed_at = timezone.now()
    api_key.save(update_fields=["key_hash", "key_prefix", "confirmed_at"])
    audit_record(action="portal.api_key.confirmed", obj=api_key, payload={"prefix": api_key.key_prefix})
    return api_key, key


@transaction.atomic
def api_key_revoke(*, key: str):
    """Revoke the key its holder gives (the key itself proves who asks); ApiKeyError if unknown."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from portal import api
    from portal.api_keys import api_key_revoked
    from portal.models import ApiKey

    api_key = ApiKey.objects.select_for_update().filter(key_hash=api.key_hash(key.strip())).first()
    if api_key is None:
        raise ApiKeyError("unknown", _("This key is not known."))
    if api_key.revoked_at is not None:
        raise ApiKeyError("revoked", _("This key was revoked already."))
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    audit_record(action="portal.api_key.revoked", obj=api_key, payload={"prefix": api_key.key_prefix})
    api_key_revoked.send(sender=ApiKey, api_key=api_key)
    return api_key
