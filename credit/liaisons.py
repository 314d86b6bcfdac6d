"""Who receives an enterprise's e-mails: its active liaison logins (credit.EnterpriseAccount)
whose user has an e-mail address. A login revoked by staff is a deactivated user: it gets
nothing more. The one home of the rule, for the filing reminders and the "listed" e-mail."""

from __future__ import annotations

from django.db.models import Q


def active_liaison_q(prefix: str = "") -> Q:
    """EnterpriseAccount rows (at `prefix`, e.g. "enterprise__accounts__") that receive e-mail.
    Positive conditions only, so that across a to-many join they stay on one joined row."""
    return Q(**{f"{prefix}user__is_active": True, f"{prefix}user__email__gt": ""})
