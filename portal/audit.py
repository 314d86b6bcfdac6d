"""The one way services record what they changed."""

from __future__ import annotations

from typing import Any

from django.db import models

from portal.models import AuditEvent


def audit_record(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    obj: models.Model | None = None,
    payload: dict[str, Any] | None = None,
) -> AuditEvent:
    if action.count(".") < 2:
        raise ValueError(f"audit action {action!r} must be a dotted code like app.thing.verb")
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor is not None else "system"),
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        payload=payload or {},
    )
