"""API keys: how a request names its key and how a key is made and checked (only its
SHA-256 is stored, portal.models.ApiKey). Kept apart from portal/api.py because DRF's
settings import the authentication class while its views module loads."""

from __future__ import annotations

import hashlib
import secrets

from django.dispatch import Signal
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

KEY_PREFIX = "cpk_"

# Sent inside the transaction that revokes a key (portal.services.api_key_revoke), with `api_key`:
# what was made with the key stops with it (following disables its webhook endpoints).
api_key_revoked = Signal()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_new() -> str:
    """A new key: the prefix and 32 random bytes, URL-safe (about 47 characters)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_from_request(request) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return request.META.get("HTTP_X_API_KEY", "").strip()


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>` or `X-Api-Key: <key>`: a confirmed, unrevoked key
    raises the client's limit; an unknown or revoked key is refused with 401 (never silently
    counted as anonymous, so its holder learns why). No key: an anonymous client."""

    def authenticate(self, request):
        key = key_from_request(request)
        if not key:
            return None
        from portal.models import ApiKey

        api_key = ApiKey.objects.filter(key_hash=key_hash(key), confirmed_at__isnull=False,
                                        revoked_at__isnull=True).first() if len(key) <= 200 else None
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("The API key is unknown or has been revoked."))
        return (None, api_key)

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
