from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowingConfig(AppConfig):
    name = "following"
    verbose_name = _("Following")

    def ready(self) -> None:
        from credit.publication import published
        from following import dispatch

        # After every committed publication: turn the new feed events into alerts.
        published.connect(dispatch.on_published, dispatch_uid="following.dispatch")
