"""The audit log in the admin: append-only, so it can be read and never edited."""

from __future__ import annotations

from django.contrib import admin

from portal.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "actor_label", "object_type", "object_id", "object_repr")
    list_select_related = ("actor",)
    search_fields = ("action", "object_repr", "=object_id", "actor_label")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr",
                       "payload")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
