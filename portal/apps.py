from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        # django.contrib.admin (earlier in INSTALLED_APPS) has registered every model admin by now.
        from django.contrib import admin
        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        from portal import access, audit

        pre_delete.connect(audit.refuse_deleting_an_actor, sender=get_user_model(),
                           dispatch_uid="portal.audit.refuse_deleting_an_actor")

        for model_admin in admin.site._registry.values():
            access.declared_lookups_only(model_admin)

        from django.core import checks

        from portal.uploads import media_root_check

        checks.register(media_root_check)
