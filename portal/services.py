"""Writes of the portal itself (sign-in locks)."""

from __future__ import annotations

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
