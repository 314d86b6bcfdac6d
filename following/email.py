"""The e-mail channel (docs/following.md): confirmation links, one mail per alert for immediate
follows, one digest per follow and day for daily ones.

Every mail is a portal.Notice recorded under a unique key (portal/notices.py), so each is sent
once however often the code below runs: `following.confirm:<follow>`, `following.alert:<alert>`,
`following.digest:<follow>:<day>`. An alert is marked delivered (`delivered_at`, and
`digest_key` for a digest) in the transaction that records its Notice. Every mail carries the
one-click unsubscribe headers of RFC 8058 (the confirmation mail's link ends that pending
follow) and every mail of a confirmed follow, in its text, the follow it answers and the links
that manage and end it. Subjects are one line: staff-typed names with newlines or control
characters are collapsed to single spaces (a newline in a header would refuse the send).
Mails are written in the language the follow was asked for in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from following.channels import channel_register
from following.models import Alert, Channel, Follow, Frequency, Target
from portal.i18n import localized_name
from portal.notices import notice_queue

KIND_LABELS = {
    "published": gettext_lazy("published"),
    "corrected": gettext_lazy("corrected"),
    "changed": gettext_lazy("changed"),
    "withdrawn": gettext_lazy("withdrawn"),
    "removed": gettext_lazy("removed from publication"),
    "expired": gettext_lazy("expired (its publication period ended)"),
    "repaired": gettext_lazy("repaired (credit repair granted)"),
}
# Attributes that name a record, in the order they are tried (a penalty's decision number ...).
_NAMING = ("document_number", "decision_number", "registration_number", "number", "title", "name")


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def link(name: str, follow: Follow) -> str:
    return absolute(reverse(f"following:{name}", args=[follow.token]))


_BLANKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def subject_clean(subject: str) -> str:
    """A subject on one line: every run of whitespace or control characters becomes one space."""
    return _BLANKS.sub(" ", str(subject)).strip()


def unsubscribe_headers(follow: Follow) -> dict[str, str]:
    """RFC 2369 / RFC 8058: mail clients offer a one-click unsubscribe that POSTs to the link."""
    return {"List-Unsubscribe": f"<{link('unsubscribe', follow)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def target_label(follow: Follow, language: str | None = None) -> str:
    """What a follow follows, in words: the enterprise's name and USCC, the list, the search."""
    if follow.target == Target.ENTERPRISE:
        enterprise = follow.enterprise
        return f"{localized_name(enterprise, language=language)} ({enterprise.uscc})"
    if follow.target == Target.LIST:
        return _("the list “%(name)s”") % {"name": localized_name(follow.credit_list, language=language)}
    return _("the search “%(label)s”") % {"label": follow.search_label or follow.search.get("q", "")}


def follow_footer(follow: Follow) -> str:
    """Which follow a mail answers, since when, and how to change or end it."""
    since = timezone.localdate(follow.confirmed_at or follow.created_at).isoformat()
    kinds = ", ".join(str(KIND_LABELS[k]) for k in follow.kinds) if follow.kinds else _("every kind of change")
    return "\n".join([
        "--",
        _("You receive this because you follow %(target)s since %(date)s (%(frequency)s; %(kinds)s).") % {
            "target": target_label(follow), "date": since, "frequency": follow.get_frequency_display(),
            "kinds": kinds},
        _("Change this follow: %(url)s") % {"url": link("manage", follow)},
        _("Unsubscribe: %(url)s") % {"url": link("unsubscribe", follow)},
    ])


def _objects(alerts: list[Alert]) -> dict[tuple[str, str], object]:
    """The alerts' objects, one query per object type (removed ones too: rows are never deleted)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for alert in alerts:
        wanted[alert.event.object_type].add(alert.event.object_id)
    found: dict[tuple[str, str], object] = {}
    for label, ids in wanted.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        queryset = model._default_manager.filter(pk__in=[int(pk) for pk in ids if pk.isdigit()])
        if any(f.name == "credit_list" for f in model._meta.fields):
            queryset = queryset.select_related("credit_list")
        for obj in queryset:
            found[(label, str(obj.pk))] = obj
    return found


def object_label(alert: Alert, obj) -> str:
    """The changed object in words: its kind of record and what names it (the decision number)."""
    event = alert.event
    try:
        kind = str(apps.get_model(event.object_type)._meta.verbose_name)
    except LookupError:
        kind = event.object_type
    state = event.state or {}
    name = next((str(state[a]) for a in _NAMING if state.get(a)), "")
    if not name and obj is not None:
        name = next((str(getattr(obj, a)) for a in _NAMING if getattr(obj, a, None)), "")
    if obj is not None and getattr(obj, "credit_list", None) is not None:
        kind = _("entry on the %(list)s") % {"list": localized_name(obj.credit_list)}
    return f"{kind} {name}".strip() if name else f"{kind} #{event.object_id}"


def enterprise_label(alert: Alert) -> str:
    enterprise = alert.event.enterprise
    if enterprise is None:
        return ""
    return f"{localized_name(enterprise)} ({enterprise.uscc})"


def event_line(alert: Alert, obj) -> str:
    """One change in words: what happened to which record of which enterprise, when, and where to read it."""
    event = alert.event
    values = {"object": object_label(alert, obj), "kind": KIND_LABELS.get(event.kind, event.kind),
              "enterprise": enterprise_label(alert),
              "when": timezone.localtime(event.occurred_at).strftime("%Y-%m-%d %H:%M"),
              "url": absolute(event.address), "sequence": event.sequence}
    if values["enterprise"]:
        text = _("%(object)s of %(enterprise)s: %(kind)s on %(when)s.") % values
    else:
        text = _("%(object)s: %(kind)s on %(when)s.") % values
    return text + "\n" + _("Read it: %(url)s (change no. %(sequence)s)") % values


# --- confirmation -----------------------------------------------------------------------------


def confirmation_send(*, follow: Follow) -> None:
    """The confirmation link of a pending follow, once (`following.confirm:<id>`). A liaison's
    follow (made when their login was activated) says so: the address was typed, never proven."""
    with translation.override(follow.language):
        if follow.account_id:
            opening = _("Your enterprise login on the Enterprise Credit Information Publicity Portal subscribed "
                        "you to the changes of your enterprise %(target)s, by e-mail (%(frequency)s). Confirm "
                        "this address to receive these alerts.")
        else:
            opening = _("You (or someone using your address) asked to follow %(target)s on the Enterprise Credit "
                        "Information Publicity Portal, by e-mail (%(frequency)s).")
        body = "\n\n".join([
            opening % {"target": target_label(follow), "frequency": follow.get_frequency_display()},
            _("Open this link and press the button to confirm; nothing is sent to you before:\n%(url)s") % {
                "url": link("confirm", follow)},
            _("If you did not ask for this, ignore this e-mail: without confirmation nothing happens."),
        ])
        subject = _("Confirm that you follow %(target)s") % {"target": target_label(follow)}
    notice_queue(key=f"following.confirm:{follow.pk}", to=follow.email, subject=subject_clean(subject), body=body,
                 headers=unsubscribe_headers(follow))


def already_following_send(*, follow: Follow, day: dt.date) -> None:
    """An address asked again for a follow it has: it is told, with the link that manages it (once a day)."""
    with translation.override(follow.language):
        body = "\n\n".join([
            _("Someone asked again to follow %(target)s with your address. You already follow it: "
              "nothing new was made.") % {"target": target_label(follow)},
            follow_footer(follow),
        ])
        subject = _("You already follow %(target)s") % {"target": target_label(follow)}
    notice_queue(key=f"following.already:{follow.pk}:{day.isoformat()}", to=follow.email,
                 subject=subject_clean(subject),
                 body=body, headers=unsubscribe_headers(follow))


# --- immediate alerts ---------------------------------------------------------------------------


def _sendable(queryset):
    return queryset.filter(delivered_at=None, follow__channel=Channel.EMAIL, follow__confirmed_at__isnull=False,
                           follow__ended_at=None)


def deliver_new(alert_ids: list[int]) -> int:
    """The e-mail channel's deliverer (following/channels.py): one mail per alert of an immediate
    follow, recorded once (`following.alert:<id>`); daily follows' alerts wait for the digest.
    Safe to call twice with the same ids. The number of mails recorded."""
    ids = sorted(set(alert_ids))
    recorded = 0
    for start in range(0, len(ids), 200):
        recorded += _deliver_batch(ids[start:start + 200])
    return recorded


def _deliver_batch(ids: list[int]) -> int:
    recorded = 0
    with transaction.atomic():
        alerts = list(_sendable(Alert.objects.filter(pk__in=ids, follow__frequency=Frequency.IMMEDIATE))
                      .select_for_update(of=("self",))
                      .select_related("event__enterprise", "follow__enterprise", "follow__credit_list")
                      .order_by("pk"))
        objects = _objects(alerts)
        now = timezone.now()
        for alert in alerts:
            follow = alert.follow
            event = alert.event
            obj = objects.get((event.object_type, event.object_id))
            with translation.override(follow.language):
                subject = _("%(object)s %(kind)s: %(enterprise)s") % {
                    "object": object_label(alert, obj), "kind": KIND_LABELS.get(event.kind, event.kind),
                    "enterprise": enterprise_label(alert) or target_label(follow)}
                body = "\n\n".join([event_line(alert, obj), follow_footer(follow)])
            if notice_queue(key=f"following.alert:{alert.pk}", to=follow.email, subject=subject_clean(subject),
                            body=body,
                            headers=unsubscribe_headers(follow)) is not None:
                recorded += 1
            alert.delivered_at = now
        Alert.objects.bulk_update(alerts, ["delivered_at"])
    return recorded


def stale_deliver(*, now: dt.datetime | None = None, older_than: int = 60, limit: int = 500) -> int:
    """Immediate e-mail alerts whose hand-over after commit was lost (a broker outage, a crash):
    those recorded more than `older_than` seconds before `now` and still undelivered, at most
    `limit` per call, go out now (the minutely following.dispatch task). Safe to run twice: the
    deliverer locks and marks each alert, each mail is keyed by its alert. The mails recorded."""
    now = now or timezone.now()
    stale = _sendable(Alert.objects.filter(follow__frequency=Frequency.IMMEDIATE,
                                           created_at__lt=now - dt.timedelta(seconds=older_than)))
    return deliver_new(list(stale.order_by("pk").values_list("pk", flat=True)[:limit]))


# --- daily digests ------------------------------------------------------------------------------


def digest_key(follow: Follow, day: dt.date) -> str:
    return f"following.digest:{follow.pk}:{day.isoformat()}"


def digest_body(follow: Follow, alerts: list[Alert], objects: dict) -> str:
    """The day's changes grouped by enterprise, then by kind (in the feed's order)."""
    from credit.changes import KINDS

    groups: dict[str, dict[str, list[Alert]]] = defaultdict(lambda: defaultdict(list))
    for alert in alerts:
        groups[enterprise_label(alert) or target_label(follow)][alert.event.kind].append(alert)
    parts = [ngettext("%(n)d change to %(target)s since the last digest:",
                      "%(n)d changes to %(target)s since the last digest:", len(alerts)) % {
        "n": len(alerts), "target": target_label(follow)}]
    for enterprise, kinds in groups.items():
        lines = [f"== {enterprise} =="]
        for kind in sorted(kinds, key=lambda k: KINDS.index(k) if k in KINDS else len(KINDS)):
            lines.append(f"-- {KIND_LABELS.get(kind, kind)} ({len(kinds[kind])}) --")
            for alert in kinds[kind]:
                obj = objects.get((alert.event.object_type, alert.event.object_id))
                lines.append("* " + event_line(alert, obj).replace("\n", "\n  "))
        parts.append("\n".join(lines))
    parts.append(follow_footer(follow))
    return "\n\n".join(parts)


def digests_send(*, now: dt.datetime | None = None) -> int:
    """One digest per daily follow with waiting alerts, for the local day of `now`: its alerts
    recorded before `now`, in one mail keyed `following.digest:<follow>:<day>`. Run twice the same
    day, the second run records nothing (alerts come later wait for the next day's digest).
    Immediate follows' alerts left undelivered (a broker outage) are delivered on the way.
    The number of digests recorded."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    stale = _sendable(Alert.objects.filter(follow__frequency=Frequency.IMMEDIATE, created_at__lt=now))
    deliver_new(list(stale.values_list("pk", flat=True)[:10_000]))
    follow_ids = (_sendable(Alert.objects.filter(follow__frequency=Frequency.DAILY, created_at__lt=now))
                  .values_list("follow_id", flat=True).distinct().order_by("follow_id"))
    return sum(digest_send(follow_id=pk, day=day, now=now) for pk in list(follow_ids))


def digest_send(*, follow_id: int, day: dt.date, now: dt.datetime) -> int:
    """The digest of one follow for `day` (1 if recorded now, 0 if there was one already or nothing waits)."""
    with transaction.atomic():
        follow = (Follow.objects.select_for_update(of=("self",)).select_related("enterprise", "credit_list")
                  .filter(Q(pk=follow_id), confirmed_at__isnull=False, ended_at=None).first())
        if follow is None:
            return 0
        alerts = list(_sendable(follow.alerts.filter(created_at__lt=now))
                      .select_related("event__enterprise").order_by("event__sequence"))
        if not alerts:
            return 0
        key = digest_key(follow, day)
        objects = _objects(alerts)
        with translation.override(follow.language):
            subject = ngettext("Daily digest of %(date)s: %(n)d change to %(target)s",
                               "Daily digest of %(date)s: %(n)d changes to %(target)s", len(alerts)) % {
                "date": day.isoformat(), "n": len(alerts), "target": target_label(follow)}
            body = digest_body(follow, alerts, objects)
        if notice_queue(key=key, to=follow.email, subject=subject_clean(subject), body=body,
                        headers=unsubscribe_headers(follow)) is None:
            return 0  # today's digest was recorded before: these wait for tomorrow's
        Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(delivered_at=now, digest_key=key)
        return 1


def register() -> None:
    channel_register(Channel.EMAIL, deliver_new)
