"""What credit's records look like in the change feed and the bulk files (credit/changes.py).

Each state reads only the row itself and the rows selected with it (`related`), refers to other
objects by their stable codes (an enterprise by its USCC, an agency by its code), never by names
that change without an event of this object, and never shows a natural person's identity
number. A record the public no longer sees (withdrawn; a warning-only penalty) has no state.
"""

from __future__ import annotations

from typing import Any

from credit import models as m
from credit.changes import ChangeSerializer, change_serializer_register, fields_state, plain

_PROVENANCE = ("document_number", "decided_on", "published_at", "corrected_at", "correction_reason")

ENTERPRISE_COLUMNS = (
    "uscc", "name", "name_en", "entity_type", "legal_representative_name", "registered_capital",
    "capital_currency", "established_on", "operating_from", "operating_to", "registration_authority", "status",
    "approved_on", "domicile", "business_scope", "region_code", "industry", "risk_class",
)


def enterprise_state(e: m.Enterprise) -> dict[str, Any]:
    state = fields_state(e, [c for c in ENTERPRISE_COLUMNS if c != "registration_authority"])
    state["registration_authority"] = e.registration_authority.code
    return {column: state[column] for column in ENTERPRISE_COLUMNS}


def _record_columns(*fields: str) -> tuple[str, ...]:
    return ("uscc", "source_agency", *fields, *_PROVENANCE)


def _record_state(fields: tuple[str, ...], *, hidden=lambda r: False):
    def state(record) -> dict[str, Any] | None:
        if record.withdrawn_at is not None or hidden(record):
            return None
        values = {"uscc": record.enterprise.uscc, "source_agency": record.source_agency.code}
        values.update(fields_state(record, (*fields, *_PROVENANCE)))
        return values
    return state


def _record_address(anchor: str):
    return lambda record: f"/enterprises/{record.enterprise.uscc}/#{anchor}"


PENALTY_FIELDS = ("violation_type", "content", "fine_amount", "severity", "publication_ends_on")
LICENCE_FIELDS = ("name", "valid_from", "valid_to", "content", "status")
_RECORDS: list[tuple[type, str, tuple[str, ...], str, int]] = [
    # model, anchor on the credit file, fields, dataset, order
    (m.AdministrativePenalty, "penalties", PENALTY_FIELDS, "penalties", 20),
    (m.AdministrativeLicence, "licences", LICENCE_FIELDS, "licences", 30),
    (m.Shareholder, "shareholders", ("shareholder_type", "name", "subscribed_amount", "paid_amount"), "", 100),
    (m.Branch, "branches", ("name", "uscc", "registration_authority_name"), "", 100),
    (m.ChangeRecord, "changes", ("item", "before", "after", "changed_on"), "", 100),
    (m.ChattelMortgage, "chattel-mortgages",
     ("registration_number", "registered_on", "secured_amount", "currency", "mortgagee", "collateral", "status"),
     "", 100),
    (m.EquityPledge, "equity-pledges",
     ("registration_number", "pledgor", "pledged_amount", "pledgee", "established_on", "status"), "", 100),
    (m.JudicialAssistance, "judicial-assistance", ("subject_name", "equity_amount"), "", 100),
]


def key_person_state(record: m.KeyPerson) -> dict[str, Any] | None:
    if record.withdrawn_at is not None:
        return None
    return {"uscc": record.enterprise.uscc, "source_agency": record.source_agency.code,
            "name": record.person.name, "position": record.position, **fields_state(record, _PROVENANCE)}


REPORT_COLUMNS = ("uscc", "year", "version", "submitted_at", "published_at", "report_public", "withheld", "data")


def report_state(report: m.AnnualReport) -> dict[str, Any] | None:
    if report.published_at is None:
        return None
    withheld = sorted(report.withheld or [])
    data = None
    if report.report_public:
        # Items the enterprise withheld are "not disclosed" to the public, here too.
        data = {key: value for key, value in (report.data or {}).items() if key not in withheld}
    return {"uscc": report.enterprise.uscc, "year": report.year, "version": report.version,
            "submitted_at": plain(report.submitted_at), "published_at": plain(report.published_at),
            "report_public": report.report_public, "withheld": withheld, "data": plain(data)}


LETTER_COLUMNS = (
    "uscc", "kind", "template_version", "language", "agency", "approval_matter", "title", "text", "signatory_name",
    "signatory_title", "signed_at", "signed_on", "valid_until", "text_sha256", "published_at", "fulfilled_on",
    "fulfilment_note",
)


def letter_state(letter: m.CommitmentLetter) -> dict[str, Any]:
    values = fields_state(letter, [c for c in LETTER_COLUMNS if c not in ("uscc", "agency")])
    values.update(uscc=letter.enterprise.uscc, agency=letter.agency.code)
    return {column: values[column] for column in LETTER_COLUMNS}


DISCLOSURE_COLUMNS = ("uscc", "kind", "summary", "fact_date", "published_at", "version", "details")


def disclosure_state(disclosure: m.InstantDisclosure) -> dict[str, Any]:
    values = fields_state(disclosure, ("kind", "summary", "fact_date", "published_at", "version", "details"))
    return {"uscc": disclosure.enterprise.uscc, **values}


def register() -> None:
    change_serializer_register(ChangeSerializer(
        model=m.Enterprise, state=enterprise_state, address=lambda e: f"/enterprises/{e.uscc}/",
        related=("registration_authority",), dataset="enterprises", columns=ENTERPRISE_COLUMNS, order=10,
    ))
    for model, anchor, fields, dataset, order in _RECORDS:
        hidden = ((lambda r: r.warning_only or r.publication_ended_at is not None)
                  if model is m.AdministrativePenalty else (lambda r: False))
        change_serializer_register(ChangeSerializer(
            model=model, state=_record_state(fields, hidden=hidden), address=_record_address(anchor),
            related=("enterprise", "source_agency"), dataset=dataset, columns=_record_columns(*fields),
            candidates=(lambda model=model: model.objects.filter(withdrawn_at__isnull=True)), order=order,
        ))
    change_serializer_register(ChangeSerializer(
        model=m.KeyPerson, state=key_person_state, address=_record_address("key-personnel"),
        related=("enterprise", "source_agency", "person"),
    ))
    change_serializer_register(ChangeSerializer(
        model=m.AnnualReport, state=report_state,
        address=lambda r: f"/enterprises/{r.enterprise.uscc}/annual-reports/{r.year}/",
        related=("enterprise",), dataset="reports", columns=REPORT_COLUMNS, order=60,
        candidates=lambda: m.AnnualReport.objects.filter(published_at__isnull=False),
    ))
    change_serializer_register(ChangeSerializer(
        model=m.CommitmentLetter, state=letter_state, address=lambda letter: f"/commitments/{letter.pk}/",
        related=("enterprise", "agency"), dataset="letters", columns=LETTER_COLUMNS, order=70,
    ))
    change_serializer_register(ChangeSerializer(
        model=m.InstantDisclosure, state=disclosure_state,
        address=lambda d: f"/enterprises/{d.enterprise.uscc}/#instant-disclosures", related=("enterprise",),
    ))
