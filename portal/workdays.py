"""Working days on the official Chinese calendar (holidays and make-up working days).

The State Council announces each year's calendar late in the year before, so
chinesecalendar may not know a year yet. Then we count Monday to Friday and mark the
result provisional instead of failing.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    provisional: bool


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(is it a working day, is the answer provisional)."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


@functools.lru_cache(maxsize=8192)
def add_working_days(start: dt.date, days: int) -> Deadline:
    """The date that is `days` working days after `start` (start itself not counted).

    Kept per process (the calendar is the installed package's, fixed while it runs): the
    credit file works out two deadlines for every disclosure it shows, a walk over some 28
    days each."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, provisional, counted = start, False, 0
    while counted < days:
        current += dt.timedelta(days=1)
        working, guessed = is_working_day(current)
        provisional = provisional or guessed
        if working:
            counted += 1
    return Deadline(current, provisional)


def working_days_span(start: dt.date, end: dt.date) -> tuple[int, bool]:
    """(working days after `start` up to and including `end`, 0 if end <= start; whether
    any day counted was guessed, its year's calendar not being known yet)."""
    count, provisional, current = 0, False, start
    while current < end:
        current += dt.timedelta(days=1)
        working, guessed = is_working_day(current)
        provisional = provisional or guessed
        if working:
            count += 1
    return count, provisional


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    return working_days_span(start, end)[0]


@dataclass(frozen=True)
class DeadlineStatus:
    """Where today stands against a deadline: `days_left` working days after today up to and
    including `due` (0: due today), or, once it has passed, `overdue_since` (its first day late)
    and `overdue_days` (working days late); `provisional` when a day counted, or the deadline
    itself, rests on a year whose official calendar is not published yet."""

    due: dt.date
    days_left: int | None
    overdue_since: dt.date | None
    overdue_days: int = 0
    provisional: bool = False

    @property
    def overdue(self) -> bool:
        return self.overdue_since is not None


def deadline_status(due: dt.date, today: dt.date, *, provisional: bool = False) -> DeadlineStatus:
    """The one reading of a deadline for staff pages and the staff home (objections, orders to
    disclose, inspection results); shown by templates/portal/_deadline.html."""
    if due < today:
        days, guessed = working_days_span(due, today)
        return DeadlineStatus(due, None, due + dt.timedelta(days=1), days, provisional or guessed)
    days, guessed = working_days_span(today, due)
    return DeadlineStatus(due, days, None, 0, provisional or guessed)
