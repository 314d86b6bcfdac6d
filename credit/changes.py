"""The change feed: every change the public sees, as ordered, hash-chained events.

`credit.publication.publication_record` calls `change_events_emit` in the transaction of the
change, after it has raised the one PublicationState row: that UPDATE locks the row, so
publications are serialised, and the sequence (`feed_sequence`) and the chain's last hash
(`feed_hash`) kept on that row move without gaps or forks.

What an object's public state is, and where the public sees it, is said per model by the app
that owns the model (`change_serializer_register`, from its AppConfig.ready()): `credit` never
imports the apps above it. A model without a registered serializer yields no event. A
serializer may also name a bulk dataset (credit/bulk.py): the snapshot of that dataset is the
non-null state of every row of `candidates()`, so that a day's events applied to yesterday's
snapshot give today's (docs/data.md).

The construction of the chain is specified in docs/changes.md; credit/verify_changes.py
(standard library only) recomputes it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

GENESIS_HASH = "0" * 64
# The fields of an event that its hash covers, in the canonical document (docs/changes.md).
CANONICAL_FIELDS = ("action", "address", "kind", "object_id", "object_type", "occurred_at", "sequence", "state")
KINDS = ("published", "corrected", "changed", "withdrawn", "removed", "expired", "repaired")
# Events written per INSERT when a set-based job emits many.
_BATCH = 2000


# --- the registry -------------------------------------------------------------------------


class _NotNull:
    def __repr__(self) -> str:
        return "NOT_NULL"


# In `public_when`: the field must hold a value (not null).
NOT_NULL = _NotNull()


@dataclass(frozen=True)
class Column:
    """One key of a declared state (ChangeSerializer.declared).

    A plain column is the value at `path` (an ORM path from the model, by default the name:
    "enterprise__uscc"), written as `plain()` writes it. A computed column derives its value from
    the paths it `reads`, defined twice side by side: `python` (a function of the object) for the
    feed, and `sql` (a PostgreSQL expression, each read path written as {path}) for the bulk
    snapshot (credit/bulk_sql.py); the two are tested equal on every dataset. `kind` is the SQL
    value's type for a computed column ("json", "text", ...)."""

    name: str
    path: str = ""
    python: Callable[[Any], Any] | None = None
    sql: str = ""
    reads: tuple[str, ...] = ()
    kind: str = ""

    @property
    def source(self) -> str:
        return self.path or self.name


@dataclass(frozen=True)
class ChangeSerializer:
    """How one model appears in the feed (and, with `dataset`, in the bulk files).

    state:      the object's public state as JSON-native values (str, int, bool, None, lists and
                dicts of them; decimals and dates as strings), or None when the public no longer
                sees it (withdrawn, removed, expired, not yet published). It must read only the
                object and the rows `related` selects, and never today's date, so that the state
                changes only with an event.
    address:    the public address that shows the object (/enterprises/<USCC>/#penalties).
    related:    select_related() paths the two need (set-based emission and bulk export).
    dataset:    the bulk dataset of the model ("" for none).
    candidates: the rows a snapshot reads, a superset of those with a state (state() decides).
    columns:    the CSV columns of the dataset after `id`, in order: the keys of state().
    enterprise: the id of the enterprise the object belongs to, kept beside the event (not in its
                hash) so that followers of an enterprise find its events, removals included; by
                default the object's own `enterprise_id` (an enterprise: its own id).
    collection: the public collection the object is part of (a list entry: its list's code), kept
                beside the event for the followers of that collection.
    declared:   instead of `state`, the state declared as columns (Column, or a name for the field of
                that name): the object's public state is those columns' values while every
                `public_when` condition holds ((path, value) pairs, NOT_NULL for "has a value"),
                and None otherwise. A declared state is the rule's one home for both the feed
                (read in Python) and the bulk snapshot (generated in SQL on PostgreSQL,
                credit/bulk_sql.py); `columns`, `related` and `candidates` follow from it.
    """

    model: type[models.Model]
    address: Callable[[Any], str]
    state: Callable[[Any], dict | None] | None = None
    related: tuple[str, ...] = ()
    dataset: str = ""
    candidates: Callable[[], QuerySet] | None = None
    columns: tuple[str, ...] = ()
    order: int = 100
    enterprise: Callable[[Any], int | None] | None = None
    collection: Callable[[Any], str] | None = None
    declared: tuple[Column | str, ...] = ()
    public_when: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self):
        if not self.declared:
            if self.state is None:
                raise TypeError(f"{self.model.__name__}: a change serializer needs a state or declared columns")
            return
        if self.state is not None or self.candidates is not None:
            # The snapshot's rows of a declared state are those public_when admits (bulk_sql).
            raise TypeError(f"{self.model.__name__}: declared columns come with public_when, not a state or candidates")
        declared = tuple(c if isinstance(c, Column) else Column(c) for c in self.declared)
        paths = [p for c in declared for p in (c.reads if c.python else (c.source,))]
        paths += [path for path, _ in self.public_when]
        related = set(self.related)
        for path in paths:
            parts = path.split("__")
            related.update("__".join(parts[:i]) for i in range(1, len(parts)))
        setter = object.__setattr__  # a frozen dataclass: the derived values are set once, here
        setter(self, "declared", declared)
        setter(self, "related", tuple(sorted(related)))
        setter(self, "columns", self.columns or tuple(c.name for c in declared))
        setter(self, "state", self._declared_state)
        if self.candidates is None and self.public_when:
            setter(self, "candidates", lambda: self.model._default_manager.filter(self.public_q()))

    def public_q(self) -> models.Q:
        """`public_when` as a filter: the rows whose declared state is not None."""
        q = models.Q()
        for path, expected in self.public_when:
            q &= models.Q(**({f"{path}__isnull": False} if expected is NOT_NULL
                             else {f"{path}__isnull": True} if expected is None else {path: expected}))
        return q

    def _declared_state(self, obj) -> dict[str, Any] | None:
        for path, expected in self.public_when:
            value = _path_reader(obj._meta.model, path)(obj)
            if (value is None) if expected is NOT_NULL else (value != expected):
                return None
        model = obj._meta.model
        return {column.name: (plain(column.python(obj)) if column.python else _path_reader(model, column.source)(obj))
                for column in self.declared}

    def enterprise_of(self, obj) -> int | None:
        if self.enterprise is not None:
            return self.enterprise(obj)
        if obj._meta.label_lower == "credit.enterprise":
            return obj.pk
        return getattr(obj, "enterprise_id", None)

    def collection_of(self, obj) -> str:
        return self.collection(obj) if self.collection is not None else ""

    @property
    def object_type(self) -> str:
        return self.model._meta.label_lower

    def rows(self) -> QuerySet:
        queryset = self.candidates() if self.candidates else self.model._default_manager.all()
        if self.related:
            queryset = queryset.select_related(*self.related)
        return queryset.order_by("pk")

    def row_views(self, *, chunk_size: int = 5000, pk_range: tuple[int, int] | None = None) -> Iterator[Any]:
        """The rows of `rows()` as light read-only views over plain values (RowView): the same
        columns select_related() would load, without building model instances, for the bulk
        export. `state()` reads a view as it reads an instance (tested for every dataset)."""
        queryset = self.candidates() if self.candidates else self.model._default_manager.all()
        if pk_range is not None:
            queryset = queryset.filter(pk__gte=pk_range[0], pk__lt=pk_range[1])
        layout = _row_layout(self.model, self.related)
        values = queryset.order_by("pk").values_list(*layout.paths)
        build = layout.build
        for row in values.iterator(chunk_size=chunk_size):
            yield build(row)


class RowView:
    """Attribute access over one row's plain values, shaped like the model instance with its
    select_related() rows: `view.name`, `view.enterprise.uscc`, `view.pk`, `view._meta`."""

    __slots__ = ("__dict__",)


@dataclass(frozen=True)
class _RowLayout:
    paths: tuple[str, ...]
    build: Callable[[tuple], RowView]


@functools.cache
def _row_layout(model: type[models.Model], related: tuple[str, ...]) -> _RowLayout:
    """Which values to read for `model` and its `related` paths, and how to assemble a view."""
    paths: list[str] = []
    # (prefix of the view, class of the view, [(attribute, index), ...])
    nodes: list[tuple[str, type, list[tuple[str, int]]]] = []

    def add(prefix: str, node_model: type[models.Model]) -> None:
        view_class = type(f"{node_model.__name__}Row", (RowView,), {"_meta": node_model._meta})
        attributes = []
        for field in node_model._meta.concrete_fields:
            attributes.append((field.attname, len(paths)))
            if field.primary_key:
                attributes.append(("pk", len(paths)))
            paths.append(f"{prefix}{field.attname}")
        nodes.append((prefix, view_class, attributes))

    add("", model)
    for path in sorted(set(related), key=lambda p: p.count("__")):
        target, prefix = model, ""
        for part in path.split("__"):
            target = target._meta.get_field(part).related_model
            prefix += f"{part}__"
        add(prefix, target)

    def build(row: tuple) -> RowView:
        views: dict[str, RowView] = {}
        for prefix, view_class, attributes in nodes:
            view = view_class()
            view.__dict__.update({name: row[index] for name, index in attributes})
            if prefix:
                parent, _, attribute = prefix[:-2].rpartition("__")
                holder = views[f"{parent}__" if parent else ""]
                # A null foreign key reads as None, as it does on an instance.
                setattr(holder, attribute, view if view.pk is not None else None)
            views[prefix] = view
        return views[""]

    return _RowLayout(paths=tuple(paths), build=build)


_SERIALIZERS: dict[type[models.Model], ChangeSerializer] = {}


def change_serializer_register(serializer: ChangeSerializer) -> None:
    """Register (or replace, on a second ready()) the serializer of a model."""
    _SERIALIZERS[serializer.model] = serializer


def serializer_for(model: type[models.Model]) -> ChangeSerializer | None:
    return _SERIALIZERS.get(model)


def datasets() -> list[ChangeSerializer]:
    """The registered bulk datasets, in the order the manifest lists them."""
    return sorted((s for s in _SERIALIZERS.values() if s.dataset), key=lambda s: (s.order, s.dataset))


# --- values -------------------------------------------------------------------------------


_NATIVE = (str, int, bool, type(None))


def plain(value: Any) -> Any:
    """A model value as the feed writes it: JSON-native, exact (decimals as strings)."""
    if type(value) in _NATIVE:  # the common case first: the bulk export calls this per value
        return value
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        # No floats in the canonical bytes (their text differs between languages): a string.
        return repr(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def timestamp(value: dt.datetime) -> str:
    """UTC, microseconds, a Z: 2026-11-16T02:00:00.000000Z (the canonical form of a time)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fields_state(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """The named fields as plain values; a decimal with its field's places, as the database keeps
    it (an instance just saved may hold Decimal("5") where the row has 5.00)."""
    values = {}
    for name in names:
        value = getattr(obj, name)
        if type(value) in _NATIVE:
            values[name] = value
            continue
        if isinstance(value, decimal.Decimal):
            quantum = _decimal_quantum(obj._meta.model, name)
            if quantum is not None:
                value = value.quantize(quantum)
        values[name] = plain(value)
    return values


@functools.cache
def _path_reader(model: type[models.Model], path: str) -> Callable[[Any], Any]:
    """A function reading the ORM path (enterprise__uscc) from an instance or a RowView as the
    feed writes it (fields_state's rules: native values as they are, a decimal with its field's
    places; a null foreign key on the way gives None)."""
    *hops, name = path.split("__")
    target = model
    for hop in hops:
        target = target._meta.get_field(hop).related_model
    field = target._meta.get_field(name)
    if field.is_relation:
        raise ValueError(f"{model.__name__}.{path}: name a column of the related row, not the relation")
    attribute = field.attname
    quantum = _decimal_quantum(target, attribute) if isinstance(field, models.DecimalField) else None

    def read(obj):
        for hop in hops:
            obj = getattr(obj, hop)
            if obj is None:
                return None
        value = getattr(obj, attribute)
        if type(value) in _NATIVE:
            return value
        if quantum is not None and isinstance(value, decimal.Decimal):
            value = value.quantize(quantum)
        return plain(value)

    return read


@functools.cache
def _decimal_quantum(model: type[models.Model], name: str) -> decimal.Decimal | None:
    places = getattr(model._meta.get_field(name), "decimal_places", None)
    return None if places is None else decimal.Decimal(1).scaleb(-places)


# --- the chain ----------------------------------------------------------------------------


def canonical_bytes(event: Mapping[str, Any]) -> bytes:
    """The bytes an event's hash covers: the CANONICAL_FIELDS as UTF-8 JSON, keys sorted, no
    whitespace, non-ASCII characters as themselves (docs/changes.md, section 3)."""
    document = {name: event[name] for name in CANONICAL_FIELDS}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """hash = sha256(prev_hash (64 lower-case hex) + "|" + canonical bytes), lower-case hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"|" + canonical).hexdigest()


def event_kind(action: str, state: dict | None) -> str:
    """The kind of an event, from the last part of its action code; an object whose state
    became null by any other action is "removed" (a removal is never silent)."""
    verb = action.rsplit(".", 1)[-1]
    if "repair" in action and verb in ("approved", "granted", "repaired"):
        kind = "repaired"
    elif verb in ("withdrawn", "expired", "corrected", "changed"):
        kind = verb
    elif verb in ("removed", "revoked"):
        kind = "removed"
    else:
        kind = "published"
    if state is None and kind not in ("withdrawn", "removed", "expired", "repaired"):
        kind = "removed"
    return kind


def event_document(event) -> dict[str, Any]:
    """A stored ChangeEvent as the feed publishes it (and the verifier reads it)."""
    return {
        "sequence": event.sequence, "occurred_at": timestamp(event.occurred_at), "action": event.action,
        "kind": event.kind, "object_type": event.object_type, "object_id": event.object_id,
        "address": event.address, "state": event.state, "prev_hash": event.prev_hash, "hash": event.hash,
    }


# --- emission -----------------------------------------------------------------------------


def _changed_objects(changed: Iterable) -> Iterator[tuple[ChangeSerializer, models.Model]]:
    """Each registered object of `changed` (instances, or querysets streamed in id order)."""
    for item in changed:
        if item is None:
            continue
        if isinstance(item, QuerySet):
            serializer = serializer_for(item.model)
            if serializer is None:
                continue
            queryset = item.select_related(*serializer.related) if serializer.related else item
            for obj in queryset.order_by("pk").iterator(chunk_size=_BATCH):
                yield serializer, obj
        else:
            serializer = serializer_for(type(item))
            if serializer is not None:
                yield serializer, item


def change_events_emit(*, action: str, changed: Iterable, occurred_at: dt.datetime | None = None) -> int:
    """Append one event per changed object to the feed, chained, in the caller's transaction.

    The caller (publication_record) has already UPDATEd the PublicationState row, which holds
    its lock until the commit; the head is read under that lock and written back once. Set-based
    callers pass querysets: their rows are streamed in id order and written in batches, so memory
    stays bounded whatever their number. Returns the number of events written."""
    from credit.models import ChangeEvent, PublicationState

    changed = [item for item in changed if item is not None and serializer_for(
        item.model if isinstance(item, QuerySet) else type(item)) is not None]
    if not changed:
        return 0  # nothing the feed carries: not even the head is read
    occurred_at = (occurred_at or timezone.now())
    stamp = timestamp(occurred_at)
    head = PublicationState.objects.select_for_update().only("feed_sequence", "feed_hash").get(pk=1)
    sequence, last_hash = head.feed_sequence, head.feed_hash
    written = 0
    batch: list[ChangeEvent] = []
    for serializer, obj in _changed_objects(changed):
        state = serializer.state(obj)
        state = plain(state) if state is not None else None
        document = {
            "sequence": sequence + 1, "occurred_at": stamp, "action": action, "kind": event_kind(action, state),
            "object_type": serializer.object_type, "object_id": str(obj.pk), "address": serializer.address(obj),
            "state": state,
        }
        digest = chain_hash(last_hash, canonical_bytes(document))
        batch.append(ChangeEvent(
            sequence=document["sequence"], occurred_at=occurred_at, action=action, kind=document["kind"],
            object_type=document["object_type"], object_id=document["object_id"], address=document["address"],
            state=state, prev_hash=last_hash, hash=digest,
            enterprise_id=serializer.enterprise_of(obj), collection=serializer.collection_of(obj)[:64],
        ))
        sequence, last_hash = document["sequence"], digest
        if len(batch) >= _BATCH:
            ChangeEvent.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        ChangeEvent.objects.bulk_create(batch)
        written += len(batch)
    if written:
        PublicationState.objects.filter(pk=1).update(feed_sequence=sequence, feed_hash=last_hash)
    return written


# --- reads --------------------------------------------------------------------------------


def feed_head() -> dict[str, Any]:
    """The feed's current head: the last sequence and its hash (0 and the genesis hash when empty)."""
    from credit.models import PublicationState

    row = PublicationState.objects.filter(pk=1).values("feed_sequence", "feed_hash").first()
    if row is None:
        return {"sequence": 0, "hash": GENESIS_HASH}
    return {"sequence": row["feed_sequence"], "hash": row["feed_hash"]}


def day_end(day: dt.date) -> dt.datetime:
    """The first instant after local day `day` (midnight in the site's time zone)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def change_head_record(*, day: dt.date):
    """Record the feed's head at the end of local day `day`: the last event that occurred before
    the following midnight (sequence 0 and the genesis hash if none). Idempotent: a day's head,
    once recorded, is kept (it may already have been copied by others)."""
    from credit.models import ChangeEvent, ChangeHead

    existing = ChangeHead.objects.filter(day=day).first()
    if existing is not None:
        return existing
    last = (ChangeEvent.objects.filter(occurred_at__lt=day_end(day)).order_by("-sequence")
            .values("sequence", "hash").first())
    sequence, digest = (last["sequence"], last["hash"]) if last else (0, GENESIS_HASH)
    head, _created = ChangeHead.objects.get_or_create(day=day, defaults={"sequence": sequence, "hash": digest})
    return head
