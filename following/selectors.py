"""Reads of following for its commands and pages (writes are in services.py)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower, Trim

from following.models import Follow, Target


def liaisons_without_follow():
    """Active liaison logins with an address that have never followed their own enterprise, by
    the login or by its address (a follow ended by its holder counts: someone who unsubscribed is
    not subscribed again): the logins activated before following existed."""
    from credit.models import EnterpriseAccount

    accounts = EnterpriseAccount.objects.filter(revoked_at=None, user__is_active=True).exclude(user__email="")
    accounts = accounts.annotate(address=Lower(Trim("user__email")))
    ever_followed = Follow.objects.filter(
        Q(account_id=OuterRef("user_id")) | Q(email=OuterRef("address")),
        enterprise_id=OuterRef("enterprise_id"), target=Target.ENTERPRISE)
    return accounts.exclude(Exists(ever_followed)).select_related("user").order_by("pk")
