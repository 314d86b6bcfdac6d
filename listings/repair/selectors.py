"""The reads of credit repair: an enterprise's negative records with their eligibility (its
/account/repairs/ page and the /account/ panel), the deciding authority's queue, one application."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, F, OuterRef, QuerySet, Value, When
from django.db.models import DateField as DateFieldType

from listings.filters import RepairQueueFilter
from listings.models import RepairApplication, local_today
from listings.repair import registry
from listings.repair.rules import Eligibility, eligibility
from portal.workdays import deadline_status

State = RepairApplication.State


@dataclass
class RecordRow:
    """One negative record of the enterprise, with what it may do about it."""

    kind: registry.RepairableKind
    record: Any
    label: str
    url: str
    eligibility: Eligibility
    open_application: RepairApplication | None
    last_application: RepairApplication | None

    @property
    def apply_url(self) -> str:
        return f"/account/repairs/apply/{self.kind.key}/{self.record.pk}/"


def with_deadline(application: RepairApplication, today: dt.date) -> RepairApplication:
    """`deadline` (portal.workdays.deadline_status) of the step due next: acceptance while
    submitted, the decision once accepted; None otherwise."""
    if application.state == State.SUBMITTED:
        application.due = application.acceptance_due
        application.deadline = deadline_status(application.acceptance_due, today,
                                                provisional=application.acceptance_due_provisional)
    elif application.state == State.ACCEPTED and application.decision_due is not None:
        application.due = application.decision_due
        application.deadline = deadline_status(application.decision_due, today,
                                               provisional=application.decision_due_provisional)
    else:
        application.due, application.deadline = None, None
    return application


def enterprise_applications(*, enterprise, today: dt.date) -> list[RepairApplication]:
    """Every repair application of the enterprise, newest first, each with its `deadline` (one query)."""
    rows = list(RepairApplication.objects.filter(enterprise=enterprise).select_related("deciding_agency")
                .prefetch_related("files").order_by("-submitted_at", "-id"))
    return [with_deadline(application, today) for application in rows]


def repair_records(*, enterprise, today: dt.date | None = None,
                   applications: list[RepairApplication] | None = None) -> list[RecordRow]:
    """The enterprise's negative records published today, of every registered kind (one query
    per kind), each with its eligibility (listings.repair.rules) read against `applications`
    (enterprise_applications, read here when not given)."""
    today = today or local_today()
    if applications is None:
        applications = enterprise_applications(enterprise=enterprise, today=today)
    by_record: dict[tuple[str, int], list[RepairApplication]] = {}
    for application in applications:
        by_record.setdefault((application.record_kind, application.record_id), []).append(application)
    rows = []
    for kind in registry.kinds():
        for record in kind.records(enterprise.pk, today):
            mine = by_record.get((kind.key, record.pk), [])
            rows.append(RecordRow(
                kind=kind, record=record, label=kind.label_of(record), url=kind.url_of(record, enterprise.uscc),
                eligibility=eligibility(kind, record, today, applications=mine, enterprise_status=enterprise.status),
                open_application=next((a for a in mine if a.is_open), None),
                last_application=mine[0] if mine else None,
            ))
    return rows


def account_repairs(*, enterprise, today) -> dict[str, Any]:
    """The /account/ panel: each negative record with the link to apply or why it cannot be
    repaired yet (the rule's message: from when, or the reason), and the open applications with their deadlines (one query per kind and one for the
    applications)."""
    applications = enterprise_applications(enterprise=enterprise, today=today)
    rows = repair_records(enterprise=enterprise, today=today, applications=applications)
    return {
        "repair_rows": rows,
        "repair_open": [a for a in applications if a.is_open],
    }


def repair_record_row(*, enterprise, kind: str, record_id: int, today: dt.date | None = None) -> RecordRow | None:
    """One of the enterprise's own negative records (None when it is not one: another
    enterprise's, not negative, or not published)."""
    today = today or local_today()
    repairable = registry.kind_get(kind)
    if repairable is None:
        return None
    record = repairable.get(record_id)
    if record is None or record.enterprise_id != enterprise.pk:
        return None
    applications = list(RepairApplication.objects.filter(record_kind=kind, record_id=record_id)
                        .order_by("-submitted_at", "-id"))
    return RecordRow(
        kind=repairable, record=record, label=repairable.label_of(record),
        url=repairable.url_of(record, enterprise.uscc),
        eligibility=eligibility(repairable, record, today, applications=applications,
                                enterprise_status=enterprise.status),
        open_application=next((a for a in applications if a.is_open), None),
        last_application=applications[0] if applications else None,
    )


_RELATED = ("enterprise", "deciding_agency", "commitment_letter", "decided_by", "revoked_by")


def repair_application_get(*, pk: int) -> RepairApplication | None:
    return RepairApplication.objects.select_related(*_RELATED).prefetch_related("files").filter(pk=pk).first()


def _letter_breached(today: dt.date):
    """EXISTS (a published breach of the application's repair commitment letter)."""
    from credit.commitments import breach_published_q
    from credit.models import CommitmentBreach

    return Exists(CommitmentBreach.objects.filter(breach_published_q(today), letter_id=OuterRef("commitment_letter_id")))


def breached_repairs(*, agency, today: dt.date | None = None) -> list[RepairApplication]:
    """The approved repairs `agency` decided whose repair commitment letter has a published breach
    since: the queue's prompt to consider revoking them (one query)."""
    today = today or local_today()
    return list(RepairApplication.objects.decided_by_agency(agency).filter(_letter_breached(today), state=State.APPROVED)
                .select_related("enterprise").order_by("-decided_at", "-id"))


def revocations_on_withdrawn_breaches(*, agency, today: dt.date | None = None) -> list[RepairApplication]:
    """The repairs `agency` revoked, still published, for a breach of their repair commitment
    letter that has since been withdrawn (the revocation's document number is the breach's):
    the queue's prompt to review them, the revocation resting on a finding withdrawn (one query)."""
    from credit.models import CommitmentBreach

    today = today or local_today()
    withdrawn = CommitmentBreach.objects.filter(withdrawn_at__isnull=False, letter_id=OuterRef("commitment_letter_id"),
                                                document_number=OuterRef("revocation_document_number"))
    return list(RepairApplication.objects.decided_by_agency(agency).filter(
        Exists(withdrawn), state=State.REVOKED, revocation_published_until__gte=today,
    ).select_related("enterprise").order_by("-revoked_at", "-id"))


def repair_queue(*, agency, filters) -> tuple[RepairQueueFilter, QuerySet[RepairApplication]]:
    """The applications `agency` decides (RepairApplication.objects.decided_by_agency), open
    ones unless the filter asks otherwise, the nearest deadline first."""
    data = filters.copy()
    data.setdefault("state", RepairQueueFilter.OPEN)
    base = (
        RepairApplication.objects.decided_by_agency(agency)
        .select_related("enterprise")
        .annotate(next_due=Case(
            When(state=State.SUBMITTED, then=F("acceptance_due")),
            When(state=State.ACCEPTED, then=F("decision_due")),
            default=Value(None), output_field=DateFieldType()),
            letter_breached=_letter_breached(local_today()))
        .order_by(F("next_due").asc(nulls_last=True), F("decided_at").desc(nulls_last=True), "-id")
    )
    filterset = RepairQueueFilter(data, queryset=base)
    return filterset, (filterset.qs if filterset.is_valid() else base.open())


def repair_rows(applications, *, today: dt.date | None = None) -> list[RepairApplication]:
    today = today or local_today()
    return [with_deadline(application, today) for application in applications]
