"""From the change feed to alerts: each event after the cursor, for each active follow it
concerns, becomes one Alert (docs/following.md).

Which follows an event concerns:
- a follow of an enterprise: every event of that enterprise (`ChangeEvent.enterprise`, kept
  beside the event by credit.changes from the object's enterprise), its removals included;
- a follow of a list: every event of an entry of that list (`ChangeEvent.collection`);
- a follow of a saved search: every event of an enterprise the search finds at that moment, read
  with the site's own search filter (credit.filters.EnterpriseFilter) over the events' enterprises;
and only events after the follow's `start_after` and of the kinds it chose.

Exactly once: the cursor row is locked while a run reads and records, and advanced in the same
transaction as the alerts, which are unique per (follow, event): two runs at once, or a task
delivered twice, record each alert once. Channels deliver each alert once (following/channels.py).
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from credit.models import ChangeEvent, Enterprise
from following.channels import channel_deliverer
from following.models import Alert, DispatchCursor, Follow, Target

logger = logging.getLogger("following.dispatch")

# Events read per transaction: bounded work and memory per step, whatever the backlog.
BATCH = 2000


def _active() -> Q:
    return Q(confirmed_at__isnull=False, ended_at=None)


def _wants(follow: Follow, event: ChangeEvent) -> bool:
    return event.sequence > follow.start_after and (not follow.kinds or event.kind in follow.kinds)


def search_matches(search: dict, enterprise_ids: set[int]) -> set[int]:
    """Which of the enterprises a saved search finds now (the site's own search filter)."""
    from credit.filters import EnterpriseFilter

    if not enterprise_ids:
        return set()
    filterset = EnterpriseFilter(data=search or {}, queryset=Enterprise.objects.filter(pk__in=enterprise_ids))
    if not filterset.form.is_valid():
        return set()
    return set(filterset.qs.values_list("pk", flat=True))


def alerts_for(events: list[ChangeEvent]) -> list[Alert]:
    """The alerts a batch of events makes, unsaved (one per concerned follow and event)."""
    by_enterprise: dict[int, list[ChangeEvent]] = defaultdict(list)
    by_collection: dict[str, list[ChangeEvent]] = defaultdict(list)
    for event in events:
        if event.enterprise_id is not None:
            by_enterprise[event.enterprise_id].append(event)
        if event.collection:
            by_collection[event.collection].append(event)
    now = timezone.now()
    alerts: list[Alert] = []

    def add(follow: Follow, concerned: list[ChangeEvent]) -> None:
        alerts.extend(Alert(follow=follow, event=event, created_at=now) for event in concerned
                      if _wants(follow, event))

    if by_enterprise:
        for follow in Follow.objects.filter(_active(), target=Target.ENTERPRISE,
                                            enterprise_id__in=list(by_enterprise)):
            add(follow, by_enterprise[follow.enterprise_id])
    if by_collection:
        for follow in Follow.objects.filter(_active(), target=Target.LIST,
                                            credit_list__code__in=list(by_collection)).select_related("credit_list"):
            add(follow, by_collection[follow.credit_list.code])
    if by_enterprise:
        searches: dict[str, list[Follow]] = defaultdict(list)
        for follow in Follow.objects.filter(_active(), target=Target.SEARCH):
            searches[_search_key(follow.search)].append(follow)
        for follows in searches.values():
            found = search_matches(follows[0].search, set(by_enterprise))
            concerned = [event for pk in sorted(found) for event in by_enterprise[pk]]
            concerned.sort(key=lambda event: event.sequence)
            for follow in follows:
                add(follow, concerned)
    return alerts


def _search_key(search: dict) -> str:
    return repr(sorted((str(k), str(v)) for k, v in (search or {}).items()))


def _first_cursor() -> int:
    """Where a new installation's dispatcher starts: no follow hears of events before its own
    start, so the history before the earliest active follow's start is never read."""
    from django.db.models import Min

    from credit.changes import feed_head

    earliest = Follow.objects.filter(_active()).aggregate(start=Min("start_after"))["start"]
    head = feed_head()["sequence"]
    return head if earliest is None else min(head, earliest)


def alerts_dispatch(*, batch: int = BATCH, max_batches: int = 50) -> int:
    """Turn the events after the cursor into alerts, `batch` events per transaction; the number of
    events read. Stops after `max_batches` (the task then queues itself again)."""
    DispatchCursor.objects.get_or_create(pk=1, defaults={"last_sequence": _first_cursor()})
    read = 0
    for _ in range(max_batches):
        with transaction.atomic():
            cursor = DispatchCursor.objects.select_for_update().get(pk=1)
            events = list(ChangeEvent.objects.filter(sequence__gt=cursor.last_sequence).order_by("sequence")
                          .only("id", "sequence", "kind", "enterprise_id", "collection")[:batch])
            if not events:
                return read
            alerts = alerts_for(events)
            Alert.objects.bulk_create(alerts, ignore_conflicts=True, batch_size=1000)
            cursor.last_sequence = events[-1].sequence
            cursor.updated_at = timezone.now()
            cursor.save(update_fields=["last_sequence", "updated_at"])
            first, last = events[0].pk, events[-1].pk
            transaction.on_commit(lambda first=first, last=last: alerts_hand_over(event_range=(first, last)))
        read += len(events)
        if len(events) < batch:
            return read
    return read


def alerts_hand_over(*, event_range: tuple[int, int]) -> None:
    """Give each channel the undelivered alerts of the events in `event_range` (ChangeEvent ids)."""
    rows = (Alert.objects.filter(event_id__gte=event_range[0], event_id__lte=event_range[1], delivered_at=None)
            .values_list("pk", "follow__channel"))
    by_channel: dict[str, list[int]] = defaultdict(list)
    for pk, channel in rows:
        by_channel[channel].append(pk)
    for channel, ids in by_channel.items():
        deliver = channel_deliverer(channel)
        if deliver is None:
            logger.warning("no deliverer for channel %s; %s alerts wait", channel, len(ids))
            continue
        deliver(ids)


def on_published(sender=None, **kwargs) -> None:
    """After a committed publication: dispatch soon, on the worker (in process on the embedded
    default). A broker outage only delays it: the beat task `following.dispatch` runs every minute."""
    from following.tasks import alerts_dispatch_task

    try:
        alerts_dispatch_task.delay()
    except Exception:
        logger.warning("following.dispatch not handed to the broker; the minutely run picks the events up")
