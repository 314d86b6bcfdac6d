"""What following adds to the pages of the apps below it (credit/sections.py registry): the
liaison's own follows on /account/."""

from __future__ import annotations

from credit import sections
from following.email import KIND_LABELS, target_label
from following.models import Channel, Follow


def account_follows(*, enterprise, today, user) -> dict:
    """The signed-in liaison's e-mail follows, active first (one query)."""
    if user is None:
        return {"follows": []}
    follows = list(Follow.objects.filter(account_id=user.pk, channel=Channel.EMAIL)
                   .select_related("enterprise", "credit_list").order_by("ended_at", "-created_at")[:50])
    for follow in follows:
        follow.label = target_label(follow)
        follow.kind_labels = [str(KIND_LABELS.get(kind, kind)) for kind in follow.kinds]
    return {"follows": follows}


FOLLOWS_PANEL = sections.AccountPanel(key="follows", order=90, template="following/account_panel.html",
                                      load=account_follows, per_user=True)
