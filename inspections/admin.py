"""The staff flow: create a plan, commit, enter the public entropy, run the draw, review
teams, assign unassigned firms by hand, record results, publish.

Scoping: a staff login changes only its own agency's plans, inspectors, declared conflicts
and spot checks (every write goes through inspections/services.py, which audits it).
Other agencies' committed plans and published spot checks are read-only; their drafts,
inspectors and conflicts are hidden; before a reveal their seed and selection are hidden.
The one list of inspection items is maintained by superusers and national-level agency
staff. Nothing published is deleted: items and inspectors are deactivated instead.
The rule itself (who opens the admin, which rows are hidden or read-only) is
portal.access.AgencyScopedAdmin."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from credit.industries import section_choices
from credit.models import EntityType, RegistrationStatus
from credit.regions import region_choices
from inspections import selectors, services
from inspections.draw import algorithm
from inspections.models import (
    MINIMUM_YEARLY_SHARE,
    Conflict,
    InspectionItem,
    Inspector,
    Plan,
    PlanState,
    Result,
    SpotCheck,
    Task,
    task_public_q,
    task_result_public_q,
)
from portal import access
from portal.i18n import localized_name


def may_see_draw(user, plan: Plan) -> bool:
    """Before the reveal only the plan's own agency (and superusers) may see its seed and
    selection: inspections may be unannounced (docs/draw.md)."""
    return plan.is_revealed or access.acts_for(user, plan.agency_id)


# What the public page does not show before the reveal.
UNREVEALED_PLAN_FIELDS = {"seed", "public_entropy", "draw_error", "draw_attempts"}
UNPUBLISHED_TASK_FIELDS = {"result", "findings", "completed_on", "recorded_at", "manual_team"}


def warn_share(request, plan: Plan) -> None:
    counts = selectors.plan_scope_counts(plan)
    share = algorithm.expected_share(counts, plan.ratios)
    if share < MINIMUM_YEARLY_SHARE:
        messages.warning(
            request,
            _("Sampling ratios: the plan would select %(share)s%% of the %(count)d firms in scope, "
              "below the %(minimum)s%% a year the rules ask for.")
            % {"share": f"{share * 100:.2f}", "count": sum(counts.values()), "minimum": percent(MINIMUM_YEARLY_SHARE)},
        )


def service_errors(form: forms.Form, check) -> None:
    """Run a service's guard in the form, so a refusal shows on the form with the input kept."""
    try:
        check()
    except ValidationError as problem:
        form.add_error(None, problem)


class ScopedAdmin(access.AgencyScopedAdmin):
    """Inspections rows: the agency's own, private to it unless `others_visible`."""

    others_visible = False
    agency_choices = {"agency": "", "inspector": "agency", "user": "agency_staff__agency"}


@admin.register(InspectionItem)
class InspectionItemAdmin(access.AgencyScopedAdmin):
    """The national one list: superusers and national-level agency staff maintain it;
    other agency staff read it. An item leaves the list by being made inactive."""

    agency_path = None
    list_display = ["code", "name", "kind", "method", "active"]
    list_filter = ["kind", "method", "active"]
    search_fields = ["code", "name", "name_en"]

    def may_add(self, request):
        return services.actor_may_edit_items(request.user)

    def owns(self, request, obj):
        return services.actor_may_edit_items(request.user)

    def has_change_permission(self, request, obj=None):
        # The list as a whole too, so that other staff get "view" links only.
        return super().has_change_permission(request, obj) and self.owns(request, obj)

    def save_model(self, request, obj, form, change):
        services.inspection_item_save(item=obj, actor=request.user)


class InspectorForm(forms.ModelForm):
    class Meta:
        model = Inspector
        fields = ["agency", "code", "name", "user", "items", "active"]

    def _post_clean(self):
        super()._post_clean()  # the instance carries the entered values from here on
        if not self.errors:
            service_errors(self, lambda: services.inspector_check(inspector=self.instance, actor=self.actor))


@admin.register(Inspector)
class InspectorAdmin(ScopedAdmin):
    form = InspectorForm
    list_display = ["code", "name", "agency", "user", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["items"]
    list_select_related = ["agency", "user"]

    def get_autocomplete_fields(self, request):
        # Staff pick from their own agency's logins (a short list); only superusers search all users.
        return ["user"] if request.user.is_superuser else []


    def get_list_filter(self, request):
        return ["active", "agency"] if request.user.is_superuser else self.list_filter

    def get_readonly_fields(self, request, obj=None):
        # Frozen rosters name an inspector under its agency, so the agency never changes.
        return ["agency"] if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        services.inspector_save(inspector=obj, actor=request.user, items=form.cleaned_data.get("items"))

    def save_related(self, request, form, formsets, change):
        """Nothing to save: inspector_save wrote the qualified items."""


class ConflictForm(forms.ModelForm):
    class Meta:
        model = Conflict
        fields = ["inspector", "enterprise", "reason", "declared_on"]

    def _post_clean(self):
        super()._post_clean()  # the instance carries the entered values from here on
        if not self.errors:
            service_errors(self, lambda: services.conflict_check(conflict=self.instance, actor=self.actor))


@admin.register(Conflict)
class ConflictAdmin(ScopedAdmin):
    """Declared conflicts (their reasons are never published) stay within the agency."""

    form = ConflictForm
    agency_path = "inspector__agency"
    list_display = ["inspector", "enterprise", "declared_on"]
    list_select_related = ["inspector", "enterprise"]


    def get_readonly_fields(self, request, obj=None):
        return ["inspector", "enterprise"] if obj is not None else []

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        services.conflict_save(conflict=obj, actor=request.user)


class SpotCheckForm(forms.ModelForm):
    class Meta:
        model = SpotCheck
        # The publication time is the moment the service publishes the row.
        fields = ["enterprise", "agency", "kind", "checked_on", "result"]

    def clean(self):
        data = super().clean()
        agency = data.get("agency")
        if agency is not None:
            service_errors(self, lambda: services.spot_check_check(
                agency_id=agency.pk, checked_on=data.get("checked_on"), actor=self.actor))
        return data


@admin.register(SpotCheck)
class SpotCheckAdmin(ScopedAdmin):
    """Spot-check results are public once published: everyone reads them, nobody edits
    them, and a staff login publishes only in its own agency's name."""

    form = SpotCheckForm
    others_visible = True
    list_display = ["enterprise", "agency", "kind", "checked_on", "result", "published_at"]
    list_select_related = ["enterprise", "agency"]


    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        saved = services.spot_check_publish(
            enterprise=obj.enterprise, agency=obj.agency, kind=obj.kind, checked_on=obj.checked_on,
            result=obj.result, actor=request.user,
        )
        obj.pk, obj.published_at = saved.pk, saved.published_at


RATIO_FIELDS = ("ratio_a", "ratio_b", "ratio_c", "ratio_d")
HUNDRED = Decimal(100)


def percent(fraction) -> str:
    """A stored ratio as the percentage staff type: Decimal("0.0525") -> "5.25", 0.03 -> "3"."""
    value = (Decimal(fraction) * HUNDRED).quantize(Decimal("0.01"))
    return format(value.normalize(), "f") if value else "0"


def _scope_label(name: str):
    return capfirst(Plan._meta.get_field(name).verbose_name)


_percent_escaped = lazy(lambda text: str(text).replace("%", "%%"), str)


class PercentField(forms.DecimalField):
    """A sampling ratio typed in percent ("5" = 5%, at most two decimals), stored as a fraction (0.05)."""

    def __init__(self, *, label, **kwargs):
        # Every refusal names the field and the range; Django formats it with its params, hence %%.
        message = format_lazy("{}: {}", _percent_escaped(label), _("enter a percentage from 0 to 100%%, with at most 2 decimals "
                                                 "(5 means 5%%)."))
        super().__init__(
            label=label, min_value=0, max_value=100, max_digits=5, decimal_places=2,
            widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
            error_messages={key: message for key in ("invalid", "min_value", "max_value", "max_digits",
                                                     "max_decimal_places", "max_whole_digits")},
            **kwargs,
        )

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as problem:
            # Django raises "invalid" without params, so the message would keep its %% unformatted.
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value}) from problem


class PlanForm(forms.ModelForm):
    # The scope is picked, never typed as JSON; each field gives a list of strings (an empty list:
    # no limit), stored unchanged in the JSON fields.
    regions = forms.MultipleChoiceField(
        label=_scope_label("regions"), required=False, widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=_("Provinces and prefecture-level cities (\"code name\"); none chosen: the whole region of the "
                    "agency (nationwide only for a national agency). Hold Ctrl or Cmd to choose several."),
    )
    entity_types = forms.MultipleChoiceField(
        label=_scope_label("entity_types"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every entity type."),
    )
    industries = forms.MultipleChoiceField(
        label=_scope_label("industries"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Sections of GB/T 4754; none ticked: every industry."),
    )
    statuses = forms.MultipleChoiceField(
        label=_scope_label("statuses"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every registration status."),
    )
    ratio_a = PercentField(label=_("Ratio for class A (%)"))
    ratio_b = PercentField(label=_("Ratio for class B (%)"))
    ratio_c = PercentField(label=_("Ratio for class C (%)"))
    ratio_d = PercentField(label=_("Ratio for class D (%)"))

    # Set by PlanAdmin.get_form: the division prefix a scoped staff member's plans stay within.
    region_within = ""

    class Meta:
        model = Plan
        fields = [
            "agency", "number", "name", "name_en", "year", "batch", "items", "regions", "entity_types",
            "industries", "statuses", "ratio_a", "ratio_b", "ratio_c", "ratio_d", "ratio_reason", "team_size", "workload_cap",
            "conflict_period_days", "entropy_source", "entropy_available_at", "reveal_policy", "checks_end_on",
            "public_entropy",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = [str(code) for code in (self.instance.regions or []) if isinstance(code, str)]
        initial = self.initial.get("regions") or []
        fields = self.fields
        if "regions" in fields:
            fields["regions"].choices = region_choices(self.region_within, extra=[*stored, *initial])
        if "entity_types" in fields:
            fields["entity_types"].choices = EntityType.choices
        if "industries" in fields:
            fields["industries"].choices = section_choices()
        if "statuses" in fields:
            fields["statuses"].choices = RegistrationStatus.choices
        split = getattr(fields.get("entropy_available_at"), "widget", None)
        if split is not None and len(getattr(split, "widgets", ())) == 2:
            # The admin's split date/time inputs have no label of their own (axe: label).
            label = fields["entropy_available_at"].label
            for widget, part in zip(split.widgets, (_("Date"), _("Time")), strict=True):
                widget.attrs["aria-label"] = format_lazy("{}: {}", label, part)
        if "items" in fields:
            # The item's name in the reader's language, as on the public pages.
            fields["items"].label_from_instance = lambda item: f"{item.code} {localized_name(item)}"
        hint = _("Percent of the firms of this risk class in scope to draw: 5 means 5%%. Together the ratios "
                 "should check at least %(minimum)s%% of the firms in scope a year (the yearly minimum "
                 "coverage); a lower share is warned about on saving.") % {"minimum": percent(MINIMUM_YEARLY_SHARE)}
        for name in RATIO_FIELDS:
            if name in fields:
                fields[name].help_text = hint
                if self.initial.get(name) is not None:
                    self.initial[name] = percent(self.initial[name])

    def _clean_ratio(self, name):
        value = self.cleaned_data.get(name)
        return None if value is None else (value / HUNDRED).quantize(Decimal("0.0001"))

    def clean_ratio_a(self):
        return self._clean_ratio("ratio_a")

    def clean_ratio_b(self):
        return self._clean_ratio("ratio_b")

    def clean_ratio_c(self):
        return self._clean_ratio("ratio_c")

    def clean_ratio_d(self):
        return self._clean_ratio("ratio_d")

    def clean(self):
        data = super().clean()
        agency = data.get("agency") or (self.instance.agency if self.instance.agency_id else None)
        if agency is not None and "regions" in self.fields and "regions" not in self.errors:
            try:
                services.plan_regions_check(agency=agency, regions=data.get("regions") or [])
            except ValidationError as problem:
                self.add_error("regions", problem)
        if "public_entropy" in self.changed_data and self.instance.pk and "public_entropy" not in self.errors:
            # The instance still holds the stored plan here: the services' guards, on the form.
            service_errors(self, lambda: services.plan_entropy_check(
                plan=self.instance, public_entropy=data.get("public_entropy") or ""))
        return data

    def clean_public_entropy(self):
        value = (self.cleaned_data.get("public_entropy") or "").strip()
        if value:
            try:
                algorithm.check_ascii(value, "public_entropy")
            except algorithm.DrawInputError:
                raise ValidationError(
                    _("Write the published value in printable ASCII (digits, Latin letters, spaces).")
                ) from None
        return value


@admin.register(Plan)
class PlanAdmin(ScopedAdmin):
    """Other agencies' committed plans are public and read-only; their drafts are hidden."""

    form = PlanForm
    list_display = ["number", "name", "agency", "year", "batch", "state", "committed_at", "drawn_at", "draw_error"]
    list_filter = ["state", "year", "agency"]
    search_fields = ["number", "name"]
    list_select_related = ["agency"]
    filter_horizontal = ["items"]
    actions = ["commit_plans", "run_draws", "publish_results"]
    readonly_fields = ["state", "commitment", "committed_at", "entropy_entered_at", "seed", "drawn_at",
                       "revealed_at", "published_at", "draw_attempts", "draw_error", "results_due"]

    @admin.display(description=_("results table"))
    def results_table(self, obj):
        """The per-plan results table (shown to the plan's own agency once its firms are drawn:
        get_readonly_fields)."""
        return format_html('<a href="{}">{}</a>', reverse("inspections:staff_plan_results", args=[obj.number]),
                           _("Enter and publish the results of every firm of this plan"))

    @admin.display(description=_("results due"))
    def results_due(self, obj):
        if not obj or not obj.checks_end_on:
            return "-"
        deadline = selectors.result_deadline(obj)
        return f"{date_format(deadline.date)}{' *' if deadline.provisional else ''}"

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is None:
            return fields + ["public_entropy"]
        if obj.state in (PlanState.DRAWN, PlanState.PUBLISHED) and access.staff_agency(request) is not None \
                and access.acts_for(request, obj.agency_id):
            fields.append("results_table")
        if obj.state != PlanState.DRAFT or not access.acts_for(request.user, obj.agency_id):
            editable = {"public_entropy"} if obj.state == PlanState.COMMITTED and not obj.public_entropy else set()
            if not access.acts_for(request.user, obj.agency_id):
                editable = set()
            all_fields = [f.name for f in Plan._meta.get_fields() if getattr(f, "editable", False)
                          and not f.auto_created and f.concrete]
            fields += [name for name in all_fields + ["items"] if name not in editable and name not in fields]
        else:
            fields.append("public_entropy")
        return fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        agency = access.staff_agency(request)
        if "agency" in form.base_fields and self.is_scoped(request):
            prefix = services.agency_region_prefix(agency)
            form.region_within = prefix
            if obj is None and prefix and "regions" in form.base_fields:
                # By default a new plan covers the agency's whole region.
                form.base_fields["regions"].initial = [prefix]
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            # The agency's yearly coverage against the 3% minimum (admin/inspections/plan/change_form.html);
            # other agencies' staff get the public count, as on the plan page.
            context["coverage"] = selectors.agency_year_coverage(
                obj.agency, obj.year, public=not access.acts_for(request.user, obj.agency_id))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def save_model(self, request, obj, form, change):
        if change and obj.state == PlanState.COMMITTED and "public_entropy" in form.changed_data:
            entropy = obj.public_entropy
            obj.public_entropy = ""
            services.plan_entropy_enter(plan=obj, actor=request.user, public_entropy=entropy)
            obj.refresh_from_db()
            return
        if obj.state == PlanState.DRAFT:
            services.plan_save(plan=obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        if form.instance.state == PlanState.DRAFT:
            super().save_related(request, form, formsets, change)
            warn_share(request, form.instance)

    def visible_q(self, request, agency):
        # Other agencies' drafts are not public yet, so they are not shown at all.
        return Q(agency=agency) | ~Q(state=PlanState.DRAFT)

    def may_delete(self, request, obj):
        # Only an unpublished draft may go, and only by its own agency (checked by the base).
        return obj is None or obj.state == PlanState.DRAFT

    def delete_model(self, request, obj):
        services.plan_draft_delete(plan=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for plan in queryset:
            services.plan_draft_delete(plan=plan, actor=request.user)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not may_see_draw(request.user, obj):
            fields = [name for name in fields if name not in UNREVEALED_PLAN_FIELDS]
        return fields

    def get_list_display(self, request):
        user = request.user

        @admin.display(description=_("last draw error"))
        def draw_problem(plan):
            return plan.draw_error if may_see_draw(user, plan) else ""

        return [name for name in self.list_display if name != "draw_error"] + [draw_problem]

    def _each(self, request, queryset, service, done_message):
        for plan in queryset:
            if not access.acts_for(request.user, plan.agency_id):
                messages.error(request, _("%(number)s belongs to another agency.") % {"number": plan.number})
                continue
            try:
                service(plan=plan, actor=request.user)
            except ValidationError as problem:
                messages.error(request, f"{plan.number}: {' '.join(problem.messages)}")
            else:
                messages.success(request, done_message % {"number": plan.number})

    @admin.action(description=_("Commit: freeze and publish pool, roster, exclusions and the commitment"))
    def commit_plans(self, request, queryset):
        for plan in queryset.filter(state=PlanState.DRAFT):
            warn_share(request, plan)
        self._each(request, queryset, services.plan_commit, _("%(number)s committed."))

    @admin.action(description=_("Run the draw (queued to the workers)"))
    def run_draws(self, request, queryset):
        self._each(request, queryset, services.plan_draw_request, _("%(number)s: draw queued."))

    @admin.action(description=_("Publish the recorded results"))
    def publish_results(self, request, queryset):
        self._each(request, queryset, services.plan_results_publish, _("%(number)s: results published."))


class OverdueFilter(admin.SimpleListFilter):
    title = _("results deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        today = timezone.localdate()
        late_plans = [
            plan.pk for plan in Plan.objects.filter(state__in=[PlanState.DRAWN, PlanState.PUBLISHED])
            if selectors.result_deadline(plan).date < today
        ]
        late = queryset.filter(plan_id__in=late_plans, published_at__isnull=True)
        return late if self.value() == "yes" else queryset.exclude(pk__in=late.values("pk"))


class ResultFilter(admin.SimpleListFilter):
    """Filter by result among the results the viewer may read: published ones, and their own
    agency's recorded ones. A plain field filter would tell another agency's staff which firms of
    a revealed plan got which result before it is published."""

    title = _("result")
    parameter_name = "result"

    def lookups(self, request, model_admin):
        return Result.choices

    def queryset(self, request, queryset):
        if self.value() not in Result.values:
            return queryset
        matching = queryset.filter(result=self.value())
        principal = access.who(request)
        if principal.is_superuser:
            return matching
        return matching.filter(Q(plan__agency_id=principal.agency_id) | task_result_public_q())


class TaskForm(forms.ModelForm):
    manual_team = forms.ModelMultipleChoiceField(
        label=_("Assign a team by hand"), queryset=Inspector.objects.none(), required=False,
        help_text=_("Only for a firm the draw left without a team; recorded in the audit log."),
    )

    class Meta:
        model = Task
        fields = ["result", "findings", "completed_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["manual_team"].queryset = selectors.plan_manual_team_candidates(self.instance.plan)

    def clean(self):
        data = super().clean()
        result = data.get("result")
        if result and result != Result.NO_PROBLEM and not (data.get("findings") or "").strip():
            self.add_error("findings", _("Describe what was found for any result other than no problem."))
        if result and not data.get("completed_on"):
            self.add_error("completed_on", _("Enter the day the check ended."))
        if data.get("completed_on") and data["completed_on"] > timezone.localdate():
            self.add_error("completed_on", _("The completion date cannot be in the future."))
        team = data.get("manual_team")
        if result and self.instance.pk and not self.instance.is_assigned and not team:
            self.add_error("result", _("The draw left this firm without a team; assign a team by hand "
                                       "before recording a result."))
        if team and self.instance.plan and len(team) < self.instance.plan.team_size:
            self.add_error("manual_team", _("Choose at least %(size)d inspectors.") % {
                "size": self.instance.plan.team_size})
        return data


@admin.register(Task)
class TaskAdmin(ScopedAdmin):
    """Added by the draw, never deleted; changed (results, manual teams) by the plan's agency."""

    form = TaskForm
    agency_path = "plan__agency"
    list_display = ["number", "plan", "uscc", "risk_class", "team", "result", "completed_on", "due"]
    list_filter = [OverdueFilter, ResultFilter, "plan__state", "assigned_manually"]
    search_fields = ["number", "uscc", "plan__number"]
    list_select_related = ["plan"]
    readonly_fields = ["plan", "enterprise", "number", "uscc", "risk_class", "ticket", "inspector_codes",
                       "assigned_manually", "recorded_at", "published_at", "due"]

    class Media:
        # The overdue highlight: our CSP (style-src 'self') blocks inline style attributes.
        css = {"all": ["css/admin-inspections.css"]}

    def may_add(self, request):
        return False

    def visible_q(self, request, agency):
        # Before the reveal a selection is the plan's own agency's secret, except the firms
        # whose result is already published.
        return Q(plan__agency=agency) | task_public_q()

    def get_list_display(self, request):
        user = request.user

        @admin.display(description=_("result"))
        def result_shown(task):
            return task.get_result_display() if self.may_see_result(user, task) else ""

        @admin.display(description=_("completion date"))
        def completed_shown(task):
            return task.completed_on if self.may_see_result(user, task) else None

        replace = {"result": result_shown, "completed_on": completed_shown}
        return [replace.get(name, name) for name in self.list_display]

    @staticmethod
    def may_see_result(user, task) -> bool:
        """A result is public once published; before that only the plan's agency sees it."""
        return task.result_is_public or access.acts_for(user, task.plan.agency_id)

    @admin.display(description=_("team"))
    def team(self, obj):
        return obj.inspector_codes or format_html('<strong class="unassigned">{}</strong>', _("not assigned"))

    @admin.display(description=_("results due"))
    def due(self, obj):
        deadline = selectors.result_deadline(obj.plan)
        if selectors.task_is_overdue(obj, deadline):
            return format_html('<strong class="overdue">{} ({})</strong>', date_format(deadline.date), _("overdue"))
        return date_format(deadline.date)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and (obj.published_at or not access.acts_for(request.user, obj.plan.agency_id)):
            fields += ["result", "findings", "completed_on"]
        return fields

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is None or obj.is_assigned or not access.acts_for(request.user, obj.plan.agency_id):
            fields = [name for name in fields if name != "manual_team"]
        if obj is not None and not self.may_see_result(request.user, obj):
            fields = [name for name in fields if name not in UNPUBLISHED_TASK_FIELDS]
        return fields

    def save_model(self, request, obj, form, change):
        team = form.cleaned_data.get("manual_team")
        if team:
            services.task_assign_manual(task=obj, inspectors=list(team), actor=request.user)
        if form.cleaned_data.get("result") and {"result", "findings", "completed_on"} & set(form.changed_data):
            services.task_result_record(task=obj, result=obj.result, findings=obj.findings,
                                        completed_on=obj.completed_on, actor=request.user)

    def save_related(self, request, form, formsets, change):
        """Nothing to save: the services wrote everything."""
