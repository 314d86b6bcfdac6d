"""The audit log in the admin: append-only, so it can be read and never edited.

Only superusers read it. Its payloads carry what is not public yet (inspection results
before publication, manual team assignments, old values of corrected records), and an
event's actor does not always say whose business the object is (a system task, another
agency's correction), so scoping by the viewer's agency would leak; the simple rule is safe.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin as _AxesAttemptAdmin
from axes.admin import AccessLogAdmin as _AxesLogAdmin
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from portal import services
from portal.models import AuditEvent, Notice


class _SuperuserReadOnly:
    """Superusers read; nobody adds, changes or deletes (the audit log, sign-in attempts)."""

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


@admin.register(AuditEvent)
class AuditEventAdmin(_SuperuserReadOnly, admin.ModelAdmin):
    list_display = ("created_at", "action", "actor_label", "object_type", "object_id", "object_repr")
    list_select_related = ("actor",)
    search_fields = ("action", "object_repr", "=object_id", "actor_label")
    date_hierarchy = "created_at"
    readonly_fields = ("created_at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr",
                       "payload")
    show_full_result_count = False


@admin.register(Notice)
class NoticeAdmin(_SuperuserReadOnly, admin.ModelAdmin):
    """The e-mails the portal recorded and whether they went out (portal/notices.py)."""

    list_display = ("created_at", "key", "recipient", "sent_at", "attempts", "last_error")
    list_filter = (("sent_at", admin.EmptyFieldListFilter),)
    search_fields = ("key", "recipient")
    date_hierarchy = "created_at"
    readonly_fields = ("key", "recipient", "subject", "body", "created_at", "sent_at", "attempts", "last_error")
    show_full_result_count = False


# --- Sign-in throttling (django-axes; portal/logins.py) --------------------------------------
#
# The failed sign-ins and the sign-in log name people and their addresses: superusers only,
# read-only. A lock is released with the audited action, never by deleting rows by hand.


@admin.register(AccessAttempt)
class LoginAttemptAdmin(_SuperuserReadOnly, _AxesAttemptAdmin):
    actions = ["release_login_locks"]

    @admin.action(description=_("Release the sign-in lock of the selected user names or addresses (audited)"))
    def release_login_locks(self, request, queryset):
        targets = {(attempt.username or "", "" if attempt.username else attempt.ip_address or "")
                   for attempt in queryset}
        for username, ip_address in sorted(targets):
            if not username and not ip_address:
                continue
            services.login_lock_release(username=username, ip_address=ip_address, actor=request.user)
            self.message_user(request, _("Sign-in lock of %(who)s released.") % {"who": username or ip_address},
                              messages.SUCCESS)


@admin.register(AccessLog)
class LoginLogAdmin(_SuperuserReadOnly, _AxesLogAdmin):
    pass


# --- Logins: deactivated, never deleted (the audit log names them as actors) -----------------

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(DjangoUserAdmin):
    actions = ["deactivate_users"]

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Deactivate the selected logins (audited; logins are never deleted)"),
                  permissions=["change"])
    def deactivate_users(self, request, queryset):
        done = sum(services.user_deactivate(user=user, actor=request.user) for user in queryset)
        self.message_user(request, _("%(count)d logins deactivated.") % {"count": done}, messages.SUCCESS)
