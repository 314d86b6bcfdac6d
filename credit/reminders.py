"""The filing reminders: e-mails to the liaisons of every enterprise that has not filed its annual
report, 30 and 7 days before 30 June (docs/rules.md section 3).

The daily beat task (CELERY_BEAT_SCHEDULE["credit-filing-reminders"]) sends the "30 days" reminder
on any day from 30 to 8 days before the deadline and the "7 days" one from 7 days before to the
deadline itself, so that a day the task did not run still sends them. Who must file is
credit.filing (non_filers); who receives is credit.liaisons. Each e-mail has a unique key,
`credit.filing_reminder:<year>:<30|7>:<user id>`, recorded before sending (portal.notices): a
second run, or a second beat, records and sends nothing more.

Set-based: one INSERT ... SELECT of the liaisons not yet reminded (the keys already recorded are
left out in the query, and ON CONFLICT covers a run at the same moment), returning the new ids,
whatever the number of enterprises.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
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


# Stand for each row's values in the texts; replaced in SQL (the code first: a name may hold anything).
NAME, NAME_EN, USCC = "{name}", "{name_en}", "{uscc}"


def _texts(due: ReminderDue) -> tuple[str, str]:
    """(subject, body) in both languages, with NAME (NAME_EN in English) and USCC left for each
    enterprise's values."""
    subjects, bodies = [], []
    for language in LANGUAGES:
        with translation.override(language):
            values = {
                "year": due.year, "deadline": date_format(due.deadline), "days": due.days_left,
                "url": f"{settings.SITE_URL}/account/", "name": NAME_EN if language == "en" else NAME,
                "uscc": USCC,
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
    """(key, e-mail, enterprise name, USCC) of every active liaison of a non-filer not yet reminded."""
    return (
        EnterpriseAccount.objects.filter(active_liaison_q(), enterprise__in=non_filers(due.year).values("pk"))
        .annotate(notice_key=Concat(Value(due.key_prefix), Cast("user_id", CharField())), email=F("user__email"),
                  name=F("enterprise__name"), uscc=F("enterprise__uscc"),
                  # The English text names the English name where there is one (portal.i18n's rule).
                  name_en=Coalesce(NullIf("enterprise__name_en", Value("")), "enterprise__name"))
        .exclude(Exists(Notice.objects.filter(key=OuterRef("notice_key"))))
        .order_by()
        .values_list("notice_key", "email", "name", "uscc", "name_en")
    )


@transaction.atomic
def filing_reminders_queue(*, today: dt.date | None = None) -> int:
    """Record today's filing reminder for every liaison not reminded yet, in one INSERT ... SELECT,
    and hand them to delivery; the number recorded (0 outside the windows, and on a second run)."""
    due = filing_reminder_due(today or timezone.localdate())
    if due is None:
        return 0
    subject, body = _texts(due)
    select_sql, select_params = _recipients(due).query.sql_with_params()
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("key", "recipient", "subject", "body", "created_at", "attempts", "last_error",
                                           "headers"))
    text = "REPLACE(REPLACE(REPLACE(%s, %s, r.uscc), %s, r.name_en), %s, r.name)"
    # WHERE true: SQLite would read ON CONFLICT as part of the SELECT's join otherwise.
    sql = (
        f"INSERT INTO {qn(Notice._meta.db_table)} ({columns}) "  # noqa: S608 - identifiers quoted, values bound
        f"SELECT r.notice_key, r.email, {text}, {text}, %s, 0, '', '{{}}' "
        f"FROM ({select_sql}) AS r WHERE true "
        f"ON CONFLICT ({qn('key')}) DO NOTHING RETURNING {qn('id')}"
    )
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    params = (subject, USCC, NAME_EN, NAME, body, USCC, NAME_EN, NAME, created_at, *select_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    notices_hand_over(ids)
    return len(ids)
