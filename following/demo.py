"""Demo data of following (a step of seed_demo, settings.DEMO_STEPS): each demo liaison login
follows its own enterprise by e-mail, already confirmed (demo addresses receive no mail; a
really activated login's follow waits for its confirmation link) (set-based: one INSERT). Logins without an address get the demo address <username>@example.cn."""

from __future__ import annotations

import secrets

from django.utils import timezone

from credit.changes import feed_head
from credit.models import EnterpriseAccount
from following.models import Channel, Follow, Frequency, Target


def seed_demo_data(*, seed: int, stdout) -> None:
    now = timezone.now()
    head = feed_head()["sequence"]
    followed = set(Follow.objects.filter(target=Target.ENTERPRISE, account__isnull=False)
                   .values_list("account_id", "enterprise_id"))
    accounts = (EnterpriseAccount.objects.filter(revoked_at=None).select_related("user").order_by("pk"))
    follows = [
        Follow(target=Target.ENTERPRISE, enterprise_id=account.enterprise_id, channel=Channel.EMAIL,
               email=account.user.email or f"{account.user.username}@example.cn", frequency=Frequency.IMMEDIATE,
               kinds=[], token=secrets.token_urlsafe(32), created_at=now, confirmed_at=now, start_after=head,
               account_id=account.user_id)
        for account in accounts if (account.user_id, account.enterprise_id) not in followed
    ]
    Follow.objects.bulk_create(follows)
    stdout.write(f"following: {len(follows)} liaison follows of their own enterprises")
