"""Credit repair (listings.repair): eligibility per kind and class at the day before and the day
of the minimum, the whole flow, missing materials once, extension once, rejection then a new
application, fraud revocation and its 3-year bar, working days across a holiday, and
"whoever recorded it repairs it"."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from PIL import Image

from credit.models import AdministrativePenalty, RegistrationStatus, Severity
from credit.tests import factories as f
from inspections.models import Result, SpotCheck, Task
from inspections.tests.factories import PlanFactory
from listings.models import EntryState, ListEntryEvent, RepairApplication
from listings.repair import registry, services
from listings.repair.rules import eligibility
from listings.services.common import ListingError
from listings.tests.factories import make_entry
from portal.audit import AuditEvent
from portal.models import Notice
from portal.testing.personas import grant_staff_permissions
from portal.uploads import validate_uploads

pytestmark = pytest.mark.django_db
State = RepairApplication.State
TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(name="proof.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def proof():
    return validate_uploads([png()])


def liaison(enterprise):
    return f.EnterpriseAccountFactory(enterprise=enterprise, user__email="liaison@example.cn").user


def staff(agency):
    return grant_staff_permissions(f.StaffFactory(agency=agency).user)


def penalty(**kwargs):
    kwargs.setdefault("publication_ends_on", None)
    return f.PenaltyFactory(**kwargs)


def submit(record, kind, actor, **kwargs):
    return services.repair_application_submit(
        kind=kind, record_id=record.pk, statement="已改正并履行义务", files=kwargs.pop("files", None) or proof(),
        signatory_name="张三", signatory_title="法定代表人", language="zh-hans", confirmed=True, actor=actor, **kwargs,
    )


def section(body: str, anchor: str) -> str:
    start = body.index(f'<section id="{anchor}"')
    return body[start:body.index("</section>", start)]


def rule_on(kind_key, record, day, **kwargs):
    return eligibility(registry.kind_get(kind_key), record, day, **kwargs)


# --- eligibility: the day before and the day of the minimum --------------------------------


@pytest.mark.parametrize(("severity", "months"), [(Severity.GENERAL, 3), (Severity.SERIOUS, 12)])
def test_a_penalty_is_repairable_from_the_end_of_its_minimum_period(today, severity, months):
    record = penalty(severity=severity, decided_on=today - relativedelta(months=months))
    # Decided `months` ago: today is the first day after the minimum.
    assert rule_on("penalty", record, today).repairable
    verdict = rule_on("penalty", record, today - dt.timedelta(days=1))
    assert verdict.code == "minimum_period" and verdict.repairable_from == today


def test_a_minor_penalty_has_no_minimum(today):
    record = penalty(severity=Severity.MINOR, decided_on=today)
    assert rule_on("penalty", record, today).repairable


def test_penalties_that_cannot_be_repaired(today):
    closure = penalty(severity=Severity.SERIOUS, decided_on=today - relativedelta(years=2),
                      content="吊销营业执照")
    assert rule_on("penalty", closure, today).code == "not_repairable"
    warning = penalty(severity=Severity.MINOR, decided_on=today, warning_only=True)
    assert rule_on("penalty", warning, today).code == "not_published"
    ended = penalty(decided_on=today - relativedelta(years=2), publication_ends_on=today - dt.timedelta(days=1))
    assert rule_on("penalty", ended, today).code == "not_published"
    withdrawn = penalty(decided_on=today - relativedelta(months=6), withdrawn_at=f.local_time(today))
    assert rule_on("penalty", withdrawn, today).code == "not_published"
    general = penalty(decided_on=today - relativedelta(months=6))
    assert rule_on("penalty", general, today, enterprise_status=RegistrationStatus.DEREGISTERED).code == "deregistered"


@pytest.mark.parametrize("list_code", ["serious-illegal", "abnormal-operations"])
def test_a_list_entry_is_repairable_from_its_repair_date(today, list_code):
    entry = make_entry(list_code=list_code, listed_on=today - relativedelta(months=13))
    assert rule_on("list_entry", entry, entry.repair_from).repairable
    verdict = rule_on("list_entry", entry, entry.repair_from - dt.timedelta(days=1))
    assert verdict.code == "minimum_period" and verdict.repairable_from == entry.repair_from


def _task(enterprise, result, completed_on, now):
    plan = PlanFactory()
    return Task.objects.create(plan=plan, enterprise=enterprise, number=f"{plan.number}-1", position=1,
                               uscc=enterprise.uscc, risk_class="A", ticket="t", result=result,
                               completed_on=completed_on, published_at=now)


def test_negative_inspection_results_are_repairable_three_months_after_the_check(today, now):
    enterprise = f.EnterpriseFactory()
    checked = today - relativedelta(months=3)
    task = _task(enterprise, Result.FALSE_DISCLOSURE, checked, now)
    check = SpotCheck.objects.create(enterprise=enterprise, agency=f.AgencyFactory(), kind="即时信息抽查",
                                     checked_on=checked, result=Result.UNREACHABLE, published_at=now)
    for key, record in (("inspection_task", task), ("spot_check", check)):
        assert rule_on(key, record, today).repairable
        assert rule_on(key, record, today - dt.timedelta(days=1)).code == "minimum_period"
    fine = _task(f.EnterpriseFactory(), Result.NO_PROBLEM, checked, now)
    assert rule_on("inspection_task", fine, today).code == "not_published"
    assert list(registry.kind_get("inspection_task").records(fine.enterprise_id, today)) == []


# --- the whole flow -------------------------------------------------------------------------


def test_apply_accept_approve_ends_publication_and_history_keeps_it(today):
    agency = f.AgencyFactory()
    record = penalty(severity=Severity.GENERAL, decided_on=today - relativedelta(months=4), source_agency=agency,
                     document_number="京市监罚〔X〕77号")
    user = liaison(record.enterprise)
    officer = staff(agency)
    enterprise_client, staff_client = Client(), Client()
    enterprise_client.force_login(user)
    staff_client.force_login(officer)
    url = f"/account/repairs/apply/penalty/{record.pk}/"
    with translation.override("en"):
        page = enterprise_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "京市监罚〔X〕77号" in page.content.decode()
    response = enterprise_client.post(url, {
        "statement": "已缴纳罚款并整改", "files": [png()], "signatory_name": "张三", "signatory_title": "法定代表人",
        "language": "zh-hans", "confirmed": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    application = RepairApplication.objects.get(record_kind="penalty", record_id=record.pk)
    assert application.state == State.SUBMITTED and application.deciding_agency == agency
    assert application.files.count() == 1 and application.commitment_letter.kind == "credit_repair"
    assert staff_client.get("/lists/staff/repairs/").content.decode().count(f"/lists/staff/repairs/{application.pk}/")
    assert staff_client.post(f"/lists/staff/repairs/{application.pk}/", {"action": "accept"}).status_code == 302
    application.refresh_from_db()
    assert application.state == State.ACCEPTED and application.decision_due is not None
    assert staff_client.post(f"/lists/staff/repairs/{application.pk}/",
                             {"action": "approve", "text": "材料齐全"}).status_code == 302
    application.refresh_from_db()
    record.refresh_from_db()
    assert application.state == State.APPROVED
    assert record.publication_ends_on == today - dt.timedelta(days=1)
    assert application.publication_before == {"publication_ends_on": None}
    cache.clear()
    body = Client().get(f"/enterprises/{record.enterprise.uscc}/").content.decode()
    # Gone from the penalties section (the signed repair letter, public itself, still names it).
    assert "京市监罚〔X〕77号" not in section(body, "penalties")
    assert 'id="penalties"' in body and "京市监罚〔X〕77号" not in section(body, "credit-repair")
    # Staff history: the record's row and every step's audit event stay.
    assert AdministrativePenalty.objects.filter(pk=record.pk).exists()
    actions = set(AuditEvent.objects.filter(object_id=str(application.pk)).values_list("action", flat=True))
    assert {"listings.repair.submitted", "listings.repair.accepted", "listings.repair.approved"} <= actions
    assert Notice.objects.filter(key__startswith=f"listings.repair.approved:{application.pk}:").count() == 1


def test_missing_materials_are_notified_once_and_supplementing_restarts_acceptance(today, clock):
    record = penalty(decided_on=today - relativedelta(months=4))
    user, officer = liaison(record.enterprise), staff(record.source_agency)
    application = submit(record, "penalty", user)
    services.repair_application_missing_notify(application=application, missing="营业执照复印件；缴款凭证", actor=officer)
    application.refresh_from_db()
    assert application.state == State.INCOMPLETE
    assert Notice.objects.filter(key__startswith=f"listings.repair.missing:{application.pk}:").count() == 1
    clock.move_to(dt.datetime.combine(today + dt.timedelta(days=3), dt.time(10), tzinfo=TZ))
    services.repair_application_supplement(application=application, files=proof(), actor=user)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED and application.files.count() == 2
    assert application.acceptance_due > today + dt.timedelta(days=3)
    with pytest.raises(ListingError) as error:
        services.repair_application_missing_notify(application=application, missing="再补", actor=officer)
    assert error.value.code == "already_notified"


def test_the_decision_is_extended_once_by_ten_working_days(today):
    record = penalty(decided_on=today - relativedelta(months=4))
    officer = staff(record.source_agency)
    application = services.repair_application_accept(application=submit(record, "penalty", liaison(record.enterprise)),
                                                      actor=officer)
    due = application.decision_due
    with pytest.raises(ListingError):
        services.repair_application_extend(application=application, reason=" ", actor=officer)
    application = services.repair_application_extend(application=application, reason="需现场核查", actor=officer)
    from portal.workdays import add_working_days
    assert application.decision_due == add_working_days(due, 10).date
    with pytest.raises(ListingError) as error:
        services.repair_application_extend(application=application, reason="再延", actor=officer)
    assert error.value.code == "already_extended"


def test_a_rejection_states_reasons_and_allows_a_new_application(today):
    record = penalty(decided_on=today - relativedelta(months=4))
    user, officer = liaison(record.enterprise), staff(record.source_agency)
    application = submit(record, "penalty", user)
    with pytest.raises(ListingError) as error:
        submit(record, "penalty", user)
    assert error.value.code == "application_open"
    with pytest.raises(ListingError) as error:
        services.repair_application_reject(application=application, reasons="", actor=officer)
    assert error.value.field == "reasons"
    services.repair_application_reject(application=application, reasons="缺少缴款凭证", actor=officer)
    client = Client()
    client.force_login(user)
    with translation.override("en"):
        body = client.get("/account/repairs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "缺少缴款凭证" in body
    assert submit(record, "penalty", user).state == State.SUBMITTED


def test_fraud_revocation_republishes_and_bars_new_applications_for_three_years(today, clock):
    record = penalty(severity=Severity.SERIOUS, decided_on=today - relativedelta(months=13),
                     document_number="京市监罚〔Y〕9号")
    user, officer = liaison(record.enterprise), staff(record.source_agency)
    application = services.repair_application_accept(application=submit(record, "penalty", user), actor=officer)
    services.repair_application_approve(application=application, actor=officer)
    with pytest.raises(ListingError):
        services.repair_application_revoke(application=application, reason="承诺虚假", document_number="", actor=officer)
    services.repair_application_revoke(application=application, reason="承诺虚假", document_number="撤销〔1〕号",
                                       actor=officer)
    record.refresh_from_db()
    application.refresh_from_db()
    assert record.publication_ends_on is None and application.state == State.REVOKED
    bar_ends = today + relativedelta(years=3)
    assert application.revocation_published_until == bar_ends - dt.timedelta(days=1)
    cache.clear()
    with translation.override("en"):
        body = Client().get(f"/enterprises/{record.enterprise.uscc}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "京市监罚〔Y〕9号" in body and "撤销〔1〕号" in body and "Repairs revoked for a false commitment" in body
    with pytest.raises(ListingError) as error:
        submit(record, "penalty", user)
    assert error.value.code == "fraud_bar"
    clock.move_to(dt.datetime.combine(bar_ends - dt.timedelta(days=1), dt.time(10), tzinfo=TZ))
    with pytest.raises(ListingError):
        submit(record, "penalty", user)
    clock.move_to(dt.datetime.combine(bar_ends, dt.time(10), tzinfo=TZ))
    assert submit(record, "penalty", user).state == State.SUBMITTED


def test_a_list_entry_repair_removes_it_and_a_revocation_puts_it_back(today):
    entry = make_entry(list_code="serious-illegal", listed_on=today - relativedelta(months=13))
    officer = staff(entry.credit_list.owner_agency)
    user = liaison(entry.enterprise)
    application = services.repair_application_accept(application=submit(entry, "list_entry", user), actor=officer)
    services.repair_application_approve(application=application, actor=officer)
    entry.refresh_from_db()
    assert entry.state == EntryState.REMOVED
    services.repair_application_revoke(application=application, reason="承诺虚假", document_number="撤销〔2〕号",
                                       actor=officer)
    entry.refresh_from_db()
    assert entry.state == EntryState.LISTED
    kinds = list(entry.events.values_list("kind", flat=True))
    assert kinds[-2:] == [ListEntryEvent.Kind.REMOVED, ListEntryEvent.Kind.RESTORED]


def test_an_inspection_result_repair_ends_its_publication_on_the_file_and_the_plan(today, now):
    enterprise = f.EnterpriseFactory()
    task = _task(enterprise, Result.FALSE_DISCLOSURE, today - relativedelta(months=4), now)
    officer = staff(task.plan.agency)
    application = services.repair_application_accept(
        application=submit(task, "inspection_task", liaison(enterprise)), actor=officer)
    services.repair_application_approve(application=application, actor=officer)
    from credit.selectors import credit_file
    assert credit_file(enterprise=enterprise)["inspection_results"] == []
    task.refresh_from_db()
    assert task.publication_ended
    # The public plan page no longer shows the result (a published plan: not a draft).
    from inspections.models import Plan, PlanState
    Plan.objects.filter(pk=task.plan_id).update(state=PlanState.PUBLISHED)
    cache.clear()
    with translation.override("en"):
        body = Client().get(f"/inspections/plans/{task.plan.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "publication ended (credit repair)" in body and "Disclosed information false" not in body


# --- deadlines on the official calendar -------------------------------------------------------


def test_deadlines_count_working_days_across_the_national_day_holiday(clock):
    # 2026-09-30 is the Wednesday before the National Day holiday (1-7 October 2026; 10 October is
    # a make-up working Saturday).
    clock.move_to(dt.datetime(2026, 9, 30, 10, tzinfo=TZ))
    record = penalty(decided_on=dt.date(2026, 1, 5))
    application = submit(record, "penalty", liaison(record.enterprise))
    assert application.acceptance_due == dt.date(2026, 10, 9)
    application = services.repair_application_accept(application=application, actor=staff(record.source_agency))
    assert application.decision_due == dt.date(2026, 10, 15)


def test_an_abnormal_entry_is_decided_in_two_working_days_by_the_registering_bureau(today):
    from credit.models import AgencyKind
    bureau = f.AgencyFactory(kind=AgencyKind.MARKET_REGULATION)
    enterprise = f.EnterpriseFactory(registration_authority=bureau)
    entry = make_entry(list_code="abnormal-operations", enterprise=enterprise, deciding_agency=bureau,
                       listed_on=today - relativedelta(months=2))
    kind = registry.kind_get("list_entry")
    assert kind.deciding_agency(entry) == bureau and kind.decision_days(entry) == 2


# --- whoever recorded it repairs it -----------------------------------------------------------


def test_another_agencys_staff_cannot_see_or_decide_the_application(today):
    record = penalty(decided_on=today - relativedelta(months=4))
    application = submit(record, "penalty", liaison(record.enterprise))
    other = staff(f.AgencyFactory())
    client = Client()
    client.force_login(other)
    assert client.get(f"/lists/staff/repairs/{application.pk}/").status_code == 404
    assert f"/lists/staff/repairs/{application.pk}/" not in client.get("/lists/staff/repairs/").content.decode()
    with pytest.raises(ListingError) as error:
        services.repair_application_accept(application=application, actor=other)
    assert error.value.code == "not_decider"


def test_another_enterprises_record_is_not_found(today):
    record = penalty(decided_on=today - relativedelta(months=4))
    client = Client()
    client.force_login(liaison(f.EnterpriseFactory()))
    assert client.get(f"/account/repairs/apply/penalty/{record.pk}/").status_code == 404
    with pytest.raises(ListingError) as error:
        submit(record, "penalty", liaison(f.EnterpriseFactory()))
    assert error.value.code == "not_own_record"


# --- query counts -----------------------------------------------------------------------------


def _applications(enterprise, agency, n):
    letter = f.CommitmentLetterFactory(enterprise=enterprise)
    for _ in range(n):
        record = penalty(enterprise=enterprise, source_agency=agency)
        RepairApplication.objects.create(
            enterprise=enterprise, record_kind="penalty", record_id=record.pk, record_label=record.document_number,
            deciding_agency=agency, commitment_letter=letter, statement="s", submitted_at=f.local_time(f.today()),
            acceptance_due=f.today() + dt.timedelta(days=3))


@pytest.mark.parametrize("rows", [1, 50])
def test_the_queue_and_the_account_page_cost_constant_queries(rows, django_assert_num_queries):
    agency = f.AgencyFactory()
    enterprise = f.EnterpriseFactory()
    _applications(enterprise, agency, rows)
    staff_client, enterprise_client = Client(), Client()
    staff_client.force_login(staff(agency))
    enterprise_client.force_login(liaison(enterprise))
    # session, user, principal, permissions (user's + groups'), count, page, the approved repairs
    # whose commitment letter was breached (the prompt to consider revoking them), the revocations
    # whose breach was withdrawn (the prompt to review them)
    with django_assert_num_queries(9):
        assert staff_client.get("/lists/staff/repairs/").status_code == 200
    # session, user, principal, the applications (+ files), then one per repairable kind (five)
    with django_assert_num_queries(10):
        assert enterprise_client.get("/account/repairs/").status_code == 200


def test_the_upload_limits_are_per_application(today, settings):
    """A supplement may add only what the application's first files left of the limits."""
    settings.UPLOAD_MAX_FILES = 2
    record = penalty(decided_on=today - relativedelta(months=4))
    user, officer = liaison(record.enterprise), staff(record.source_agency)
    application = submit(record, "penalty", user)  # one file
    services.repair_application_missing_notify(application=application, missing="缴款凭证", actor=officer)
    with pytest.raises(ListingError) as error:
        services.repair_application_supplement(application=application, files=validate_uploads([png("a.png"), png()]),
                                               actor=user)
    assert (error.value.code, error.value.field) == ("application_upload_limit", "files")
    assert services.application_upload_rules(application).max_files == 1
    services.repair_application_supplement(application=application, files=proof(), actor=user)
    application.refresh_from_db()
    assert application.files.count() == 2 and services.application_upload_rules(application).max_files == 0
