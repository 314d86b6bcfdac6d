"""How list entries appear in the change feed and the bulk files (credit/changes.py).

An entry's public state is its listing while it is listed; removed, revoked or expired, it has
left the list and its state is null (its page stays readable as history, and the event that
ended it says how: removed, expired). Other objects are named by their codes.
"""

from __future__ import annotations

from credit.changes import ChangeSerializer, Column, change_serializer_register
from listings.models import EntryState, ListEntry

ENTRY_COLUMNS = (
    "list", "uscc", "reason", "reason_text", "legal_basis", "other_legal_basis", "decision_number",
    "deciding_agency", "severity", "decided_on", "listed_on", "publication_ends_on", "repair_from", "published_at",
    "report_year", "source_label", "source_url",
)
_PATHS = {"list": "credit_list__code", "uscc": "enterprise__uscc", "reason": "reason__code",
          "deciding_agency": "deciding_agency__code"}


def register() -> None:
    change_serializer_register(ChangeSerializer(
        model=ListEntry, address=lambda entry: f"/lists/{entry.credit_list.code}/{entry.pk}/",
        dataset="list_entries", order=40,
        declared=tuple(Column(c, _PATHS.get(c, "")) for c in ENTRY_COLUMNS),
        public_when=(("state", EntryState.LISTED),),
        collection=lambda entry: entry.credit_list.code,
    ))
