"""How list entries appear in the change feed and the bulk files (credit/changes.py).

An entry's public state is its listing while it is listed; removed, revoked or expired, it has
left the list and its state is null (its page stays readable as history, and the event that
ended it says how: removed, expired). Other objects are named by their codes.
"""

from __future__ import annotations

from typing import Any

from credit.changes import ChangeSerializer, change_serializer_register, fields_state
from listings.models import EntryState, ListEntry

ENTRY_COLUMNS = (
    "list", "uscc", "reason", "reason_text", "legal_basis", "other_legal_basis", "decision_number",
    "deciding_agency", "severity", "decided_on", "listed_on", "publication_ends_on", "repair_from", "published_at",
    "report_year", "source_label", "source_url",
)
_OWN = [c for c in ENTRY_COLUMNS if c not in ("list", "uscc", "reason", "deciding_agency")]


def entry_state(entry: ListEntry) -> dict[str, Any] | None:
    if entry.state != EntryState.LISTED:
        return None
    values = fields_state(entry, _OWN)
    values.update(list=entry.credit_list.code, uscc=entry.enterprise.uscc, reason=entry.reason.code,
                  deciding_agency=entry.deciding_agency.code)
    return {column: values[column] for column in ENTRY_COLUMNS}


def register() -> None:
    change_serializer_register(ChangeSerializer(
        model=ListEntry, state=entry_state, address=lambda entry: f"/lists/{entry.credit_list.code}/{entry.pk}/",
        related=("credit_list", "enterprise", "reason", "deciding_agency"), dataset="list_entries",
        columns=ENTRY_COLUMNS, order=40, candidates=lambda: ListEntry.objects.filter(state=EntryState.LISTED),
        collection=lambda entry: entry.credit_list.code,
    ))
