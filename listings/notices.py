"""The "listed" e-mail: when an enterprise is put on any list, each of its active liaisons
(credit.liaisons) gets one e-mail per entry saying which list, the reason, what it means, how
to object (30 days from publication) and how to get off it (docs/rules.md section 3).

The beat task (CELERY_BEAT_SCHEDULE["listings-listed-notices"], every five minutes) scans the
entries published in the last LISTED_NOTICE_DAYS days, however they were made (a staff
listing through list_entry_create, the non-filer sweep, an inspection's lapsed order), and
records the e-mails whose key `listings.listed:<entry id>:<user id>` is not recorded yet
(portal.notices: recorded before sending, sent once). list_entry_create also hands its entry
over on commit, so that a manual listing is mailed at once. Set-based: one SELECT of what is
missing, and per thousand e-mails one INSERT and one SELECT of the new ids.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from credit.liaisons import active_liaison_q
from listings.models import EntryState, ListEntry
from portal.i18n import localized
from portal.models import Notice
from portal.notices import notices_hand_over

INSERT_BATCH = 1000
LANGUAGES = ("zh-hans", "en")  # the liaison's language is unknown: Chinese first, then English
logger = logging.getLogger("listings.notices")
_FIELDS = (
    "pk", "published_at", "listed_on", "enterprise__name", "enterprise__name_en", "enterprise__uscc",
    "credit_list__name", "credit_list__name_en", "credit_list__consequences", "credit_list__consequences_en",
    "credit_list__removal_conditions", "credit_list__removal_conditions_en", "reason__name", "reason__name_en",
    "deciding_agency__name", "deciding_agency__name_en", "credit_list__code",
)


def _missing(*, since: dt.datetime, entry_ids: list[int] | None):
    """One row per (active entry, active liaison) whose e-mail is not recorded yet."""
    entries = ListEntry.objects.filter(
        active_liaison_q("enterprise__accounts__"), state=EntryState.LISTED, published_at__gte=since,
    )
    if entry_ids is not None:
        entries = entries.filter(pk__in=entry_ids)
    return (
        entries.annotate(
            user_id=F("enterprise__accounts__user_id"),
            email=F("enterprise__accounts__user__email"),
            notice_key=Concat(Value("listings.listed:"), Cast("pk", CharField()), Value(":"),
                              Cast("enterprise__accounts__user_id", CharField())),
        )
        .exclude(Exists(Notice.objects.filter(key=OuterRef("notice_key"))))
        .order_by("pk", "user_id")
        .values_list("notice_key", "email", *_FIELDS)
    )


def _message(row: dict) -> tuple[str, str]:
    """(subject, body) of one entry's e-mail, Chinese first, then English."""
    subjects, bodies = [], []
    objection_deadline = ListEntry(published_at=row["published_at"]).objection_deadline  # the model's rule
    for language in LANGUAGES:
        with translation.override(language):
            def shown(field: str, language=language) -> str:
                return localized(row[field] or "", row[f"{field}_en"] or "", language)

            values = {
                "name": shown("enterprise__name"), "uscc": row["enterprise__uscc"], "list": shown("credit_list__name"),
                "reason": shown("reason__name"), "agency": shown("deciding_agency__name"),
                "listed_on": date_format(row["listed_on"]), "objection_deadline": date_format(objection_deadline),
                "account_url": f"{settings.SITE_URL}/account/",
                "entry_url": f"{settings.SITE_URL}/lists/{row['credit_list__code']}/{row['pk']}/",
            }
            subjects.append(gettext("%(name)s has been put on the list: %(list)s") % values)
            lines = [
                gettext("%(name)s (unified social credit code %(uscc)s):") % values,
                "",
                gettext("%(agency)s put your enterprise on the list %(list)s on %(listed_on)s.") % values,
                gettext("Reason: %(reason)s") % values,
            ]
            if shown("credit_list__consequences"):
                lines.append(gettext("What it means: %(text)s") % {"text": shown("credit_list__consequences")})
            lines.append(gettext(
                "To object: within 30 days of publication, that is until %(objection_deadline)s, from your "
                "enterprise's own area: %(account_url)s"
            ) % values)
            if shown("credit_list__removal_conditions"):
                lines.append(gettext("How to get off the list: %(text)s")
                             % {"text": shown("credit_list__removal_conditions")})
            lines.append(gettext("The public entry: %(entry_url)s") % values)
            bodies.append("\n".join(lines))
    return " / ".join(subjects), "\n\n----\n\n".join(bodies)


@transaction.atomic
def listed_notices_queue(*, entry_ids: list[int] | None = None, now: dt.datetime | None = None) -> int:
    """Record the "listed" e-mail of every recent entry (or of `entry_ids`) for each active liaison
    not mailed yet, and hand them to delivery; the number recorded (0 on a second run)."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.LISTED_NOTICE_DAYS)
    recorded = 0
    batch: list[Notice] = []

    def flush() -> int:
        keys = [notice.key for notice in batch]
        Notice.objects.bulk_create(batch, ignore_conflicts=True)
        ids = list(Notice.objects.filter(key__in=keys, sent_at=None).values_list("pk", flat=True))
        notices_hand_over(ids)
        batch.clear()
        return len(ids)

    names = ("key", "email", *_FIELDS)
    for values in _missing(since=since, entry_ids=entry_ids).iterator(chunk_size=INSERT_BATCH):
        row = dict(zip(names, values, strict=True))
        subject, body = _message(row)
        batch.append(Notice(key=row["key"], recipient=row["email"], subject=subject[:300], body=body))
        if len(batch) >= INSERT_BATCH:
            recorded += flush()
    if batch:
        recorded += flush()
    return recorded


def listed_notices_hand_over(entry_id: int) -> None:
    """After the listing commits, queue its e-mails at once (the beat task catches any it misses)."""

    def queue() -> None:
        from listings.tasks import listed_notices_queue_task

        try:
            listed_notices_queue_task.delay(entry_ids=[entry_id])
        except Exception:  # a broker outage: the beat task records them within minutes
            logger.warning("listed e-mails of entry %s not handed to the broker; the beat task sends them", entry_id)

    transaction.on_commit(queue)
