"""Sign-in throttling (django-axes, configured in portal/settings.py).

After AXES_FAILURE_LIMIT failed sign-ins for one user name, or from one client address,
within the cool-off, both sign-in pages (/account/login/ and /admin/login/) refuse that
user name or address, the right password included, until the cool-off has passed since
the last failure; `lockout_response` says until when. A superuser can release a lock
earlier (portal.services.login_lock_release, the action in the admin's sign-in
attempts list).

Activation with a letter's code (/account/activate/) is throttled the same way: a wrong code
counts as a failure of the user name ``activation:<USCC>`` and of the client address
(`activation_credentials`), so guessing is locked per USCC and per address.
"""

from __future__ import annotations

import math

from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

# Failed activations (/account/activate/) count under this user name per USCC; Django's user
# names cannot contain ":", so no sign-in shares it.
ACTIVATION_USERNAME_PREFIX = "activation:"


def activation_credentials(uscc: str) -> dict:
    """The credentials django-axes counts a failed activation for (with the client address)."""
    return {"username": f"{ACTIVATION_USERNAME_PREFIX}{uscc}"}


def client_ip(request: HttpRequest) -> str | None:
    """The address throttled per client: REMOTE_ADDR, or behind LOGIN_TRUSTED_PROXIES
    proxies, the address the outermost of them saw (from the right of X-Forwarded-For)."""
    from django.conf import settings

    proxies = settings.LOGIN_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_ends(request: HttpRequest, credentials: dict | None = None):
    """When the lock on this request's user name or address ends (None if not locked)."""
    from axes.handlers.proxy import AxesProxyHandler
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    limit = get_failure_limit(request, credentials)
    ends = None
    for attempts in AxesProxyHandler.get_implementation().get_user_attempts(request, credentials):
        totals = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        if (totals["failures"] or 0) >= limit and totals["last"] is not None and cool_off is not None:
            candidate = totals["last"] + cool_off
            ends = candidate if ends is None else max(ends, candidate)
    return ends


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with the time to try again, in the visitor's language."""
    ends = lockout_ends(request, credentials)
    seconds = max(60, math.ceil((ends - timezone.now()).total_seconds())) if ends else 60
    activation = str((credentials or {}).get("username", "")).startswith(ACTIVATION_USERNAME_PREFIX)
    response = render(request, "account/locked_out.html",
                      {"retry_at": ends, "minutes": math.ceil(seconds / 60), "activation": activation}, status=429)
    response["Retry-After"] = str(seconds)
    return response
