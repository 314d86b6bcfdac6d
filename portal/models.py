from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise TypeError("Audit events are append-only")

    def delete(self):
        raise TypeError("Audit events are append-only")


class AuditEvent(models.Model):
    """One append-only row per state change of published data.

    `action` is a dotted code such as ``credit.penalty.published``; `object_type` and
    `object_id` name the changed object without a foreign key, so that the trail
    outlives any row it mentions.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("Audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only")


class Notice(models.Model):
    """One e-mail the portal sends, recorded before it is sent (portal/notices.py).

    `key` says what the e-mail is about ("credit.filing_reminder:2026:30d:<account id>"):
    it is unique, so a reminder whose task runs twice, or two beat schedulers at once, is
    recorded once and sent once. `sent_at` stays empty until the mail server took it."""

    key = models.CharField(_("key"), max_length=200, unique=True)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    # Extra mail headers (List-Unsubscribe and List-Unsubscribe-Post for the following alerts).
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("e-mail notice")
        verbose_name_plural = _("e-mail notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="portal_notice_unsent", condition=models.Q(sent_at=None))]

    def __str__(self) -> str:
        return f"{self.key} → {self.recipient}"


class ApiKey(models.Model):
    """A free key of the public read API (portal/api.py, /api/keys/): requested with an
    e-mail address, issued once the mailed link is confirmed, revocable by its holder.

    Only the SHA-256 of the key is stored; the key itself is shown once, on confirmation.
    A request that was never confirmed stays as it is (no key), so the one-per-hour rule
    can see it; nothing is deleted."""

    email = models.EmailField(_("e-mail address"), db_index=True)
    key_hash = models.CharField(_("SHA-256 of the key"), max_length=64, unique=True, null=True, blank=True,
                                editable=False)
    key_prefix = models.CharField(_("first characters of the key"), max_length=12, blank=True, editable=False)
    requested_at = models.DateTimeField(_("requested at"), editable=False)
    requested_from = models.GenericIPAddressField(_("requested from"), null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.key_prefix or '(pending)'} {self.email}"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.revoked_at is None
