"""Follows and alerts in the admin: superusers read them (they name people's addresses);
nobody adds, changes or deletes one here: follows change through their mailed links and the
services (following/services.py), alerts are written by the dispatcher. The token is not shown."""

from django.contrib import admin

from following.models import Alert, Follow
from portal.admin import _SuperuserReadOnly


@admin.register(Follow)
class FollowAdmin(_SuperuserReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "target", "enterprise", "credit_list", "search_label", "channel", "email",
                    "frequency", "confirmed_at", "ended_at")
    list_filter = ("target", "channel", "frequency", ("confirmed_at", admin.EmptyFieldListFilter),
                   ("ended_at", admin.EmptyFieldListFilter))
    list_select_related = ("enterprise", "credit_list")
    search_fields = ("email", "enterprise__uscc", "enterprise__name", "credit_list__code", "search_label")
    date_hierarchy = "created_at"
    exclude = ("token",)
    readonly_fields = ("target", "enterprise", "credit_list", "search", "search_label", "channel", "email",
                       "frequency", "endpoint", "account", "kinds", "language", "created_at", "created_from",
                       "confirmed_at", "ended_at", "ended_reason", "start_after")
    show_full_result_count = False


@admin.register(Alert)
class AlertAdmin(_SuperuserReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "follow", "event", "delivered_at", "digest_key")
    list_filter = (("delivered_at", admin.EmptyFieldListFilter),)
    list_select_related = ("follow", "event")
    search_fields = ("follow__email", "digest_key")
    readonly_fields = ("follow", "event", "created_at", "delivered_at", "digest_key")
    raw_id_fields = ("follow", "event")
    show_full_result_count = False
