"""Who receives an enterprise's e-mails: its active liaison logins (credit.EnterpriseAccount)
whose user is active and has an e-mail address and which staff have not revoked
(`EnterpriseAccount.revoked_at`; revoking also deactivates the user, but a user reactivated by
hand still acts for no enterprise: portal.access.who). The one home of the rule, for the filing reminders and the "listed" e-mail."""

from __future__ import annotations

from django.db.models import Q


def active_liaison_q(prefix: str = "") -> Q:
    """EnterpriseAccount rows (at `prefix`, e.g. "enterprise__accounts__") that receive e-mail.
    Positive conditions only, so that across a to-many join they stay on one joined row."""
    return Q(**{f"{prefix}user__is_active": True, f"{prefix}user__email__gt": "", f"{prefix}revoked_at__isnull": True})
