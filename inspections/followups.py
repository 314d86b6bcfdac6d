"""Results that feed the abnormal-operations list (docs/rules.md; 企业公示信息抽查办法 Art. 13):
the one place where inspections writes to listings. Plan results and spot checks follow
the same rules:

- "unreachable at the registered address" lists the firm at once;
- "information not disclosed as required" first orders the firm to disclose within
  DISCLOSURE_ORDER_WORKING_DAYS working days (official calendar, portal.workdays); the
  daily sweep disclosure_orders_lapse lists the firm only if that deadline passes uncured.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from credit.models import Agency, Enterprise
from inspections.models import DisclosureOrder, Plan, Result, SpotCheck, Task
from portal.audit import audit_record
from portal.workdays import add_working_days

FOLLOWUP_REASONS = {
    Result.UNREACHABLE: ("unreachable", "通过登记的住所（经营场所）无法联系"),
    Result.NOT_DISCLOSED: ("disclosure_not_made", "未按规定公示应当公示的信息"),
}
# The reason of a lapsed order: ordered to disclose, the deadline passed uncured.
LAPSED_REASON_TEXT = "未在责令的期限内公示有关企业信息"
LEGAL_BASIS = "《企业信息公示暂行条例》第十七条；《企业公示信息抽查办法》第十三条"
# The period an order to disclose gives (working days; unconfirmed, see docs/rules.md §4).
DISCLOSURE_ORDER_WORKING_DAYS = 10


def _list_abnormal(*, enterprise: Enterprise, agency: Agency, reason_code: str, reason_text: str, number: str,
                   decided_on: dt.date, source_label: str, source_url: str) -> bool:
    """One abnormal-operations entry through the listings service; False if already listed for the reason."""
    from listings.services import ListingError, list_entry_create

    try:
        list_entry_create(
            list_code="abnormal-operations", enterprise=enterprise, reason_code=reason_code,
            reason_text=reason_text, decision_number=number, deciding_agency=agency, decided_on=decided_on,
            legal_basis=LEGAL_BASIS, source_label=source_label, source_url=source_url, actor=None,
        )
    except ListingError as problem:
        if getattr(problem, "code", None) != "duplicate":
            raise
        return False
    return True


def _order(*, enterprise: Enterprise, agency: Agency, number: str, source_label: str, source_url: str,
           task: Task | None = None, spot_check: SpotCheck | None = None) -> bool:
    """Order the firm to disclose (once per result); False if that result already has its order."""
    lookup = {"task": task} if task is not None else {"spot_check": spot_check}
    if DisclosureOrder.objects.filter(**lookup).exists():
        return False
    ordered_on = timezone.localdate()
    due = add_working_days(ordered_on, DISCLOSURE_ORDER_WORKING_DAYS)
    order = DisclosureOrder.objects.create(
        enterprise=enterprise, agency=agency, number=number, source_label=source_label, source_url=source_url,
        ordered_on=ordered_on, due_on=due.date, due_provisional=due.provisional, **lookup,
    )
    audit_record(action="inspections.disclosure_order.created", obj=order,
                 payload={"enterprise_id": enterprise.pk, "due_on": due.date.isoformat()})
    return True


def _followup(*, result: str, enterprise: Enterprise, agency: Agency, number: str, decided_on: dt.date,
              source_label: str, source_url: str, **result_of) -> int:
    if result == Result.UNREACHABLE:
        reason_code, reason_text = FOLLOWUP_REASONS[result]
        return int(_list_abnormal(enterprise=enterprise, agency=agency, reason_code=reason_code,
                                  reason_text=reason_text, number=number, decided_on=decided_on,
                                  source_label=source_label, source_url=source_url))
    if result == Result.NOT_DISCLOSED:
        return int(_order(enterprise=enterprise, agency=agency, number=number, source_label=source_label,
                          source_url=source_url, **result_of))
    return 0


def followups_create(*, plan: Plan, tasks: list[Task]) -> int:
    """The follow-ups of published plan results: entries created for unreachable firms and
    orders to disclose for the others (both once: a repeat adds nothing); returns how many."""
    return sum(
        _followup(result=task.result, enterprise=task.enterprise, agency=plan.agency, number=task.number,
                  decided_on=task.completed_on, source_label=f"双随机抽查 {plan.number}",
                  source_url=plan.get_absolute_url(), task=task)
        for task in tasks if task.result in FOLLOWUP_REASONS
    )


def spot_check_followups_create(*, check: SpotCheck) -> int:
    """The same follow-ups for a published spot-check result."""
    if check.result not in FOLLOWUP_REASONS:
        return 0
    return _followup(result=check.result, enterprise=check.enterprise, agency=check.agency,
                     number=f"抽查-{check.pk}", decided_on=check.checked_on,
                     source_label=f"抽查检查 {check.kind}"[:200], source_url="", spot_check=check)


def disclosure_orders_lapse(*, today: dt.date | None = None) -> int:
    """List every firm whose order to disclose passed its deadline uncured (daily, beat task
    inspections.disclosure_orders_lapse). Set-based and idempotent: one locked SELECT of the
    lapsed orders (skipping rows another run holds), one entry each through the listings
    service, one UPDATE stamping them; a second run finds none."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            DisclosureOrder.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(cured_on__isnull=True, listed_at__isnull=True, due_on__lt=today)
            .select_related("enterprise", "agency")
        )
        if not due:
            return 0
        listed = sum(
            _list_abnormal(enterprise=order.enterprise, agency=order.agency, reason_code="disclosure_not_made",
                           reason_text=LAPSED_REASON_TEXT, number=order.number, decided_on=order.due_on,
                           source_label=order.source_label, source_url=order.source_url)
            for order in due
        )
        DisclosureOrder.objects.filter(pk__in=[order.pk for order in due]).update(listed_at=timezone.now())
        audit_record(action="inspections.disclosure_order.lapsed",
                     payload={"orders": [order.pk for order in due], "listed": listed})
    return listed
