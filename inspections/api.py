"""The inspections app's part of the public read API (docs/api.md): committed plans with their
draw files and, as the plan page shows them, the selected firms and their published results;
and the spot checks and double-random results of the credit file (credit.api sections).

Drafts are never public (404). Before the reveal only the commitment, the frozen input files
and the firms whose result is published are shown (Task.objects.publicly_visible); the secret,
the public entropy, the seed and the reveal files only after it. A result is given only once
published."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action

from credit.api import AgencyNameSerializer, EnterpriseRefSerializer, SectionApi, label
from credit.api import section_api_register as credit_section_api_register
from inspections import selectors
from inspections.models import Plan
from portal import api

PLAN_NUMBER = "[A-Za-z0-9._-]{1,64}"


class ItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()


class PlanRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    agency = AgencyNameSerializer()
    directed = serializers.BooleanField(source="is_directed")


class SpotCheckSerializer(serializers.Serializer):
    agency = AgencyNameSerializer()
    kind = serializers.CharField()
    checked_on = serializers.DateField()
    result = serializers.CharField()
    result_label = label("get_result_display")
    published_at = serializers.DateTimeField()


class FileResultSerializer(serializers.Serializer):
    """A published double-random result as the credit file shows it."""

    plan = PlanRefSerializer()
    task_number = serializers.CharField(source="number")
    items = serializers.SerializerMethodField()
    completed_on = serializers.DateField(allow_null=True)
    result = serializers.CharField()
    result_label = label("get_result_display")

    def get_items(self, task) -> list[dict[str, str]]:
        return [{"code": i.code, "name": i.name, "name_en": i.name_en} for i in task.plan.items.all()]


SECTION_APIS = (
    SectionApi("inspection_spot_checks", SpotCheckSerializer, lambda context: context["inspection_spot_checks"]),
    SectionApi("inspection_results", FileResultSerializer, lambda context: context["inspection_results"]),
)


class PlanFileSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, plan_file) -> str:
        return self.context["request"].build_absolute_uri(
            f"/inspections/plans/{self.context['plan'].number}/files/{plan_file.name}")


class PlanSerializer(api.CachedFieldsModelSerializer):
    agency = AgencyNameSerializer()
    state_label = label("get_state_display")
    reveal_policy_label = label("get_reveal_policy_display")
    directed = serializers.BooleanField(source="is_directed")
    revealed = serializers.BooleanField(source="is_revealed")
    page = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = ("number", "name", "name_en", "agency", "year", "batch", "state", "state_label", "directed",
                  "reveal_policy", "reveal_policy_label", "checks_end_on", "commitment", "committed_at",
                  "entropy_source", "entropy_available_at", "entropy_entered_at", "drawn_at", "revealed",
                  "revealed_at", "published_at", "page")

    def get_page(self, plan) -> str:
        return self.context["request"].build_absolute_uri(f"/inspections/plans/{plan.number}/")


class RevealSerializer(serializers.Serializer):
    secret = serializers.CharField()
    public_entropy = serializers.CharField()
    seed = serializers.CharField()


class PlanDetailSerializer(PlanSerializer):
    items = ItemSerializer(many=True)
    results_due = serializers.DateField()
    results_due_provisional = serializers.BooleanField()
    results_published = serializers.IntegerField()
    selected = serializers.IntegerField()
    reveal = RevealSerializer(allow_null=True)
    files = PlanFileSerializer(source="published_files", many=True)
    tasks = serializers.SerializerMethodField()

    class Meta(PlanSerializer.Meta):
        fields = (*PlanSerializer.Meta.fields, "items", "results_due", "results_due_provisional",
                  "results_published", "selected", "reveal", "files", "tasks")

    def get_tasks(self, plan) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/plans/{plan.number}/tasks/")


class TaskSerializer(serializers.Serializer):
    """A selected firm as the plan page lists it; its result only once published."""

    number = serializers.CharField()
    position = serializers.IntegerField()
    enterprise = EnterpriseRefSerializer()
    risk_class = serializers.CharField()
    inspector_codes = serializers.CharField()
    assigned_manually = serializers.BooleanField()
    result = serializers.SerializerMethodField()
    result_label = serializers.SerializerMethodField()
    completed_on = serializers.SerializerMethodField()

    def get_result(self, task) -> str | None:
        return task.result if task.result_is_public else None

    def get_result_label(self, task) -> str | None:
        return str(task.get_result_display()) if task.result_is_public else None

    def get_completed_on(self, task) -> str | None:
        return task.completed_on.isoformat() if task.result_is_public and task.completed_on else None


class TaskPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = TaskSerializer(many=True)


PLAN_PARAMETER = OpenApiParameter("number", str, OpenApiParameter.PATH, pattern=f"^{PLAN_NUMBER}$",
                                  description="The plan number.")


class PlanViewSet(api.LimitedMixin, viewsets.ReadOnlyModelViewSet):
    """Committed inspection plans ("double random, one open"), newest first."""

    serializer_class = PlanSerializer
    lookup_field = "number"
    lookup_value_regex = PLAN_NUMBER

    def get_queryset(self):
        return selectors.public_plans().order_by("-id")

    def get_serializer_class(self):
        return PlanDetailSerializer if self.action == "retrieve" else PlanSerializer

    @extend_schema(parameters=[
        OpenApiParameter("year", int, description="Only plans of this year."),
        OpenApiParameter("agency", str, description="Only this agency's plans (its code)."),
    ])
    def list(self, request, *args, **kwargs):
        def build():
            queryset = self.get_queryset()
            year = request.query_params.get("year")
            if year is not None:
                if not year.isdigit() or not 1900 <= int(year) <= 2100:
                    raise exceptions.ValidationError({"year": [_("Give a year from 1900 to 2100.")]})
                queryset = queryset.filter(year=int(year))
            agency = request.query_params.get("agency")
            if agency is not None:
                queryset = queryset.filter(agency__code=agency)
            rows = self.paginator.paginate_queryset(queryset, request, view=self)
            return self.paginator.page_data(PlanSerializer(rows, many=True, context={"request": request}).data)

        return api.versioned(request, api.site_version(), build)

    def _plan(self, number: str) -> Plan:
        plan = selectors.public_plan(number)
        if plan is None:
            raise exceptions.NotFound(_("No public plan has this number."))
        return plan

    @extend_schema(parameters=[PLAN_PARAMETER], responses={200: PlanDetailSerializer,
                                                            404: OpenApiResponse(description="Unknown or draft plan")})
    def retrieve(self, request, number: str):
        def build() -> dict[str, Any]:
            plan = self._plan(number)
            deadline = selectors.result_deadline(plan)
            progress = selectors.plan_results_progress(plan)
            plan.results_due = deadline.date
            plan.results_due_provisional = deadline.provisional
            plan.results_published = progress.published
            plan.selected = progress.total
            plan.reveal = ({"secret": plan.secret.hex() if plan.secret else "", "public_entropy": plan.public_entropy,
                            "seed": plan.seed} if plan.is_revealed else None)
            plan.published_files = selectors.plan_files(plan)
            return PlanDetailSerializer(plan, context={"request": request, "plan": plan}).data

        return api.versioned(request, api.site_version(), build)

    @extend_schema(parameters=[PLAN_PARAMETER, api.CURSOR_PARAMETER],
                   responses={200: TaskPageSerializer, 404: OpenApiResponse(description="Unknown or draft plan")})
    @action(detail=True, methods=["get"], url_path="tasks")
    def tasks(self, request, number: str):
        """The plan's selected firms the public may see, in ticket order: all once revealed,
        before that only those whose result is published."""
        def build() -> dict[str, Any]:
            plan = self._plan(number)
            paginator = api.ApiCursorPagination()
            paginator.ordering = ("position", "id")
            rows = paginator.paginate_queryset(selectors.plan_public_tasks(plan), request, view=self)
            return paginator.page_data(TaskSerializer(rows, many=True).data)

        return api.versioned(request, api.site_version(), build)


def register() -> None:
    for item in SECTION_APIS:
        credit_section_api_register(item)
    api.api_register("plans", PlanViewSet, basename="plan")
