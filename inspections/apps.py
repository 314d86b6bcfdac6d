from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from inspections import api, feed, parts
        from inspections.models import Conflict, InspectionItem, Inspector, Plan, PlanState, SpotCheck, Task
        from portal.permanence import refuse_hard_delete

        parts.register()
        feed.register()
        api.register()
        # Only an uncommitted draft plan may go (inspections.services.plan_draft_delete); items and
        # inspectors are deactivated; conflicts, tasks and spot checks stay.
        refuse_hard_delete(InspectionItem, Inspector, Conflict, SpotCheck, Task)
        refuse_hard_delete(Plan, unless=lambda plan: plan.state == PlanState.DRAFT)
