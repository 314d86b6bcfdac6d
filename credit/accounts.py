"""Enterprise logins: who may manage them, and the activation codes that create them.

The rule (`may_manage_accounts`): an enterprise's liaison logins and activation codes are
managed by the staff of its registration authority (the local market-regulation bureau that
registered it) or of a national market-regulation agency. The staff pages, the services and
any admin ask this one function.

Codes: 16 characters from a 32-letter alphabet without the look-alikes 0/O and 1/I (80 bits,
shown as four groups of four), kept only as a salted SHA-256. A code is a random secret of 80
bits, not a password a person chose, so a slow hash would add nothing: nobody can enumerate
2^80 candidates against a leaked table, and online guessing is throttled (portal/logins.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone

from credit.models import ActivationCode, Agency, AgencyKind, AgencyLevel, Enterprise

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 16
GROUP = 4
CODE_BITS = CODE_LENGTH * 5  # log2(32) = 5 bits per character


def may_manage_accounts(agency: Agency | None, enterprise: Enterprise) -> bool:
    """True if `agency`'s staff may issue and revoke `enterprise`'s activation codes and logins."""
    if agency is None:
        return False
    if agency.pk == enterprise.registration_authority_id:
        return True
    return agency.level == AgencyLevel.NATIONAL and agency.kind == AgencyKind.MARKET_REGULATION


def code_generate() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def code_normalise(typed: str) -> str:
    """What the liaison typed, without spaces, hyphens and case."""
    return "".join(ch for ch in (typed or "").upper() if not ch.isspace() and ch != "-")


def code_grouped(code: str) -> str:
    """ABCD-EFGH-JKLM-NPQR: easier to read out and type."""
    code = code_normalise(code)
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def code_hash(code: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{code_normalise(code)}".encode()).hexdigest()


def code_salt() -> str:
    return secrets.token_hex(16)


def code_expiry(issued_at: dt.datetime) -> dt.datetime:
    return issued_at + dt.timedelta(days=settings.ACTIVATION_CODE_DAYS)


def code_matches(row: ActivationCode, typed: str) -> bool:
    return hmac.compare_digest(row.code_hash, code_hash(typed, row.code_salt))


def code_well_formed(typed: str) -> bool:
    code = code_normalise(typed)
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def open_code_find(*, enterprise: Enterprise, typed: str, now: dt.datetime | None = None) -> ActivationCode | None:
    """The open code of `enterprise` that `typed` is, or None (wrong, used, revoked, expired alike)."""
    if not code_well_formed(typed):
        return None
    now = now or timezone.now()
    candidates = ActivationCode.objects.filter(
        enterprise=enterprise, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    for row in candidates:
        if code_matches(row, typed):
            return row
    return None
