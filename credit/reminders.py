"""The filing reminders: e-mails to the liaisons of every enterprise that has not filed its annual
report, 30 and 7 days before 30 June (docs/rules.md section 3).

The daily beat task (CELERY_BEAT_SCHEDULE["credit-filing-reminders"]) sends the "30 days" reminder
on any day from 30 to 8 days before the deadline and the "7 days" one from 7 days before to the
deadline itself, so that a day the task did not run still sends them. Who must file is
credit.filing (non_filers); who receives is credit.liaisons. Each e-mail has a unique key,
`credit.filing_reminder:<year>:<30|7>:<user id>`, recorded before sending (portal.notices): a
second run, or a second beat, records and sends nothing more.

Set-based: one SELECT of the liaisons not yet reminded (the already-recorded keys are excluded in
the query), and per thousand recipients one INSERT and one SELECT of the new ids, whatever the
number of enterprises.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from credit.filing import filing_window, non_filers
from credit.liaisons import active_liaison_q
from credit.models import EnterpriseAccount
from portal.models import Notice
from portal.notices import notices_hand_over

# (code, first day: days before 30 June, last day: days before 30 June)
WINDOWS = (("30", 30, 8), ("7", 7, 0))
INSERT_BATCH = 1000
LANGUAGES = ("zh-hans", "en")  # the liaison's language is unknown: Chinese first, then English


@dataclass(frozen=True)
class ReminderDue:
    year: int  # the report year
    code: str  # "30" or "7"
    deadline: dt.date
    days_left: int

    @property
    def key_prefix(self) -> str:
        return f"credit.filing_reminder:{self.year}:{self.code}:"


def filing_reminder_due(today: dt.date) -> ReminderDue | None:
    """Which reminder is sent on `today`, if any: for the report year whose window is open."""
    year = today.year - 1
    deadline = filing_window(year)[1]
    days_left = (deadline - today).days
    for code, first, last in WINDOWS:
        if last <= days_left <= first:
            return ReminderDue(year, code, deadline, days_left)
    return None


def _texts(due: ReminderDue) -> tuple[str, str]:
    """(subject, body) with %(name)s, %(uscc)s left in, in both languages."""
    subjects, bodies = [], []
    for language in LANGUAGES:
        with translation.override(language):
            values = {
                "year": due.year, "deadline": date_format(due.deadline), "days": due.days_left,
                "url": f"{settings.SITE_URL}/account/", "name": "%(name)s", "uscc": "%(uscc)s",
            }
            subjects.append(gettext("Annual report %(year)s not filed: due by %(deadline)s") % values)
            bodies.append((
                gettext("%(name)s (unified social credit code %(uscc)s):") + "\n\n"
                + ngettext(
                    "the annual report for %(year)s has not been filed. It is due by %(deadline)s: %(days)s day "
                    "left.",
                    "the annual report for %(year)s has not been filed. It is due by %(deadline)s: %(days)s days "
                    "left.",
                    due.days_left,
                ) + " "
                + gettext("Enterprises that do not file by 30 June are put on the abnormal operations list.") + "\n"
                + gettext("File it from your enterprise's own area: %(url)s")
            ) % values)
    return " / ".join(subjects), "\n\n----\n\n".join(bodies)


def _recipients(due: ReminderDue):
    """(user id, e-mail, enterprise name, USCC) of every active liaison of a non-filer not yet reminded."""
    return (
        EnterpriseAccount.objects.filter(active_liaison_q(), enterprise__in=non_filers(due.year).values("pk"))
        .annotate(notice_key=Concat(Value(due.key_prefix), Cast("user_id", CharField())))
        .exclude(Exists(Notice.objects.filter(key=OuterRef("notice_key"))))
        .order_by("user_id")
        .values_list("user_id", "user__email", "enterprise__name", "enterprise__uscc")
    )


@transaction.atomic
def filing_reminders_queue(*, today: dt.date | None = None) -> int:
    """Record today's filing reminder for every liaison not reminded yet and hand them to delivery;
    the number recorded (0 outside the windows, and on a second run)."""
    due = filing_reminder_due(today or timezone.localdate())
    if due is None:
        return 0
    subject, body = _texts(due)
    recorded = 0
    batch: list[Notice] = []

    def flush() -> int:
        keys = [notice.key for notice in batch]
        Notice.objects.bulk_create(batch, ignore_conflicts=True)
        ids = list(Notice.objects.filter(key__in=keys, sent_at=None).values_list("pk", flat=True))
        notices_hand_over(ids)
        batch.clear()
        return len(ids)

    for user_id, email, name, uscc in _recipients(due).iterator(chunk_size=INSERT_BATCH):
        names = {"name": name, "uscc": uscc}
        batch.append(Notice(key=f"{due.key_prefix}{user_id}", recipient=email, subject=subject % names,
                            body=body % names))
        if len(batch) >= INSERT_BATCH:
            recorded += flush()
    if batch:
        recorded += flush()
    return recorded
