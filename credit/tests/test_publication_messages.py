"""The penalty publication messages say the periods of the one table, credit.models.PUBLICATION_MONTHS:
changing the table changes the messages (docs/rules.md section 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.formats import date_format

from credit import models as m
from credit import services

DECIDED = dt.date(2026, 3, 1)


def _message(severity: str, ends_on: dt.date) -> str:
    with translation.override("en"):
        with pytest.raises(ValidationError) as caught:
            services.penalty_publication_end(severity=severity, decided_on=DECIDED, ends_on=ends_on)
        return caught.value.message_dict["publication_ends_on"][0]


def test_the_messages_say_the_table_s_periods():
    assert "at least 3 months" in _message(m.Severity.GENERAL, DECIDED + dt.timedelta(days=10))
    assert "for 1 year after" in _message(m.Severity.GENERAL, DECIDED + dt.timedelta(days=400))
    assert "at least 1 year" in _message(m.Severity.SERIOUS, DECIDED + dt.timedelta(days=10))
    assert "for 3 years after" in _message(m.Severity.SERIOUS, DECIDED + dt.timedelta(days=2000))
    assert "for 3 months after" in _message(m.Severity.MINOR, DECIDED + dt.timedelta(days=200))


def test_changing_the_table_changes_the_messages_and_the_help(monkeypatch):
    monkeypatch.setitem(m.PUBLICATION_MONTHS, m.Severity.GENERAL, m.PublicationMonths(6, 18))
    monkeypatch.setitem(m.PUBLICATION_MONTHS, m.Severity.SERIOUS, m.PublicationMonths(24, 60))
    too_short = _message(m.Severity.GENERAL, DECIDED + dt.timedelta(days=100))
    assert "at least 6 months" in too_short
    with translation.override("en"):
        assert date_format(dt.date(2026, 8, 31)) in too_short  # six months less a day from the decision
    assert "for 18 months after" in _message(m.Severity.GENERAL, DECIDED + dt.timedelta(days=600))
    assert "at least 2 years" in _message(m.Severity.SERIOUS, DECIDED + dt.timedelta(days=400))
    assert "for 5 years after" in _message(m.Severity.SERIOUS, DECIDED + dt.timedelta(days=2000))
    with translation.override("en"):
        help_text = services.penalty_publication_help()
    assert "at least 6 months and at most 18 months" in help_text
    assert "at least 2 years and at most 5 years" in help_text
    with translation.override("zh-hans"):
        assert "6 个月" in services.penalty_publication_help()


def test_the_admin_form_shows_the_help_from_the_table(monkeypatch):
    from credit.admin import PenaltyForm

    monkeypatch.setitem(m.PUBLICATION_MONTHS, m.Severity.MINOR, m.PublicationMonths(None, 2))
    with translation.override("en"):
        assert "At most 2 months after the decision" in str(PenaltyForm().fields["publication_ends_on"].help_text)
