"""The staff home's registry: the queues of work with a deadline, from every app.

`portal` owns the page (/staff/, `portal.views.staff_home`): who may see it, the merge of
every queue in deadline order, the "N working days left" / "overdue since" reading
(`portal.workdays.deadline_status`, the one home of that arithmetic, shown by
templates/portal/_deadline.html as on every staff queue page), counts per queue and the
pagination. The apps that own the work declare their queues here from their
AppConfig.ready(), as they declare credit-file sections (credit.sections):

    workbench.queue_source_register(workbench.QueueSource(
        key="objections", title=_("Objections"), order=10, items=objection_items,
        perms=("listings.change_objection",)))

`items(principal, today)` returns the `QueueItem`s of the principal's agency; a source is
asked only if the login holds its `perms` (the admin's model permissions for the same work),
and should cost a fixed number of queries whatever its number of rows. `portal` imports no
app above it (portal/tests/test_layers.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from portal.workdays import DeadlineStatus, deadline_status

if TYPE_CHECKING:
    from portal.access import Principal


@dataclass(frozen=True)
class QueueItem:
    """One piece of work: what it is (`kind`, a label), what to do (`title`), for which
    enterprise, by when (`deadline`, marked `provisional` when its working days were counted
    on a calendar not yet published), and where it is done (`url`)."""

    kind: str
    title: str
    enterprise_name: str
    enterprise_uscc: str
    deadline: dt.date
    url: str
    provisional: bool = False


@dataclass(frozen=True)
class QueueSource:
    key: str
    title: str
    items: Callable[[Principal, dt.date], list[QueueItem]] = field(repr=False)
    order: int = 100
    perms: tuple[str, ...] = ()
    # Optional: (label, url) pairs of the pages where this kind of work is done, shown with the
    # queue's count (the results tables of the agency's plans still taking results).
    links: Callable[[Principal], list[tuple[str, str]]] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class QueueRow:
    """A QueueItem as the staff home shows it, with its working days left or overdue."""

    item: QueueItem
    source: QueueSource
    status: DeadlineStatus

    @property
    def overdue(self) -> bool:
        return self.status.overdue


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]
    # Per source the login may see, in source order: (source, number of items, its links).
    counts: list[tuple[QueueSource, int, list[tuple[str, str]]]]


_sources: dict[str, QueueSource] = {}


def queue_source_register(source: QueueSource) -> None:
    if source.key in _sources and _sources[source.key] != source:
        raise ValueError(f"staff queue {source.key!r} is registered twice")
    _sources[source.key] = source


def queue_source_unregister(key: str) -> None:
    _sources.pop(key, None)


def queue_sources() -> tuple[QueueSource, ...]:
    return tuple(sorted(_sources.values(), key=lambda s: (s.order, s.key)))


def queue_row(item: QueueItem, source: QueueSource, today: dt.date) -> QueueRow:
    return QueueRow(item, source, deadline_status(item.deadline, today, provisional=item.provisional))


def staff_queue(principal: Principal, today: dt.date, *, may: Callable[[tuple[str, ...]], bool]) -> Queue:
    """Every queue `principal` may see (`may(perms)`), merged and ordered by deadline (then
    queue order and title, so the order is stable)."""
    rows: list[QueueRow] = []
    counts: list[tuple[QueueSource, int, list[tuple[str, str]]]] = []
    for source in queue_sources():
        if not may(source.perms):
            continue
        items = source.items(principal, today)
        counts.append((source, len(items), source.links(principal) if source.links is not None else []))
        rows.extend(queue_row(item, source, today) for item in items)
    rows.sort(key=lambda row: (row.item.deadline, row.source.order, row.item.title, row.item.url))
    return Queue(rows=rows, counts=counts)
