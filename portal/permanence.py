"""Nothing published is deleted, in code as in the admin (docs/rules.md: provenance).

Each app names its public models from its AppConfig.ready() with `refuse_hard_delete`; a
pre_delete receiver then refuses a delete of one of their rows however it comes: a model's
delete(), a queryset's delete() or a cascade from another row. `unless` lets an unpublished row
go (an inspection plan's draft). Withdrawal, expiry, removal and deactivation are state changes in
the services. The test database's flush and the demo reset empty tables with TRUNCATE or plain
SQL, which sends no signal."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _

HARD_DELETE_REFUSED = _("A %(model)s is never deleted once published: withdraw, correct or deactivate it instead.")


def _refuser(unless: Callable[[models.Model], bool] | None):
    def refuse(sender, instance, **kwargs) -> None:
        if unless is not None and unless(instance):
            return
        raise models.ProtectedError(str(HARD_DELETE_REFUSED % {"model": sender._meta.verbose_name}), {instance})

    return refuse


def refuse_hard_delete(*model_classes: type[models.Model], unless: Callable[[models.Model], bool] | None = None):
    for model in model_classes:
        pre_delete.connect(_refuser(unless), sender=model, weak=False,
                           dispatch_uid=f"portal.permanence.{model._meta.label_lower}")
