import datetime as dt

from portal.workdays import add_working_days, working_days_between


def test_it_skips_the_national_day_holiday():
    # 2025-09-30 (Tue) + 1 working day: 1-8 October are holidays, 2025-10-11 (Sat) is a
    # make-up working day, so the next working day is Thursday 9 October.
    deadline = add_working_days(dt.date(2025, 9, 30), 1)
    assert deadline.date == dt.date(2025, 10, 9)
    assert not deadline.provisional


def test_it_counts_make_up_saturdays():
    # 2025-10-10 (Fri) + 1: Saturday 11 October is a make-up working day.
    assert add_working_days(dt.date(2025, 10, 10), 1).date == dt.date(2025, 10, 11)


def test_unknown_year_falls_back_to_weekdays_and_is_provisional():
    deadline = add_working_days(dt.date(2099, 1, 2), 5)  # Friday
    assert deadline.date == dt.date(2099, 1, 9)
    assert deadline.provisional


def test_working_days_between_counts_inclusive_end():
    assert working_days_between(dt.date(2025, 9, 30), dt.date(2025, 10, 9)) == 1
