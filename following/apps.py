from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowingConfig(AppConfig):
    name = "following"
    verbose_name = _("Following")

    def ready(self) -> None:
        from credit import sections
        from credit.hooks import account_activated, account_revoked
        from credit.publication import published
        from following import api, dispatch, email, parts, services, webhooks
        from following.channels import channel_register

        # After every committed publication: turn the new feed events into alerts.
        published.connect(dispatch.on_published, dispatch_uid="following.dispatch")
        email.register()
        # Webhooks: the channel's deliverer and the API-key holders' addresses (following/webhooks.py).
        channel_register("webhook", webhooks.deliver_new)
        api.register()
        # A revoked API key's endpoints are disabled (portal.api_keys.api_key_revoked).
        from portal.api_keys import api_key_revoked

        api_key_revoked.connect(webhooks.on_api_key_revoked, dispatch_uid="following.webhooks_key_revoked")
        # A liaison follows their own enterprise from the activation of their login; a revoked
        # login's follows end (credit.hooks).
        account_activated.connect(services.on_account_activated, dispatch_uid="following.liaison_follow")
        account_revoked.connect(services.on_account_revoked, dispatch_uid="following.liaison_unfollow")
        sections.account_panel_register(parts.FOLLOWS_PANEL)
