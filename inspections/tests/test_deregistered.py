"""A deregistered enterprise's negative records are no longer published (SAMR Order 107 Art. 20):
not in its credit file (penalties, blacklist entries, inspections that found a problem), not on
the blacklists' pages, not on the home page; red-list entries, inspections that found nothing and
judicial assistance stay. The change follows a status change made through the service at once,
cached pages included."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.utils import translation

from credit import sections, services
from credit.models import RegistrationStatus
from credit.tests import factories as f
from inspections.models import Result, SpotCheck, Task
from inspections.tests.factories import PlanFactory
from listings.tests.factories import make_entry

pytestmark = pytest.mark.django_db

WITHHELD = "This enterprise is deregistered; its negative records are no longer published (SAMR Order 107 Art. 20)."


@pytest.fixture
def firm(now):
    """An enterprise with a penalty, a blacklist and a red-list entry, judicial assistance, and a
    spot check and a double-random result each that found a problem and that found nothing."""
    enterprise = f.EnterpriseFactory(legal_representative=f.PersonFactory())
    records = {
        "enterprise": enterprise,
        "penalty": f.PenaltyFactory(enterprise=enterprise, publication_ends_on=None, document_number="罚字-NEG-1"),
        "judicial": f.JudicialAssistanceFactory(enterprise=enterprise),
        "abnormal": make_entry(list_code="abnormal-operations", enterprise=enterprise, listed_on=f.ago(months=2)),
        "black": make_entry(list_code="environmental-violators", enterprise=enterprise, listed_on=f.ago(months=2)),
        "red": make_entry(list_code="a-grade-taxpayers", enterprise=enterprise, listed_on=f.ago(months=2)),
    }
    plan = PlanFactory(number="SJ-DEREG-1")
    for position, (result, number) in enumerate([(Result.NO_PROBLEM, "T-CLEAN"), (Result.FALSE_DISCLOSURE, "T-BAD")],
                                                 start=1):
        other_plan = plan if position == 1 else PlanFactory(number="SJ-DEREG-2")
        Task.objects.create(plan=other_plan, enterprise=enterprise, number=number, position=1, uscc=enterprise.uscc,
                            risk_class="A", ticket="t", result=result, completed_on=f.ago(days=19), published_at=now,
                            findings="" if result == Result.NO_PROBLEM else "年报信息不实")
        SpotCheck.objects.create(enterprise=enterprise, agency=plan.agency, kind=f"抽查-{number}",
                                 checked_on=f.ago(months=6), result=result, published_at=now)
    return records


def deregister(enterprise) -> None:
    enterprise.status = RegistrationStatus.DEREGISTERED
    services.credit_object_save(obj=enterprise, actor=None, changed_fields=["status"])


def file_page(client, enterprise) -> str:
    with translation.override("en"):
        response = client.get(f"/enterprises/{enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def test_an_active_enterprise_shows_its_negative_records(client, firm):
    body = file_page(client, firm["enterprise"])
    assert "罚字-NEG-1" in body
    assert 'id="penalties"' in body
    assert firm["abnormal"].get_absolute_url() in body and firm["black"].get_absolute_url() in body
    assert "T-BAD" in body and "抽查-T-BAD" in body
    assert WITHHELD not in body


def test_a_deregistered_enterprise_shows_none_of_its_negative_records_and_says_why(client, firm):
    deregister(firm["enterprise"])
    body = file_page(client, firm["enterprise"])  # the cached page of the test above is not reused
    assert WITHHELD in body
    # Penalties: the section is not loaded or shown (nor in the contents).
    assert "罚字-NEG-1" not in body and 'id="penalties"' not in body and 'href="#penalties"' not in body
    # Blacklist entries go, the red-list entry stays (with its notice).
    assert firm["abnormal"].get_absolute_url() not in body and firm["black"].get_absolute_url() not in body
    assert firm["red"].get_absolute_url() in body
    assert "Entries on this list are no longer published" in body
    # Inspections: only what found nothing stays.
    assert "T-CLEAN" in body and "抽查-T-CLEAN" in body
    assert "T-BAD" not in body and "抽查-T-BAD" not in body
    assert "Results that found a problem are no longer published" in body
    # Judicial assistance is not a negative record of the enterprise: still shown.
    assert 'id="judicial-assistance"' in body and firm["judicial"].document_number in body


def test_the_deregistered_file_loads_no_negative_section(firm):
    from credit.selectors import credit_file

    deregister(firm["enterprise"])
    enterprise = firm["enterprise"].__class__.objects.get(pk=firm["enterprise"].pk)
    context = credit_file(enterprise=enterprise)
    assert context["negative_records_withheld"] is True
    assert context["penalties"] == []
    assert [e.pk for e in context["listings_other_entries"]] == [firm["red"].pk]
    assert context["listings_abnormal_entries"] == [] and context["listings_serious_entries"] == []
    assert [t.number for t in context["inspection_results"]] == ["T-CLEAN"]
    shown = [s.key for s in context["agency_sections"]]
    assert "penalties" not in shown and "list_entries" in shown and "judicial_assistance" in shown


def test_the_negative_flag_is_set_on_the_sections_the_rule_covers():
    negative = {s.key for s in sections.negative_sections()}
    assert {"penalties", "list_entries", "inspection_spot_checks", "inspection_results"} <= negative
    assert not negative & {"judicial_assistance", "licences", "shareholders", "annual_reports", "commitment_letters"}


def test_a_section_that_keeps_rows_must_be_negative():
    keep = sections.sections()[0]
    from dataclasses import replace

    with pytest.raises(ValueError, match="not negative"):
        sections.section_register(replace(keep, key="test_kept", negative=False, kept_rows=keep.rows))


@pytest.mark.parametrize("rows", [1, 4])
def test_a_deregistered_file_costs_no_more_queries_than_an_active_one(client, django_assert_num_queries, rows, now):
    from credit.tests.test_credit_file import fill_every_app_section

    enterprise = f.EnterpriseFactory(legal_representative=f.PersonFactory())
    fill_every_app_section(enterprise, rows, now)
    deregister(enterprise)
    cache.clear()
    # The version with the enterprise, the probe, the bar, the inspection results that found nothing
    # and their plans' items, whatever the number of rows: fewer than the active file's 7, as the
    # list entries cost none (the probe, asking only red-list entries, finds none).
    with django_assert_num_queries(5):
        client.get(f"/enterprises/{enterprise.uscc}/")


def test_the_blacklist_pages_hide_a_deregistered_enterprises_entries(client, firm):
    enterprise = firm["enterprise"]
    with translation.override("en"):
        assert enterprise.uscc in client.get("/lists/abnormal-operations/").content.decode()
        deregister(enterprise)
        listing = client.get("/lists/abnormal-operations/").content.decode()
        assert enterprise.uscc not in listing
        assert enterprise.uscc not in client.get("/lists/environmental-violators/").content.decode()
        # A red list still shows it.
        assert enterprise.uscc in client.get("/lists/a-grade-taxpayers/").content.decode()
        entry = client.get(firm["abnormal"].get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        assert entry.status_code == 404
        text = entry.content.decode()
        assert "Entry no longer published" in text and "SAMR Order 107 Art. 20" in text
        assert enterprise.name not in text
        assert client.get(firm["red"].get_absolute_url()).status_code == 200


def test_the_list_index_counts_follow_a_deregistration(client, firm, django_capture_on_commit_callbacks):
    from listings.selectors import credit_list_index

    def counts():
        return {lst.code: lst.active_count for lst in credit_list_index()}

    before = counts()
    with django_capture_on_commit_callbacks(execute=True):  # `published` is sent after the commit
        deregister(firm["enterprise"])
    after = counts()
    assert after["abnormal-operations"] == before["abnormal-operations"] - 1
    assert after["environmental-violators"] == before["environmental-violators"] - 1
    assert after["a-grade-taxpayers"] == before["a-grade-taxpayers"]


def test_the_home_page_no_longer_shows_a_deregistered_enterprises_penalties(client, firm):
    from credit.selectors.home import home_counts_compute, latest_penalties

    assert firm["penalty"].pk in [p.pk for p in latest_penalties()]
    before = home_counts_compute()["penalties"]
    deregister(firm["enterprise"])
    assert firm["penalty"].pk not in [p.pk for p in latest_penalties()]
    assert home_counts_compute()["penalties"] == before - 1
    assert "罚字-NEG-1" not in client.get("/").content.decode()


def test_a_plan_page_withholds_the_negative_result_of_a_deregistered_firm(client, firm, personas):
    from inspections import services as inspection_services
    from inspections.tests.factories import InspectionItemFactory, InspectorFactory

    item = InspectionItemFactory()
    for _ in range(3):
        InspectorFactory(agency=personas.agency_b, items=[item])
    plans = {}
    for number, result in [("SJ-DEREG-PUB-1", Result.NO_PROBLEM), ("SJ-DEREG-PUB-2", Result.UNREACHABLE)]:
        plan = inspection_services.plan_commit(
            plan=PlanFactory(number=number, agency=personas.agency_b, items=[item]),
            actor=personas.users["staff_b"])
        Task.objects.create(plan=plan, enterprise=firm["enterprise"], number=f"{number}-0001", position=1,
                            uscc=firm["enterprise"].uscc, risk_class="A", ticket="t", result=result,
                            completed_on=f.ago(days=19), published_at=firm["penalty"].published_at)
        plans[result] = f"/inspections/plans/{number}/"
    with translation.override("en"):
        assert "Unreachable at the registered address" in client.get(plans[Result.UNREACHABLE]).content.decode()
        deregister(firm["enterprise"])
        bad = client.get(plans[Result.UNREACHABLE], HTTP_ACCEPT_LANGUAGE="en").content.decode()
        clean = client.get(plans[Result.NO_PROBLEM], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "no longer published (enterprise deregistered)" in bad and "Unreachable at the registered address" not in bad
    assert "No problem found" in clean


def test_cached_anonymous_pages_follow_the_status_change(client, firm):
    """The file and the list pages are whole cached pages: the status change through the service
    raises the file's version and the site's count, so the next view is the new one."""
    enterprise = firm["enterprise"]
    assert "罚字-NEG-1" in file_page(client, enterprise)
    assert enterprise.uscc in client.get("/lists/abnormal-operations/").content.decode()
    assert client.get(firm["abnormal"].get_absolute_url()).status_code == 200
    deregister(enterprise)
    assert "罚字-NEG-1" not in file_page(client, enterprise)
    assert enterprise.uscc not in client.get("/lists/abnormal-operations/").content.decode()
    assert client.get(firm["abnormal"].get_absolute_url()).status_code == 404
