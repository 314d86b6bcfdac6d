"""The one way services record what they changed.

A payload that says what was changed keeps it under "changes", one format for every app:
{"changes": {field name: {"old": stored value, "new": new value}}}, built by audit_changes
(or audit_change for a value that is not a model field, such as a many-to-many set).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

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


def audit_value(obj: models.Model, field: models.Field):
    """A field's value as the audit log keeps it: JSON values as they are, a foreign key as
    its id, a decimal at its field's scale (a form gives 30000, the database 30000.00) and
    anything else (dates in ISO form, times) as text."""
    value = field.value_from_object(obj)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(field, models.DecimalField):
        return str(Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places)))
    return str(value)


def audit_change(old, new) -> dict[str, Any]:
    return {"old": old, "new": new}


def audit_changes(
    before: models.Model | None,
    after: models.Model,
    *,
    exclude: Iterable[str] = (),
    shown: Mapping[str, Callable[[Any], Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """{field name: {"old": ..., "new": ...}} for each stored field of `after` (not its primary
    key nor those in `exclude`) whose value differs from `before`'s; every field, with old None,
    when `before` is None (a new object). `shown` maps a field name to what the log keeps of a
    filled value instead of the value itself (say, a masked identity number)."""
    skipped, shown = set(exclude), shown or {}
    changes = {}
    for field in after._meta.concrete_fields:
        if field.primary_key or field.name in skipped:
            continue
        old = audit_value(before, field) if before is not None else None
        new = audit_value(after, field)
        if before is not None and old == new:
            continue
        if field.name in shown:
            old, new = (shown[field.name](value) if value else value for value in (old, new))
        changes[field.name] = audit_change(old, new)
    return changes


ACTOR_DELETE_REFUSED = _("This login is named in the audit log as the actor of recorded changes; deactivate it "
                         "instead of deleting it.")


def refuse_deleting_an_actor(sender, instance, **kwargs) -> None:
    """pre_delete of the user model (portal.apps): a login named by audit events is never deleted,
    directly, in a queryset or by a cascade, so the log keeps its actors."""
    if instance.pk is not None and AuditEvent.objects.filter(actor_id=instance.pk).exists():
        raise models.ProtectedError(str(ACTOR_DELETE_REFUSED), {instance})
