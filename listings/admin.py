"""Agency staff (with the model permissions; the rule is portal.access.AgencyScopedAdmin) see every
list, entry and memorandum here. Entries are added, removed and objections decided
through the staff pages under /lists/staff/. Lists are changed by superusers and by the owning
agency's staff, memoranda by superusers, and a signatory agency's staff maintain their own measures;
every save goes through listings.services (ownership checked again there, one audit event each)
and nothing is deleted."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from listings import services
from listings.models import (
    CreditList,
    ListEntry,
    ListEntryEvent,
    ListReason,
    Measure,
    Memorandum,
    Objection,
    actionable_q,
)
from portal import access


class ReadOnlyAdmin(access.AgencyScopedAdmin):
    """Every agency's staff may read every entry and its history; changes go through the staff pages."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _signatory(request, memorandum) -> bool:
    agency = access.staff_agency(request)
    if agency is None or memorandum is None:
        return False
    return any(signatory.pk == agency.pk for signatory in memorandum.signatories.all())


class _ServiceErrorsMixin:
    """A service's refusal (a crafted POST, a rule broken) is shown as a message, nothing is saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            for message in error.messages:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ListReasonInline(admin.TabularInline):
    """A list's reasons are changed exactly when the list is."""

    model = ListReason
    extra = 0
    can_delete = False

    def _parent(self):
        return self.admin_site._registry[CreditList]

    def has_view_permission(self, request, obj=None):
        return self._parent().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._parent().has_change_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._parent().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class CreditListAdminForm(forms.ModelForm):
    class Meta:
        model = CreditList
        fields = ["code", "name", "name_en", "colour", "category", "owner_agency", "legal_basis", "subject_type",
                  "severity", "min_publication_months", "max_publication_months", "consequences", "consequences_en",
                  "removal_conditions", "removal_conditions_en", "sort_order"]

    def clean(self):
        data = super().clean()
        try:
            # Said here too so the form keeps what was typed; the service refuses it in any case.
            services.publication_months_check(
                severity=data.get("severity") or self.instance.severity,
                low=data.get("min_publication_months"),
                high=data.get("max_publication_months"),
            )
        except services.ListingError as error:
            self.add_error(error.field, error)
        return data


@admin.register(CreditList)
class CreditListAdmin(_ServiceErrorsMixin, access.AgencyScopedAdmin):
    """Superusers add and change any list; the owning agency's staff change their own (not its code or owner)."""

    agency_path = "owner_agency"
    form = CreditListAdminForm
    list_display = ["code", "name", "colour", "owner_agency", "severity", "min_publication_months",
                    "max_publication_months", "add_entry_link"]
    list_select_related = ["owner_agency"]
    inlines = [ListReasonInline]

    def may_add(self, request):
        return request.user.is_superuser

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return []
        return sorted(services.LIST_OWNER_ONLY_FIELDS)

    def save_model(self, request, obj, form, change):
        if change:
            services.credit_list_update(credit_list=obj, actor=request.user)
        else:
            services.credit_list_create(credit_list=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        for reason in formset.save(commit=False):
            services.list_reason_save(reason=reason, actor=request.user)

    @admin.display(description=_("add an entry"))
    def add_entry_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("listings:staff_entry_add", args=[obj.code]), _("add"))


def decides_objections(request, entry) -> bool:
    """Objection grounds and who submitted them are the deciding agency's to read (the list's owner,
    or the registration authority that listed the firm: ListEntry.actionable_by), and superusers';
    other agencies' staff see that there is an objection and its outcome."""
    return entry is not None and (access.who(request).is_superuser or entry.actionable_by(access.staff_agency(request)))


class DecidedEntriesFilter(admin.SimpleListFilter):
    """The rows the staff member's agency decides on (ListEntry.objects.actionable_by)."""

    title = _("deciding agency")
    parameter_name = "decided_by"
    lookup_path = ""

    def lookups(self, request, model_admin):
        return [("mine", _("decided by my agency"))] if access.staff_agency(request) is not None else []

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(actionable_q(access.staff_agency(request), self.lookup_path))
        return queryset


class DecidedObjectionsFilter(DecidedEntriesFilter):
    lookup_path = "entry__"


class ListEntryEventInline(admin.TabularInline):
    model = ListEntryEvent
    extra = 0
    can_delete = False
    readonly_fields = ["occurred_at", "kind", "actor_label", "note", "actor_masked"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("actor"))
    def actor_masked(self, event):
        return "-" if event.kind == ListEntryEvent.Kind.OBJECTION else event.actor_label

    def get_fields(self, request, obj=None):
        # `obj` is the entry: another agency's staff do not learn the objector's login.
        shown = "actor_label" if decides_objections(request, obj) else "actor_masked"
        return ["occurred_at", "kind", shown, "note"]


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdmin):
    agency_path = "credit_list__owner_agency"
    list_display = ["id", "credit_list", "enterprise", "reason", "listed_on", "publication_ends_on", "shown_status",
                    "public_page"]
    list_filter = ["credit_list", "state", DecidedEntriesFilter]
    list_select_related = ["credit_list", "enterprise", "reason"]

    def owns(self, request, obj) -> bool:
        # The deciding agency: the list's owner, or the registration authority that listed the firm.
        return decides_objections(request, obj)
    search_fields = ["enterprise__uscc", "enterprise__name", "decision_number"]
    date_hierarchy = "listed_on"
    raw_id_fields = ["barred_person"]
    inlines = [ListEntryEventInline]

    @admin.display(description=_("status"))
    def shown_status(self, obj):
        # Derived from state and dates, so an entry past its end shows as ended before the sweep ran.
        return obj.status_label

    @admin.display(description=_("public page"))
    def public_page(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("open"))


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    agency_path = "entry__credit_list__owner_agency"
    list_display = ["id", "entry", "submitted_on", "state", "acceptance_due", "verification_due", "handle"]
    list_filter = ["state", DecidedObjectionsFilter]
    list_select_related = ["entry__credit_list"]
    PRIVATE_FIELDS = ("grounds", "submitted_by")

    def owns(self, request, obj) -> bool:
        return decides_objections(request, obj.entry)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not decides_objections(request, obj.entry):
            fields = [name for name in fields if name not in self.PRIVATE_FIELDS]
        return fields

    def get_queryset(self, request):
        # The decision page is the deciding agency's (listings.views.staff_objection): others get no link.
        return super().get_queryset(request).annotate(
            decided_here=ExpressionWrapper(actionable_q(access.staff_agency(request), "entry__"),
                                           output_field=BooleanField())
        )

    @admin.display(description=_("handle"))
    def handle(self, obj):
        if not getattr(obj, "decided_here", False):
            return "-"
        return format_html('<a href="{}">{}</a>', reverse("listings:staff_objection", args=[obj.pk]), _("open"))


MEASURE_FIELDS = ["agency", "kind", "description", "description_en", "legal_basis"]


class MeasureInline(admin.TabularInline):
    """Superusers: every measure of the memorandum."""

    model = Measure
    fields = MEASURE_FIELDS
    extra = 1
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return self.admin_site._registry[Memorandum].has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


class OwnMeasureInline(MeasureInline):
    """A signatory agency's staff: their own agency's measures, editable; the agency is theirs."""

    fields = ["kind", "description", "description_en", "legal_basis"]
    verbose_name_plural = _("measures applied by your agency")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(agency=access.staff_agency(request))

    def _editor(self, request, obj) -> bool:
        return _signatory(request, obj) and access.has_perms(request, ["listings.change_measure"])

    def has_add_permission(self, request, obj=None):
        return self._editor(request, obj) and access.has_perms(request, ["listings.add_measure"])

    def has_change_permission(self, request, obj=None):
        return self._editor(request, obj)


class OtherMeasureInline(MeasureInline):
    """Everyone else's measures, read-only."""

    fields = MEASURE_FIELDS
    readonly_fields = MEASURE_FIELDS
    extra = 0
    verbose_name_plural = _("measures applied by other agencies")

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("agency")
        agency = access.staff_agency(request)
        return queryset.exclude(agency=agency) if agency is not None else queryset

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Memorandum)
class MemorandumAdmin(_ServiceErrorsMixin, access.AgencyScopedAdmin):
    """No agency owns a memorandum (several sign it): only superusers change it. Its signatories'
    staff open it to maintain their own agency's measures; everything else is read-only for them."""

    agency_path = None
    list_display = ["code", "title", "document_number", "signed_on"]
    filter_horizontal = ["signatories", "lists"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("signatories")

    def get_inlines(self, request, obj):
        if request.user.is_superuser:
            return [MeasureInline]
        if _signatory(request, obj):
            return [OwnMeasureInline, OtherMeasureInline]
        return [OtherMeasureInline]

    def may_add(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        # A signatory's staff may open the form to save their measures (so they need the measure
        # permission, not the memorandum's); the memorandum's own fields stay read-only.
        if not self.admin_allowed(request):
            return False
        if request.user.is_superuser:
            return True
        if not access.has_perms(request, ["listings.change_measure"]):
            return False
        return obj is None or _signatory(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return []
        return ["code", "title", "title_en", "document_number", "signed_on", "signatories", "lists"]

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            return  # nothing of the memorandum itself is editable for them; save_formset saves their measures
        data = form.cleaned_data
        services.memorandum_save(
            memorandum=obj, actor=request.user, signatories=data.get("signatories"), lists=data.get("lists")
        )

    def save_related(self, request, form, formsets, change):
        # form.save_m2m() would write signatories and lists past the service: memorandum_save did them.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        for measure in formset.save(commit=False):
            if not request.user.is_superuser:
                # The agency field is not on their form: new measures are their agency's.
                measure.agency = access.staff_agency(request) if measure.pk is None else measure.agency
            services.measure_save(measure=measure, actor=request.user)
