from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowingConfig(AppConfig):
    name = "following"
    verbose_name = _("Following")

    def ready(self) -> None:
        from credit.publication import published
        from following import api, dispatch, webhooks
        from following.channels import channel_register

        # After every committed publication: turn the new feed events into alerts.
        published.connect(dispatch.on_published, dispatch_uid="following.dispatch")
        # Webhooks: the channel's deliverer and the API-key holders' addresses (following/webhooks.py).
        channel_register("webhook", webhooks.deliver_new)
        api.register()
