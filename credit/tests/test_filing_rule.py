"""Who must file for which year (credit/filing.py), on the embedded database and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from credit import filing
from credit.models import AnnualReport, RegistrationStatus
from credit.tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def _report(enterprise, year, now):
    return AnnualReport.objects.create(enterprise=enterprise, year=year, submitted_at=now, published_at=now)


def test_the_window_is_january_to_june_of_the_next_year():
    assert filing.filing_window(2025) == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))


def test_non_filers_are_those_that_existed_that_year_and_filed_no_version(now):
    old = EnterpriseFactory(established_on=dt.date(2019, 5, 1))
    set_up_during = EnterpriseFactory(established_on=dt.date(2025, 12, 31))
    set_up_after = EnterpriseFactory(established_on=dt.date(2026, 1, 1))
    filed = EnterpriseFactory(established_on=dt.date(2019, 5, 1))
    _report(filed, 2025, now)
    filed_other_year = EnterpriseFactory(established_on=dt.date(2019, 5, 1))
    _report(filed_other_year, 2024, now)
    deregistered = EnterpriseFactory(established_on=dt.date(2019, 5, 1), status=RegistrationStatus.DEREGISTERED)
    revoked = EnterpriseFactory(established_on=dt.date(2019, 5, 1), status=RegistrationStatus.REVOKED)
    suspended = EnterpriseFactory(established_on=dt.date(2019, 5, 1), status=RegistrationStatus.SUSPENDED)

    found = set(filing.non_filers(2025).values_list("pk", flat=True))

    assert found == {old.pk, set_up_during.pk, filed_other_year.pk, suspended.pk}
    assert set_up_after.pk not in found and deregistered.pk not in found and revoked.pk not in found
