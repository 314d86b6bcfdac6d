"""Reads of enterprise logins for the staff accounts page (/staff/enterprises/<USCC>/accounts/)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from credit.models import ActivationCode, Enterprise, EnterpriseAccount


@dataclass(frozen=True)
class CodeRow:
    code: ActivationCode
    state: str  # open, used, revoked, expired (ActivationCode.state)


def enterprise_for_accounts(*, uscc: str) -> Enterprise | None:
    return Enterprise.objects.select_related("registration_authority").filter(uscc=uscc).first()


def enterprise_logins(*, enterprise: Enterprise) -> dict:
    """The enterprise's liaison logins and activation codes, newest first, in a fixed number of queries."""
    now = timezone.now()
    accounts = list(
        EnterpriseAccount.objects.filter(enterprise=enterprise).select_related("user", "revoked_by")
        .order_by("revoked_at", "-created_at", "-pk")
    )
    codes = [
        CodeRow(code, code.state(now)) for code in ActivationCode.objects.filter(enterprise=enterprise)
        .select_related("issued_by", "issued_by_agency", "revoked_by", "account__user")
    ]
    return {"accounts": accounts, "codes": codes, "has_open_code": any(row.state == "open" for row in codes)}
