from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import transaction

from credit.tests.factories import EnterpriseAccountFactory, EnterpriseFactory, UserFactory
from listings.demo import seed_demo_data
from listings.models import ListEntry, Measure, Memorandum, Objection
from portal.workdays import add_working_days

pytestmark = pytest.mark.django_db


def test_it_seeds_memoranda_and_active_expired_and_removed_entries_once():
    EnterpriseFactory.create_batch(150)
    seed_demo_data(seed=7, stdout=io.StringIO())
    statuses = {entry.status for entry in ListEntry.objects.select_related("credit_list")}
    assert {"active", "expired", "removed"} <= statuses
    assert Memorandum.objects.count() == 6
    assert Measure.objects.exists()
    assert ListEntry.objects.filter(events__isnull=True).count() == 0
    count, objections = ListEntry.objects.count(), Objection.objects.count()
    seed_demo_data(seed=7, stdout=io.StringIO())
    assert (ListEntry.objects.count(), Objection.objects.count(), Memorandum.objects.count()) == (count, objections, 6)


def test_it_picks_the_same_enterprises_for_the_same_seed():
    EnterpriseFactory.create_batch(60)

    def run(seed):
        savepoint = transaction.savepoint()
        seed_demo_data(seed=seed, stdout=io.StringIO())
        picked = sorted(ListEntry.objects.values_list("enterprise_id", "credit_list__code", "listed_on", "state"))
        transaction.savepoint_rollback(savepoint)
        return picked

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_it_lists_non_filers_within_10_working_days_after_30_june():
    EnterpriseFactory.create_batch(400)
    seed_demo_data(seed=7, stdout=io.StringIO())
    non_filers = list(ListEntry.objects.filter(reason__code="no_annual_report").values_list("decided_on", "listed_on"))
    assert len(non_filers) >= 3
    for decided_on, listed_on in non_filers:
        deadline = dt.date(listed_on.year, 6, 30)
        assert decided_on <= listed_on
        assert deadline < decided_on
        assert listed_on <= add_working_days(deadline, 10).date


def test_it_gives_the_demo_enterprise_logins_entries_that_show_the_objection_flow(today):
    enterprises = EnterpriseFactory.create_batch(150)
    users = [UserFactory(username=f"enterprise{i}") for i in (1, 2, 3)]
    for user, enterprise in zip(users, enterprises[:3], strict=True):
        EnterpriseAccountFactory(user=user, enterprise=enterprise)
    seed_demo_data(seed=7, stdout=io.StringIO())

    first = ListEntry.objects.get(enterprise=enterprises[0])
    assert (first.credit_list.code, first.status) == ("abnormal-operations", "active")
    assert first.objection_refusal(today, objection_open=first.objections.exists()) == ""
    assert first.events.filter(kind="listed").exists()

    second = ListEntry.objects.get(enterprise=enterprises[1])
    objection = second.objections.get()
    assert (second.status, objection.state, objection.submitted_by) == ("active", Objection.State.SUBMITTED, users[1])
    assert second.published_on <= objection.submitted_on <= min(today, second.objection_deadline)
    assert objection.acceptance_due >= today
    # The third login has no showcase entry; it may or may not be on a list.
    assert ListEntry.objects.filter(enterprise__in=enterprises[:2]).count() == 2


def test_it_keeps_a_mix_of_active_and_ended_a_grade_taxpayers():
    EnterpriseFactory.create_batch(300)
    seed_demo_data(seed=7, stdout=io.StringIO())
    entries = list(ListEntry.objects.filter(credit_list__code="a-grade-taxpayers"))
    statuses = [entry.status for entry in entries]
    assert statuses.count("active") >= len(statuses) * 2 // 5
    assert "expired" in statuses
    assert "removed" not in statuses
    # Listed when the annual evaluation is published (April), like the real list.
    assert {entry.listed_on.month for entry in entries} == {4}


def test_its_queries_do_not_grow_with_the_entries():
    """Set-based: the entries, events and objections go in as whole tables, not row by row."""
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from listings.models import ListEntryEvent

    def queries(enterprises: int) -> tuple[int, int]:
        savepoint = transaction.savepoint()
        EnterpriseFactory.create_batch(enterprises)
        built = []
        real_init = ListEntry.__init__

        def counting_init(self, *args, **kwargs):
            built.append(1)
            real_init(self, *args, **kwargs)

        with CaptureQueriesContext(connection) as captured, mock.patch.object(ListEntry, "__init__", counting_init):
            seed_demo_data(seed=5, stdout=io.StringIO())
        assert built == []  # rows, not one model instance per entry
        entries = ListEntry.objects.count()
        assert ListEntryEvent.objects.filter(kind="listed").count() == entries
        transaction.savepoint_rollback(savepoint)
        return len(captured), entries

    small, small_entries = queries(60)
    large, large_entries = queries(600)
    assert large_entries > 3 * small_entries
    assert large == small


def test_make_demo_gives_the_first_login_a_draft_and_the_second_a_pending_removal_on_cure(today, client):
    from django.core.management import call_command

    from credit.models import AnnualReport, AnnualReportDraft, EnterpriseAccount
    from listings.cure import last_closed_report_year
    from listings.models import RemovalApplication

    out = io.StringIO()
    call_command("seed_demo", "--no-progress", "--enterprises", "60", "--seed", "3", stdout=out)
    first = EnterpriseAccount.objects.get(user__username="enterprise1")
    year = today.year - 1
    draft = AnnualReportDraft.objects.get(enterprise=first.enterprise, year=year)
    assert draft.revision >= 1 and draft.data["phone"] != [""]
    assert not AnnualReport.objects.filter(enterprise=first.enterprise, year=year).exists()
    # The printed state comes from the deadline rule: late from the day after 30 June.
    closes = dt.date(year + 1, 6, 30)
    state = f"due by {closes}" if today <= closes else f"overdue since {closes + dt.timedelta(days=1)}"
    assert f"can file its {year} annual report at /account/annual-reports/{year}/ ({state}" in out.getvalue()

    second = EnterpriseAccount.objects.get(user__username="enterprise2")
    application = RemovalApplication.objects.select_related("entry__reason").get(
        entry__enterprise=second.enterprise)
    assert application.state == RemovalApplication.State.PENDING
    assert application.entry.reason.code == "no_annual_report"
    assert application.entry.report_year == last_closed_report_year(today)
    assert AnnualReport.objects.filter(enterprise=second.enterprise, year=application.entry.report_year).exists()
    assert RemovalApplication.objects.actionable_by(application.entry.deciding_agency).filter(pk=application.pk).exists()
    client.force_login(second.user)
    page = client.get("/account/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "is pending; the authority decides by" in page
