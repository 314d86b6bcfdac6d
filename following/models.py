"""Following: who wants to hear of which changes, and what each was told.

A `Follow` is one follower's interest in one target (an enterprise, a list, or a saved search)
through one channel (e-mail or a webhook of an API-key holder). The change feed
(credit.ChangeEvent) is the only source of alerts: the dispatcher (following/dispatch.py) reads
the events after its cursor and records one `Alert` per (follow, event) — unique, so a task
delivered twice records nothing twice — and each channel delivers its alerts exactly once
(e-mail through portal.Notice's unique key; webhooks through `WebhookDelivery`, one per alert).
Nothing here is deleted: an unsubscribed follow keeps its alerts as history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Target(models.TextChoices):
    ENTERPRISE = "enterprise", _("an enterprise")
    LIST = "list", _("a list")
    SEARCH = "search", _("a saved search")


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    WEBHOOK = "webhook", _("webhook")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("at once, one e-mail per change")
    DAILY = "daily", _("a daily digest")


class WebhookEndpoint(models.Model):
    """Where an API-key holder receives alerts: an https URL and the secret the bodies are signed
    with (Standard Webhooks: `whsec_` + base64 of 32 random bytes)."""

    api_key = models.ForeignKey("portal.ApiKey", on_delete=models.PROTECT, related_name="webhook_endpoints",
                                verbose_name=_("API key"))
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=80, editable=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), editable=False)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class Follow(models.Model):
    """One follower's interest in one target through one channel.

    E-mail follows are double opt-in: `confirmed_at` is set by the mailed link, and nothing is
    sent before. `token` (random, unguessable) is the follow's capability in the confirmation
    and one-click unsubscribe links. A liaison's follow of their own enterprise is created
    confirmed (`account`), as they proved the address when they registered. `kinds` is the set
    of event kinds wanted (credit.changes.KINDS); empty means all."""

    target = models.CharField(_("target"), max_length=16, choices=Target.choices)
    enterprise = models.ForeignKey("credit.Enterprise", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("enterprise"))
    credit_list = models.ForeignKey("listings.CreditList", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("list"))
    # A saved search: the search form's parameters, as the site's search page reads them.
    search = models.JSONField(_("search"), default=dict, blank=True)
    search_label = models.CharField(_("search described"), max_length=300, blank=True)

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    email = models.EmailField(_("e-mail address"), blank=True)
    frequency = models.CharField(_("how often"), max_length=16, choices=Frequency.choices,
                                 default=Frequency.IMMEDIATE)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="follows", verbose_name=_("webhook endpoint"))
    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("account"))
    kinds = models.JSONField(_("kinds of change"), default=list, blank=True)
    token = models.CharField(_("token"), max_length=64, unique=True, editable=False)

    created_at = models.DateTimeField(_("created at"), editable=False)
    created_from = models.GenericIPAddressField(_("created from"), null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, editable=False)
    ended_reason = models.CharField(_("why it ended"), max_length=200, blank=True, editable=False)
    # The language its e-mails are written in (the page's language when it was asked for).
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    # The feed sequence the follow starts after: it hears of changes from its confirmation on.
    start_after = models.PositiveBigIntegerField(_("starts after event"), default=0, editable=False)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["enterprise"], name="following_active_enterprise",
                         condition=models.Q(confirmed_at__isnull=False, ended_at=None)),
            models.Index(fields=["credit_list"], name="following_active_list",
                         condition=models.Q(confirmed_at__isnull=False, ended_at=None)),
            models.Index(fields=["target"], name="following_active_search",
                         condition=models.Q(confirmed_at__isnull=False, ended_at=None, target="search")),
            models.Index(fields=["email"], name="following_email"),
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} → {self.email or self.endpoint_id}"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.ended_at is None


class Alert(models.Model):
    """One event for one follow: recorded once (unique), then delivered by the follow's channel.
    `delivered_at`: the e-mail was recorded for sending (a Notice) or the webhook call made; a
    daily follow's alerts wait for the digest (`digest_key` names the Notice that carried them)."""

    follow = models.ForeignKey(Follow, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("follow"))
    event = models.ForeignKey("credit.ChangeEvent", on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("event"))
    created_at = models.DateTimeField(_("created at"), editable=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True, editable=False)
    digest_key = models.CharField(_("digest"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["event_id", "id"]
        constraints = [models.UniqueConstraint(fields=["follow", "event"], name="following_alert_once")]
        indexes = [models.Index(fields=["follow", "created_at"], name="following_alert_undelivered",
                                condition=models.Q(delivered_at=None))]

    def __str__(self) -> str:
        return f"{self.follow_id}: #{self.event_id}"


class DispatchCursor(models.Model):
    """The one row saying up to which feed sequence events have become alerts (locked while the
    dispatcher runs, so two runs never read the same events)."""

    last_sequence = models.PositiveBigIntegerField(_("last sequence"), default=0)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch cursor")
        verbose_name_plural = _("dispatch cursors")

    def __str__(self) -> str:
        return f"after #{self.last_sequence}"


class WebhookDelivery(models.Model):
    """The delivery of one alert to its follow's endpoint: one row per alert (unique), retried with
    exponential backoff until a 2xx or the last attempt. The key holder reads it as the delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed, no more attempts")

    alert = models.OneToOneField(Alert, on_delete=models.PROTECT, related_name="webhook_delivery",
                                 verbose_name=_("alert"))
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries",
                                 verbose_name=_("webhook endpoint"))
    # Standard Webhooks' webhook-id: the same on every retry, so the receiver can drop duplicates.
    message_id = models.CharField(_("message id"), max_length=64, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), editable=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["next_attempt_at"], name="following_delivery_due",
                                condition=models.Q(status="pending"))]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP call of a delivery, as the delivery log shows it."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.PROTECT, related_name="attempt_log",
                                 verbose_name=_("delivery"))
    attempted_at = models.DateTimeField(_("attempted at"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery_id", "attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
