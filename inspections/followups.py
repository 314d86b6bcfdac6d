"""Results that feed the abnormal-operations list (docs/rules.md): the one place where
inspections writes to listings."""

from __future__ import annotations

from inspections.models import Plan, Result, Task

FOLLOWUP_REASONS = {
    Result.UNREACHABLE: ("unreachable", "通过登记的住所（经营场所）无法联系"),
    Result.NOT_DISCLOSED: ("disclosure_not_made", "未按规定公示应当公示的信息"),
}
LEGAL_BASIS = "《企业信息公示暂行条例》第十七条；《企业公示信息抽查办法》第十三条"


def followups_create(*, plan: Plan, tasks: list[Task]) -> int:
    """Create abnormal-operations entries for the tasks whose result calls for one.

    An enterprise already listed for the same reason keeps its entry (the listings
    service reports a duplicate); returns the number of entries created.
    """
    relevant = [task for task in tasks if task.result in FOLLOWUP_REASONS]
    if not relevant:
        return 0
    from listings.services import ListingError, list_entry_create

    created = 0
    for task in relevant:
        reason_code, reason_text = FOLLOWUP_REASONS[task.result]
        try:
            list_entry_create(
                list_code="abnormal-operations",
                enterprise=task.enterprise,
                reason_code=reason_code,
                reason_text=reason_text,
                decision_number=task.number,
                deciding_agency=plan.agency,
                decided_on=task.completed_on,
                legal_basis=LEGAL_BASIS,
                source_label=f"双随机抽查 {plan.number}",
                source_url=plan.get_absolute_url(),
                actor=None,
            )
        except ListingError as problem:
            if getattr(problem, "code", None) != "duplicate":
                raise
        else:
            created += 1
    return created
