from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        # django.contrib.admin (earlier in INSTALLED_APPS) has registered every model admin by now.
        from django.contrib import admin

        from portal import access

        for model_admin in admin.site._registry.values():
            access.declared_lookups_only(model_admin)
