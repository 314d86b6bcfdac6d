"""The audit log in the admin: append-only, so it can be read and never edited.

Only superusers read it. Its payloads carry what is not public yet (inspection results
before publication, manual team assignments, old values of corrected records), and an
event's actor does not always say whose business the object is (a system task, another
agency's correction), so scoping by the viewer's agency would leak; the simple rule is safe.
"""

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

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
