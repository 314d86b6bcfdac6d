"""What credit's records look like in the change feed and the bulk files (credit/changes.py).

Each state is declared as columns (credit.changes.Column): it reads only the row itself and the
rows its paths reach, refers to other objects by their stable codes (an enterprise by its USCC,
an agency by its code), never by names that change without an event of this object, and never
shows a natural person's identity number. A record the public no longer sees (withdrawn; a
warning-only penalty; a penalty whose publication period ended) has no state: `public_when`.
The declaration is the one home of each rule: the feed reads it in Python, the bulk snapshot
generates it in SQL (credit/bulk_sql.py).
"""

from __future__ import annotations

from credit import models as m
from credit.changes import NOT_NULL, ChangeSerializer, Column, change_serializer_register

_PROVENANCE = ("document_number", "decided_on", "published_at", "corrected_at", "correction_reason")
_CODE_OF = {"registration_authority": "registration_authority__code"}

ENTERPRISE_COLUMNS = (
    "uscc", "name", "name_en", "entity_type", "legal_representative_name", "registered_capital",
    "capital_currency", "established_on", "operating_from", "operating_to", "registration_authority", "status",
    "approved_on", "domicile", "business_scope", "region_code", "industry", "risk_class",
)
_OF_RECORD = (Column("uscc", "enterprise__uscc"), Column("source_agency", "source_agency__code"))


def _record_address(anchor: str):
    return lambda record: f"/enterprises/{record.enterprise.uscc}/#{anchor}"


PENALTY_FIELDS = ("violation_type", "content", "fine_amount", "severity", "publication_ends_on")
LICENCE_FIELDS = ("name", "valid_from", "valid_to", "content", "status")
_WITHDRAWN = (("withdrawn_at", None),)
_RECORDS: list[tuple[type, str, tuple[str, ...], str, int, tuple]] = [
    # model, anchor on the credit file, fields, dataset, order, public while
    (m.AdministrativePenalty, "penalties", PENALTY_FIELDS, "penalties", 20,
     (*_WITHDRAWN, ("warning_only", False), ("publication_ended_at", None))),
    (m.AdministrativeLicence, "licences", LICENCE_FIELDS, "licences", 30, _WITHDRAWN),
    (m.Shareholder, "shareholders", ("shareholder_type", "name", "subscribed_amount", "paid_amount"), "", 100,
     _WITHDRAWN),
    (m.Branch, "branches", ("name", "uscc", "registration_authority_name"), "", 100, _WITHDRAWN),
    (m.ChangeRecord, "changes", ("item", "before", "after", "changed_on"), "", 100, _WITHDRAWN),
    (m.ChattelMortgage, "chattel-mortgages",
     ("registration_number", "registered_on", "secured_amount", "currency", "mortgagee", "collateral", "status"),
     "", 100, _WITHDRAWN),
    (m.EquityPledge, "equity-pledges",
     ("registration_number", "pledgor", "pledged_amount", "pledgee", "established_on", "status"), "", 100,
     _WITHDRAWN),
    (m.JudicialAssistance, "judicial-assistance", ("subject_name", "equity_amount"), "", 100, _WITHDRAWN),
]

REPORT_COLUMNS = ("uscc", "year", "version", "submitted_at", "published_at", "report_public", "withheld", "data")
_WITHHELD_SQL = "coalesce({withheld}, '[]'::jsonb)"


def _withheld(report) -> list[str]:
    return sorted(report.withheld or [])


def _disclosed_data(report) -> dict | None:
    # Items the enterprise withheld are "not disclosed" to the public, here too.
    if not report.report_public:
        return None
    withheld = set(report.withheld or [])
    return {key: value for key, value in (report.data or {}).items() if key not in withheld}


REPORT_STATE = (
    Column("uscc", "enterprise__uscc"), "year", "version", "submitted_at", "published_at", "report_public",
    Column("withheld", python=_withheld, reads=("withheld",), kind="json",
           sql=f"(SELECT coalesce(jsonb_agg(w ORDER BY w COLLATE \"C\"), '[]'::jsonb) "
               f"FROM jsonb_array_elements_text({_WITHHELD_SQL}) AS w)"),
    Column("data", python=_disclosed_data, reads=("report_public", "data", "withheld"), kind="json",
           sql=f"CASE WHEN {{report_public}} THEN coalesce({{data}}, '{{{{}}}}'::jsonb) - "
               f"ARRAY(SELECT jsonb_array_elements_text({_WITHHELD_SQL})) END"),
)

LETTER_COLUMNS = (
    "uscc", "kind", "template_version", "language", "agency", "approval_matter", "title", "text", "signatory_name",
    "signatory_title", "signed_at", "signed_on", "valid_until", "text_sha256", "published_at", "fulfilled_on",
    "fulfilment_note",
)
_LETTER_PATHS = {"uscc": "enterprise__uscc", "agency": "agency__code"}

DISCLOSURE_COLUMNS = ("uscc", "kind", "summary", "fact_date", "published_at", "version", "details")


def register() -> None:
    change_serializer_register(ChangeSerializer(
        model=m.Enterprise, address=lambda e: f"/enterprises/{e.uscc}/", dataset="enterprises", order=10,
        declared=tuple(Column(c, _CODE_OF.get(c, "")) for c in ENTERPRISE_COLUMNS),
    ))
    for model, anchor, fields, dataset, order, public_when in _RECORDS:
        change_serializer_register(ChangeSerializer(
            model=model, address=_record_address(anchor), dataset=dataset, order=order,
            declared=(*_OF_RECORD, *fields, *_PROVENANCE), public_when=public_when,
        ))
    change_serializer_register(ChangeSerializer(
        model=m.KeyPerson, address=_record_address("key-personnel"),
        declared=(*_OF_RECORD, Column("name", "person__name"), "position", *_PROVENANCE), public_when=_WITHDRAWN,
    ))
    change_serializer_register(ChangeSerializer(
        model=m.AnnualReport, address=lambda r: f"/enterprises/{r.enterprise.uscc}/annual-reports/{r.year}/",
        dataset="reports", order=60, declared=REPORT_STATE, public_when=(("published_at", NOT_NULL),),
    ))
    change_serializer_register(ChangeSerializer(
        model=m.CommitmentLetter, address=lambda letter: f"/commitments/{letter.pk}/", dataset="letters", order=70,
        declared=tuple(Column(c, _LETTER_PATHS.get(c, "")) for c in LETTER_COLUMNS),
    ))
    change_serializer_register(ChangeSerializer(
        model=m.InstantDisclosure, address=lambda d: f"/enterprises/{d.enterprise.uscc}/#instant-disclosures",
        declared=(Column("uscc", "enterprise__uscc"), *DISCLOSURE_COLUMNS[1:]),
    ))
