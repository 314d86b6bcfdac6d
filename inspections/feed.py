"""How inspection results appear in the change feed and the bulk files (credit/changes.py).

A double-random task is public once its result is published (before that, even its existence
may forewarn the firm); a spot check is published when it is entered.
"""

from __future__ import annotations

from typing import Any

from credit.changes import ChangeSerializer, change_serializer_register, fields_state
from inspections.models import SpotCheck, Task

RESULT_COLUMNS = ("plan", "task_number", "uscc", "result", "findings", "completed_on", "published_at")
SPOT_CHECK_COLUMNS = ("uscc", "agency", "kind", "checked_on", "result", "published_at")


def result_state(task: Task) -> dict[str, Any] | None:
    if task.published_at is None:
        return None
    return {"plan": task.plan.number, "task_number": task.number, "uscc": task.enterprise.uscc,
            **fields_state(task, ("result", "findings", "completed_on", "published_at"))}


def spot_check_state(check: SpotCheck) -> dict[str, Any]:
    return {"uscc": check.enterprise.uscc, "agency": check.agency.code,
            **fields_state(check, ("kind", "checked_on", "result", "published_at"))}


def register() -> None:
    change_serializer_register(ChangeSerializer(
        model=Task, state=result_state, address=lambda t: f"/enterprises/{t.enterprise.uscc}/#double-random",
        related=("plan", "enterprise"), dataset="inspection_results", columns=RESULT_COLUMNS, order=50,
        candidates=lambda: Task.objects.filter(published_at__isnull=False),
    ))
    change_serializer_register(ChangeSerializer(
        model=SpotCheck, state=spot_check_state,
        address=lambda c: f"/enterprises/{c.enterprise.uscc}/#spot-checks",
        related=("enterprise", "agency"),
    ))
