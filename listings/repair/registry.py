"""The registry of repairable record kinds: one RepairableKind per kind of negative record.

Each kind says how to find an enterprise's negative public records of the kind, who decides
a repair of one ("whoever recorded it repairs it", SAMR Order 107 Art. 4), how many working
days the decision takes (Art. 16), from which day repair may be requested (its part of the
eligibility rule, listings.repair.rules), and how approval ends the record's publication and
a fraud revocation restores it. A kind is registered from its app's parts.py (AppConfig.ready):
listings registers "penalty" and "list_entry", inspections "inspection_task" and "spot_check".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class KindRule:
    """A kind's own part of the eligibility rule for one record on a day: the first day repair
    may be requested (None: never, with `code` and `message` saying why), and whether the record
    is published at all (an unpublished record has nothing to repair)."""

    published: bool
    repairable_from: dt.date | None
    code: str = ""
    message: str = ""


@dataclass(frozen=True)
class RepairableKind:
    """key:            the kind's name in addresses and RepairApplication.record_kind
    label:            what the kind is called (lazy translation)
    records:          (enterprise_id, today) -> the enterprise's negative records of the kind,
                      those published today (one query)
    get:              (record_id) -> the record or None, with what `label_of` and `deciding_agency` read
    label_of:         (record) -> a short description ("Administrative penalty 京市监罚〔2026〕1号")
    url_of:           (record) -> the record's public address (the credit file's anchor or its page)
    deciding_agency:  (record) -> the Agency that decides its repair
    decision_days:    (record) -> working days for the decision after acceptance
    rule:             (record, today) -> KindRule
    end_publication:  (record, today, actor, agency) -> what to keep in publication_before
    restore:          (record, before, actor, agency) -> None: the record is published again
    file_records:     (credit-file context) -> the records of the kind the file shows (no query)
    """

    key: str
    label: Any
    records: Callable[[int, dt.date], Iterable[Any]]
    get: Callable[[int], Any]
    label_of: Callable[[Any], str]
    url_of: Callable[[Any], str]
    deciding_agency: Callable[[Any], Any]
    decision_days: Callable[[Any], int]
    rule: Callable[[Any, dt.date], KindRule]
    end_publication: Callable[..., dict]
    restore: Callable[..., None]
    file_records: Callable[[dict], list] = field(default=lambda context: [])
    order: int = 100


_kinds: dict[str, RepairableKind] = {}


def kind_register(kind: RepairableKind) -> None:
    if kind.key in _kinds and _kinds[kind.key] != kind:
        raise ValueError(f"repairable kind {kind.key!r} is registered twice")
    _kinds[kind.key] = kind


def kinds() -> tuple[RepairableKind, ...]:
    return tuple(sorted(_kinds.values(), key=lambda k: (k.order, k.key)))


def kind_get(key: str) -> RepairableKind | None:
    return _kinds.get(key)
