"""The inspections app's parts of the credit file and of /account/ (registered in
InspectionsConfig.ready): spot-check results, published double-random results, and the
enterprise's own inspections."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from credit import sections
from credit.sections import FileSubject, Section
from inspections.models import SpotCheck, Task
from inspections.selectors import result_deadline


def _spot_check_rows(subject: FileSubject):
    return SpotCheck.objects.filter(enterprise_id=subject.enterprise_id).order_by("-checked_on", "-id")


def _result_rows(subject: FileSubject):
    # Only published results are part of the file, revealed plan or not.
    return Task.objects.results_published().filter(enterprise_id=subject.enterprise_id).order_by(
        "-completed_on", "-id"
    )


def _results_load(section: Section, subject: FileSubject) -> dict[str, Any]:
    """Two queries whatever the number of rows: tasks with their plans and agencies, and
    the plans' items (for the task names)."""
    tasks = list(section.rows(subject).select_related("plan", "plan__agency").prefetch_related(Prefetch("plan__items")))
    return {section.key: tasks}


SPOT_CHECKS = Section(
    key="inspection_spot_checks", order=100, template="inspections/sections/spot_checks.html",
    rows=_spot_check_rows, related=(("agency", ("name", "name_en")),),
    contents=(("spot-checks", _("Spot-check results")),),
)
DOUBLE_RANDOM = Section(
    key="inspection_results", order=110, template="inspections/sections/double_random.html",
    rows=_result_rows, load=_results_load, contents=(("double-random", _("Double-random inspection results")),),
)


def account_inspections(*, enterprise, today) -> dict[str, Any]:
    """The enterprise's double-random tasks that are public (those of revealed plans and
    those whose result is published: a plan that keeps its draw secret until publication
    does so that firms are not forewarned, so its tasks stay hidden here too), and its
    spot checks."""
    tasks = list(
        Task.objects.publicly_visible()
        .filter(enterprise=enterprise)
        .select_related("plan__agency")
        .order_by("-plan__checks_end_on", "-id")
    )
    for task in tasks:
        # Pure date arithmetic on the official calendar: no query.
        task.result_due = None if task.result_is_public else result_deadline(task.plan)
    spot_checks = list(
        SpotCheck.objects.filter(enterprise=enterprise).select_related("agency").order_by("-checked_on", "-id")
    )
    return {"tasks": tasks, "spot_checks": spot_checks}


INSPECTIONS_PANEL = sections.AccountPanel(
    key="inspections", order=30, template="inspections/account/inspections.html", load=account_inspections
)


def register() -> None:
    sections.section_register(SPOT_CHECKS)
    sections.section_register(DOUBLE_RANDOM)
    sections.account_panel_register(INSPECTIONS_PANEL)
