"""How inspection results appear in the change feed and the bulk files (credit/changes.py).

A double-random task is public once its result is published (before that, even its existence
may forewarn the firm); a spot check is published when it is entered.
"""

from __future__ import annotations

from credit.changes import NOT_NULL, ChangeSerializer, Column, change_serializer_register
from inspections.models import SpotCheck, Task

RESULT_COLUMNS = ("plan", "task_number", "uscc", "result", "findings", "completed_on", "published_at")
SPOT_CHECK_COLUMNS = ("uscc", "agency", "kind", "checked_on", "result", "published_at")


def register() -> None:
    change_serializer_register(ChangeSerializer(
        model=Task, address=lambda t: f"/enterprises/{t.enterprise.uscc}/#double-random",
        dataset="inspection_results", order=50,
        declared=(Column("plan", "plan__number"), Column("task_number", "number"), Column("uscc", "enterprise__uscc"),
                  "result", "findings", "completed_on", "published_at"),
        public_when=(("published_at", NOT_NULL),),
    ))
    change_serializer_register(ChangeSerializer(
        model=SpotCheck, address=lambda c: f"/enterprises/{c.enterprise.uscc}/#spot-checks",
        declared=(Column("uscc", "enterprise__uscc"), Column("agency", "agency__code"), "kind", "checked_on",
                  "result", "published_at"),
    ))
