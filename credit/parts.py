"""The credit app's own parts of the credit file and of /account/ (registered in
CreditConfig.ready). The order numbers leave room for the other apps' sections: the
lists come at 90, the inspections at 100-110, all in the NECIPS order."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from credit import file_html, sections
from credit import models as m
from credit.sections import FileSubject, Section

_SOURCE_AGENCY = ("source_agency", ("name", "name_en"))


def _rows(model, *ordering: str, **shown):
    def rows(subject: FileSubject):
        return model.objects.filter(enterprise_id=subject.enterprise_id, **shown).order_by(*ordering)

    return rows


def _breach_rows(subject: FileSubject):
    # A breach whose publication an approved credit repair ended is no longer part of the file.
    return m.CommitmentBreach.objects.filter(
        Q(publication_ends_on__isnull=True) | Q(publication_ends_on__gte=subject.today),
        enterprise_id=subject.enterprise_id).order_by("-decided_on", "-id")


def _contributions_rows(subject: FileSubject):
    return m.CapitalContribution.objects.filter(shareholder__enterprise_id=subject.enterprise_id).order_by(
        "kind", "contributed_on", "id"
    )


_CONTRIBUTIONS = Section(key="shareholders.contributions", order=0, template="", rows=_contributions_rows)


def _shareholders_load(section: Section, subject: FileSubject) -> dict[str, Any]:
    """Each shareholder's capital contributions as `contribution_rows`, from one more query."""
    holders = sections.load_rows(section, subject)
    by_holder: dict[int, list] = {holder.pk: [] for holder in holders}
    for contribution in sections.load_rows(_CONTRIBUTIONS, subject):
        by_holder.get(contribution.shareholder_id, []).append(contribution)
    for holder in holders:
        holder.contribution_rows = by_holder[holder.pk]
    return {section.key: holders}


def _branches_rows(subject: FileSubject):
    # Most branches are not registered enterprises here, so a link to their code would
    # 404: whether each code is registered comes with the row.
    return m.Branch.objects.filter(enterprise_id=subject.enterprise_id).annotate(
        code_registered=Exists(m.Enterprise.objects.filter(uscc=OuterRef("uscc")))
    ).order_by("id")


def _branches_load(section: Section, subject: FileSubject) -> dict[str, Any]:
    branches = sections.load_rows(section, subject)
    registered = {branch.uscc for branch in branches if branch.code_registered}
    return {section.key: branches, "registered_branch_codes": registered}


def _penalties_load(section: Section, subject: FileSubject) -> dict[str, Any]:
    # A penalty whose publication period is over is no longer public (credit repair or
    # expiry); the file says how many are no longer shown rather than hiding it silently.
    penalties = sections.load_rows(section, subject)
    today = subject.today
    shown = [p for p in penalties if not p.publication_ends_on or p.publication_ends_on >= today]
    return {section.key: shown, "penalties_ended": len(penalties) - len(shown)}


def _instant_disclosure_rows(subject: FileSubject):
    # Every version of each disclosure, newest disclosure first and its latest version on top
    # (the template marks the first row of each series as the current one).
    return m.InstantDisclosure.objects.filter(enterprise_id=subject.enterprise_id).annotate(
        series=Coalesce("original_id", "id")
    ).order_by("-series", "-version")
def _annual_reports_load(section: Section, subject: FileSubject) -> dict[str, Any]:
    """The reports by year, newest first: when the original was filed (late or not), when
    the latest correction was, and whether the report is public."""
    from credit.filing import filed_late

    years: dict[int, dict[str, Any]] = {}
    for report in sections.load_rows(section, subject):
        year = years.setdefault(report.year, {"year": report.year, "versions": []})
        year["versions"].append(report)
    for year in years.values():
        versions = sorted(year["versions"], key=lambda r: r.version)
        original, latest = versions[0], versions[-1]
        year.update(filed_at=original.submitted_at, late=filed_late(original.year, original.submitted_at),
                    corrected_at=latest.submitted_at if latest.version > 1 else None,
                    corrections=len(versions) - 1, public=latest.report_public)
    return {section.key: sorted(years.values(), key=lambda y: -y["year"])}


def _commitment_letter_rows(subject: FileSubject):
    from credit.commitments import with_breached

    return with_breached(m.CommitmentLetter.objects.filter(enterprise_id=subject.enterprise_id), subject.today).order_by(
        "-signed_on", "-id")


def _commitment_letters_load(section: Section, subject: FileSubject) -> dict[str, Any]:
    """Each letter with its state on the file's day (credit.commitments.letter_state)."""
    from credit.commitments import letter_state, state_label

    letters = sections.load_rows(section, subject)
    for letter in letters:
        letter.breached = bool(letter.breached)
        letter.state = letter_state(letter, subject.today)
        letter.state_label = state_label(letter.state)
    return {section.key: letters}


def _commitment_panel(*, enterprise: m.Enterprise, today) -> dict[str, Any]:
    from credit.selectors.commitments import account_letter_summary

    return {"commitment_counts": account_letter_summary(enterprise=enterprise, today=today)}


COMMITMENT_PANEL = sections.AccountPanel(
    key="commitment_letters", order=18, template="credit/account/commitment_letters.html", load=_commitment_panel,
)


def _template(key: str) -> str:
    return f"credit/sections/{key}.html"


CREDIT_SECTIONS = (
    Section(
        key="shareholders", order=10, template="", html=file_html.SHAREHOLDERS, rows=_rows(m.Shareholder, "id"),
        contents=(("shareholders", _("Shareholders and capital contributions")),),
        related=(_SOURCE_AGENCY, ("person", ("id_type", "id_number"))), load=_shareholders_load,
        preload=True, companions=(_CONTRIBUTIONS,),
    ),
    Section(
        key="key_personnel", order=20, template="", html=file_html.KEY_PERSONNEL, rows=_rows(m.KeyPerson, "id"),
        contents=(("key-personnel", _("Key personnel")),), related=(_SOURCE_AGENCY, ("person", ("name",))),
    ),
    Section(
        key="branches", order=30, template=_template("branches"), rows=_branches_rows,
        contents=(("branches", _("Branches")),), related=(_SOURCE_AGENCY,), load=_branches_load, preload=True,
        empty=lambda: {"branches": [], "registered_branch_codes": set()},
    ),
    Section(
        key="changes", order=40, template="", html=file_html.CHANGES, rows=_rows(m.ChangeRecord, "-changed_on", "-id"),
        contents=(("changes", _("Change records")),), related=(_SOURCE_AGENCY,),
    ),
    Section(
        key="chattel_mortgages", order=50, template=_template("chattel_mortgages"),
        rows=_rows(m.ChattelMortgage, "-registered_on", "-id"),
        contents=(("chattel-mortgages", _("Chattel mortgages")),), related=(_SOURCE_AGENCY,),
    ),
    Section(
        key="equity_pledges", order=60, template=_template("equity_pledges"),
        rows=_rows(m.EquityPledge, "-established_on", "-id"),
        contents=(("equity-pledges", _("Equity pledges")),),
        related=(_SOURCE_AGENCY, ("pledgor_person", ("id_number",))),
    ),
    Section(
        key="licences", order=70, template="", html=file_html.LICENCES,
        rows=_rows(m.AdministrativeLicence, "-decided_on", "-id"),
        contents=(("licences", _("Administrative licences")),), related=(_SOURCE_AGENCY,),
    ),
    Section(
        key="penalties", order=80, template=_template("penalties"),
        # A warning-only penalty is recorded but never published (SAMR Order 107 Art. 7).
        rows=_rows(m.AdministrativePenalty, "-decided_on", "-id", warning_only=False),
        contents=(("penalties", _("Administrative penalties")),), related=(_SOURCE_AGENCY,),
        load=_penalties_load, empty=lambda: {"penalties": [], "penalties_ended": 0}, preload=True,
        # Not published once the enterprise is deregistered (SAMR Order 107 Art. 20).
        negative=True,
    ),
    Section(
        key="judicial_assistance", order=120, template=_template("judicial_assistance"),
        rows=_rows(m.JudicialAssistance, "-decided_on", "-id"),
        contents=(("judicial-assistance", _("Judicial assistance")),), related=(_SOURCE_AGENCY,),
    ),
    Section(
        key="annual_reports", order=200, template="", html=file_html.ANNUAL_REPORTS, self_disclosed=True,
        rows=_rows(m.AnnualReport, "-year", "-version", published_at__isnull=False),
        contents=(("annual-reports", _("Annual reports")),), load=_annual_reports_load, preload=True,
    ),
    Section(
        key="instant_disclosures", order=210, template=_template("instant_disclosures"), self_disclosed=True,
        rows=_instant_disclosure_rows, related=(("original", ("published_at",)),),
        contents=(("instant-disclosures", _("Instant disclosures")),),
    ),
    Section(
        key="commitment_breaches", order=85, template=_template("commitment_breaches"),
        rows=_breach_rows,
        contents=(("commitment-breaches", _("Breaches of credit commitments")),),
        related=(_SOURCE_AGENCY, ("letter", ("kind", "title"))),
        # A breach is a negative record: not published once the enterprise is deregistered.
        negative=True,
    ),
    Section(
        key="commitment_letters", order=220, template=_template("commitment_letters"), self_disclosed=True,
        rows=_commitment_letter_rows, load=_commitment_letters_load, preload=True,
        contents=(("commitment-letters", _("Credit commitment letters")),),
    ),
)


def _annual_report_panel(*, enterprise: m.Enterprise, today) -> dict[str, Any]:
    from credit.selectors.annual_reports import filing_overview

    overview = filing_overview(enterprise=enterprise, today=today)
    return {"filing": overview.reminder, "reports": overview}


ANNUAL_REPORT_PANEL = sections.AccountPanel(
    key="annual_report", order=10, template="credit/account/annual_report.html", load=_annual_report_panel
)


def _instant_disclosure_panel(*, enterprise: m.Enterprise, today) -> dict[str, Any]:
    from credit.selectors.disclosures import recent_disclosures

    return {"recent_disclosures": recent_disclosures(enterprise=enterprise)}


INSTANT_DISCLOSURE_PANEL = sections.AccountPanel(
    key="instant_disclosures", order=15, template="credit/account/instant_disclosures.html",
    load=_instant_disclosure_panel,
)


def register() -> None:
    for section in CREDIT_SECTIONS:
        sections.section_register(section)
    sections.account_panel_register(ANNUAL_REPORT_PANEL)
    sections.account_panel_register(INSTANT_DISCLOSURE_PANEL)
    sections.account_panel_register(COMMITMENT_PANEL)
