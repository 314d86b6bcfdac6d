"""Staff see every list and entry here read-only; entries are added, removed and objections decided
through the staff pages under /lists/staff/, which call the services (ownership checks, audit)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from listings.models import CreditList, ListEntry, ListEntryEvent, ListReason, Measure, Memorandum, Objection


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Every agency's staff may read every entry and its history; changes go through the services.
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff


class ListReasonInline(admin.TabularInline):
    model = ListReason
    extra = 0
    can_delete = False


@admin.register(CreditList)
class CreditListAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "colour", "owner_agency", "severity", "min_publication_months",
                    "max_publication_months", "add_entry_link"]
    list_select_related = ["owner_agency"]
    inlines = [ListReasonInline]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("add an entry"))
    def add_entry_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("listings:staff_entry_add", args=[obj.code]), _("add"))


class ListEntryEventInline(admin.TabularInline):
    model = ListEntryEvent
    extra = 0
    can_delete = False
    readonly_fields = ["occurred_at", "kind", "actor_label", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ListEntry)
class ListEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "credit_list", "enterprise", "reason", "listed_on", "publication_ends_on", "shown_status",
                    "public_page"]
    list_filter = ["credit_list", "state"]
    list_select_related = ["credit_list", "enterprise", "reason"]
    search_fields = ["enterprise__uscc", "enterprise__name", "decision_number"]
    date_hierarchy = "listed_on"
    raw_id_fields = ["enterprise", "barred_person"]
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
    list_display = ["id", "entry", "submitted_on", "state", "acceptance_due", "verification_due", "handle"]
    list_filter = ["state"]
    list_select_related = ["entry__credit_list"]

    @admin.display(description=_("handle"))
    def handle(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("listings:staff_objection", args=[obj.pk]), _("open"))


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 1


@admin.register(Memorandum)
class MemorandumAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "document_number", "signed_on"]
    filter_horizontal = ["signatories", "lists"]
    inlines = [MeasureInline]

    def has_delete_permission(self, request, obj=None):
        return False
