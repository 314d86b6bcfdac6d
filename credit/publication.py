"""Publication: the one step every change the public sees goes through.

A service that changes what a credit file (or any public page) shows calls
`publication_record` instead of `portal.audit.audit_record`. It writes the audit event
and, in the same transaction, raises the version of each affected enterprise's credit
file (or, for changes that show in files without belonging to one enterprise, the site's
publication generation). Cached pages are keyed by those versions (credit.cache), so a
committed change is never served stale, and nothing is lost when the cache is down at
the moment of the write: there is nothing to delete, only a key that is no longer asked
for.

In the same transaction it appends the change feed's events (credit/changes.py): one per
changed object whose model has a registered serializer, with its new public state, chained by
hash. `changed` defaults to `obj`; a service whose audited object is not the thing the public
sees change (a plan whose results are published, a person whose name shows in the files of the
enterprises they represent) names those objects, and set-based jobs pass querysets.

After commit, `published` is sent so that other caches (the lists' counts) can follow without
the services knowing them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from django.db.models import F, QuerySet
from django.dispatch import Signal

from credit.changes import change_events_emit
from credit.models import Enterprise, PublicationState
from portal.audit import audit_record
from portal.models import AuditEvent

# Sent after the commit of every publication: action (the audit code), enterprise_ids (a
# tuple, empty for a site-wide change), site_wide (bool).
published = Signal()

# Ids per UPDATE when a list of ids is given (SQLite's limit on bound parameters).
_CHUNK = 5000


def enterprise_files_touch(*, enterprises: Iterable[int] | QuerySet) -> int:
    """Raise the credit-file version of the given enterprises: ids, or a queryset of
    enterprises or of one id column (`.values("enterprise_id")`), run as one set-based
    UPDATE. Returns the number of files touched."""
    if isinstance(enterprises, QuerySet):
        return Enterprise.objects.filter(pk__in=enterprises).update(file_version=F("file_version") + 1)
    ids = sorted({pk for pk in enterprises if pk is not None})
    touched = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        touched += Enterprise.objects.filter(pk__in=chunk).update(file_version=F("file_version") + 1)
    return touched


def site_generation_raise(*, files: bool = True) -> None:
    """Raise the site's count of publications, which keys every cached page that is not one
    enterprise's file (home, search, lists, inspections), and with `files` the publication
    generation of every credit file at once. One UPDATE of the one state row."""
    raised = {"changes": F("changes") + 1}
    if files:
        raised["generation"] = F("generation") + 1
    if not PublicationState.objects.filter(pk=1).update(**raised):
        # The row comes from a data migration; a flushed test database lacks it.
        PublicationState.objects.get_or_create(pk=1, defaults={"generation": int(files), "changes": 1})


def site_pages_touch() -> None:
    """Raise only the version of the pages beyond the credit files, for a public state
    change that is not an audited event of its own (a plan's draw starting)."""
    site_generation_raise(files=False)


@transaction.atomic
def publication_record(
    *,
    action: str,
    actor=None,
    actor_label: str = "",
    obj: models.Model | None = None,
    payload: dict[str, Any] | None = None,
    enterprises: Iterable[int] | QuerySet = (),
    site_wide: bool = False,
    changed: Iterable | None = None,
) -> AuditEvent:
    """Record a change the public sees: one audit event, and the new version of every
    credit file that shows it (`enterprises`: ids or a queryset), or of every public page
    (`site_wide`: renames of agencies, lists, reasons, items and memoranda). With neither,
    only the pages beyond the credit files follow (a plan committed or drawn).

    `changed`: the objects whose public state changed (instances and querysets, in the order
    their events are to be numbered); by default `obj`. Each yields one change-feed event."""
    payload = dict(payload or {})
    enterprise_ids: tuple[int, ...] = ()
    # Every publication changes some page that lists many enterprises (the home page's
    # latest records, a list, a plan): their cached copies follow the site's count.
    site_generation_raise(files=site_wide)
    if site_wide:
        pass  # the generation raised above reaches every file
    elif isinstance(enterprises, QuerySet):
        # A set-based job (the expiry sweep): the event says how many files it changed.
        payload.setdefault("enterprises", enterprise_files_touch(enterprises=enterprises))
    else:
        enterprise_ids = tuple(sorted({pk for pk in enterprises if pk is not None}))
        enterprise_files_touch(enterprises=enterprise_ids)
    # The state row is locked by the UPDATE above until the commit: the feed's head moves under it.
    change_events_emit(action=action, changed=[obj] if changed is None else changed)
    event = audit_record(action=action, actor=actor, actor_label=actor_label, obj=obj, payload=payload)
    transaction.on_commit(
        lambda: published.send(sender=publication_record, action=action, enterprise_ids=enterprise_ids,
                               site_wide=site_wide)
    )
    return event
