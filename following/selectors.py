"""Reads of following for its commands and pages (writes are in services.py)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from following.models import Follow, Target


def liaisons_without_follow():
    """Active liaison logins with an address that have never followed their own enterprise (a
    follow ended by its liaison counts: an unsubscribed liaison is not subscribed again): the
    logins activated before following existed."""
    from credit.models import EnterpriseAccount

    ever_followed = Follow.objects.filter(account_id=OuterRef("user_id"), enterprise_id=OuterRef("enterprise_id"),
                                          target=Target.ENTERPRISE)
    return (EnterpriseAccount.objects.filter(revoked_at=None, user__is_active=True).exclude(user__email="")
            .exclude(Exists(ever_followed)).select_related("user").order_by("pk"))


