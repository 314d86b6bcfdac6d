"""Writes of following by e-mail (docs/following.md): ask for a follow, confirm it, change it,
end it; and the liaison's follow of their own enterprise. Each write is atomic, guarded by the
follow's state, and records one audit event (following.follow.<verb>)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from credit.changes import KINDS, feed_head
from following.models import Channel, Follow, Frequency, Target
from portal.audit import audit_record


@dataclass(frozen=True)
class Requested:
    """What follow_request did: `follow` is the new unconfirmed follow, or the confirmed one the
    address already has for that target (`already`: nothing new was made, the mail says so)."""

    follow: Follow
    already: bool = False


def kinds_clean(kinds) -> list[str]:
    """The chosen kinds in the feed's order; refused (naming the field) for a kind the feed has not."""
    chosen = list(dict.fromkeys(str(kind) for kind in (kinds or [])))
    unknown = [kind for kind in chosen if kind not in KINDS]
    if unknown:
        raise ValidationError({"kinds": _("Kinds of change: %(unknown)s is not one of %(known)s.") % {
            "unknown": ", ".join(unknown), "known": ", ".join(KINDS)}})
    # All kinds chosen is the same as none chosen: every change.
    return [] if set(chosen) == set(KINDS) else [kind for kind in KINDS if kind in chosen]


def frequency_clean(frequency) -> str:
    if frequency not in Frequency.values:
        raise ValidationError({"frequency": _("How often: choose at once or a daily digest.")})
    return frequency


def _target_q(*, target: str, enterprise=None, credit_list=None, search: dict | None = None) -> Q:
    if target == Target.ENTERPRISE:
        return Q(target=target, enterprise=enterprise)
    if target == Target.LIST:
        return Q(target=target, credit_list=credit_list)
    return Q(target=target, search=search or {})


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def follow_request(*, target: str, email: str, frequency: str, kinds, ip: str | None, language: str,
                   enterprise=None, credit_list=None, search: dict | None = None, search_label: str = "") -> Requested:
    """Record an unconfirmed follow of `target` for `email` and mail its confirmation link once.

    Refused (ValidationError on "email") after FOLLOW_REQUESTS_PER_ADDRESS unconfirmed requests of
    the address, or FOLLOW_REQUESTS_PER_IP requests from one client address, within the hour: the
    form is no e-mail cannon. An address that already follows the target gets no second follow:
    it is mailed the link that manages the one it has (once a day)."""
    from following import email as mails

    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("E-mail address: give the address the alerts are sent to.")})
    frequency = frequency_clean(frequency)
    kinds = kinds_clean(kinds)
    if target not in Target.values or (target == Target.ENTERPRISE and enterprise is None) or (
            target == Target.LIST and credit_list is None) or (target == Target.SEARCH and not search):
        raise ValidationError({"target": _("What to follow: an enterprise, a list or a search.")})
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    now = timezone.now()
    since = now - dt.timedelta(hours=1)
    with transaction.atomic():
        existing = (Follow.objects.select_for_update()
                    .filter(_target_q(target=target, enterprise=enterprise, credit_list=credit_list, search=search),
                            channel=Channel.EMAIL, email=email, confirmed_at__isnull=False, ended_at=None)
                    .first())
        if existing is not None:
            mails.already_following_send(follow=existing, day=timezone.localdate(now))
            audit_record(action="following.follow.requested_again", obj=existing,
                         payload={"target": target, "email": email})
            return Requested(follow=existing, already=True)
        pending = Follow.objects.filter(channel=Channel.EMAIL, email=email, confirmed_at=None, ended_at=None,
                                        created_at__gte=since).count()
        if pending >= settings.FOLLOW_REQUESTS_PER_ADDRESS:
            raise ValidationError({"email": _(
                "E-mail address: %(n)d confirmation links were sent to this address within the hour; use one "
                "of them, or ask again later.") % {"n": pending}})
        if ip and Follow.objects.filter(created_from=ip, created_at__gte=since).count() >= settings.FOLLOW_REQUESTS_PER_IP:
            raise ValidationError({"email": _(
                "E-mail address: too many follow requests from your network within the hour; try again later.")})
        follow = Follow.objects.create(
            target=target, enterprise=enterprise if target == Target.ENTERPRISE else None,
            credit_list=credit_list if target == Target.LIST else None,
            search=search if target == Target.SEARCH else {}, search_label=search_label[:300],
            channel=Channel.EMAIL, email=email, frequency=frequency, kinds=kinds, token=_new_token(),
            created_at=now, created_from=ip or None, language=language,
        )
        mails.confirmation_send(follow=follow)
        audit_record(action="following.follow.requested", obj=follow,
                     payload={"target": target, "email": email, "frequency": frequency, "kinds": kinds})
    return Requested(follow=follow)


class FollowEnded(Exception):
    """The follow was ended (unsubscribed): it cannot be confirmed or changed any more."""


@transaction.atomic
def follow_confirm(*, follow: Follow) -> Follow:
    """Confirm an e-mail follow (the mailed link's button): from now on, each change of its
    target after the feed's current head reaches it. Confirming twice changes nothing."""
    # Lock every follow of this address and target (in pk order) before reading: two pending
    # requests of one address for one target, confirmed at once, queue here and the second
    # sees the first confirmed.
    follow = Follow.objects.get(pk=follow.pk)
    list(Follow.objects.select_for_update()
         .filter(_target_q(target=follow.target, enterprise=follow.enterprise_id, credit_list=follow.credit_list_id,
                           search=follow.search), channel=follow.channel, email=follow.email)
         .order_by("pk").values_list("pk", flat=True))
    follow = Follow.objects.select_for_update().get(pk=follow.pk)
    if follow.ended_at is not None:
        raise FollowEnded(_("This follow was ended on %(date)s; ask for a new one on the page you followed.") % {
            "date": timezone.localdate(follow.ended_at).isoformat()})
    if follow.confirmed_at is not None:
        return follow
    # Two requests of one address for one target, both confirmed: the second adds nothing.
    existing = (Follow.objects.filter(_target_q(target=follow.target, enterprise=follow.enterprise_id,
                                                credit_list=follow.credit_list_id, search=follow.search),
                                      channel=follow.channel, email=follow.email, confirmed_at__isnull=False,
                                      ended_at=None).exclude(pk=follow.pk).first())
    if existing is not None:
        follow.ended_at = timezone.now()
        follow.ended_reason = f"the address already follows this (follow {existing.pk})"
        follow.save(update_fields=["ended_at", "ended_reason"])
        audit_record(action="following.follow.merged", obj=follow, payload={"into": existing.pk})
        return existing
    follow.confirmed_at = timezone.now()
    follow.start_after = feed_head()["sequence"]
    follow.save(update_fields=["confirmed_at", "start_after"])
    audit_record(action="following.follow.confirmed", obj=follow,
                 payload={"email": follow.email, "start_after": follow.start_after})
    return follow


@transaction.atomic
def follow_update(*, follow: Follow, frequency: str, kinds) -> Follow:
    """Change how often and of which kinds of change a follow hears. Alerts waiting for a digest
    go out at once when the follow turns to immediate alerts."""
    frequency = frequency_clean(frequency)
    kinds = kinds_clean(kinds)
    follow = Follow.objects.select_for_update().get(pk=follow.pk)
    if follow.ended_at is not None:
        raise FollowEnded(_("This follow was ended; it cannot be changed any more."))
    before = {"frequency": follow.frequency, "kinds": follow.kinds}
    if before == {"frequency": frequency, "kinds": kinds}:
        return follow
    follow.frequency, follow.kinds = frequency, kinds
    follow.save(update_fields=["frequency", "kinds"])
    audit_record(action="following.follow.updated", obj=follow,
                 payload={"before": before, "after": {"frequency": frequency, "kinds": kinds}})
    if frequency == Frequency.IMMEDIATE and before["frequency"] == Frequency.DAILY:
        waiting = list(follow.alerts.filter(delivered_at=None).values_list("pk", flat=True))
        if waiting:
            from following.email import deliver_new

            transaction.on_commit(lambda: deliver_new(waiting))
    return follow


@transaction.atomic
def follow_end(*, follow: Follow, reason: str) -> Follow:
    """End (unsubscribe) a follow: nothing more is sent; the follow and its alerts stay as
    history. Ending an ended follow changes nothing."""
    follow = Follow.objects.select_for_update().get(pk=follow.pk)
    if follow.ended_at is not None:
        return follow
    follow.ended_at = timezone.now()
    follow.ended_reason = (reason or "")[:200]
    follow.save(update_fields=["ended_at", "ended_reason"])
    audit_record(action="following.follow.ended", obj=follow, payload={"email": follow.email, "reason": follow.ended_reason})
    return follow


@transaction.atomic
def liaison_follow_create(*, account, email: str, language: str | None = None) -> Follow | None:
    """The liaison of `account` (credit.EnterpriseAccount) follows their own enterprise, immediate,
    every kind, but unconfirmed: the address was typed at activation and never proven, so it is
    sent the confirmation link first (in `language`, the activation request's, else the site's).
    None when the login has no address or the address already follows the enterprise."""
    from following import email as mails

    email = (email or "").strip().lower()
    if not email:
        return None
    if Follow.objects.filter(target=Target.ENTERPRISE, enterprise_id=account.enterprise_id, channel=Channel.EMAIL,
                             email=email, confirmed_at__isnull=False, ended_at=None).exists():
        return None
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    follow = Follow.objects.create(
        target=Target.ENTERPRISE, enterprise_id=account.enterprise_id, channel=Channel.EMAIL, email=email,
        frequency=Frequency.IMMEDIATE, kinds=[], token=_new_token(), created_at=timezone.now(),
        account_id=account.user_id, language=language,
    )
    mails.confirmation_send(follow=follow)
    audit_record(action="following.follow.liaison_subscribed", obj=follow,
                 payload={"enterprise_id": account.enterprise_id, "user_id": account.user_id, "email": email})
    return follow


def account_follows_end(*, account) -> int:
    """A revoked liaison login's follows end (each with its own audit event); the number ended."""
    follows = Follow.objects.filter(account_id=account.user_id, ended_at=None)
    ended = 0
    for follow in follows:
        follow_end(follow=follow, reason="account revoked")
        ended += 1
    return ended


# --- signal receivers (credit.hooks), connected in following/apps.py -----------------------


def on_account_activated(*, account, email: str, language: str | None = None, **kwargs) -> None:
    liaison_follow_create(account=account, email=email, language=language)


def on_account_revoked(*, account, **kwargs) -> None:
    account_follows_end(account=account)
