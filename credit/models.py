from __future__ import annotations

import datetime as dt
import functools
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from credit import uscc as uscc_rules
from credit.search import name_tokens

# The years a date typed into a form may have: a decision, registration or publication date
# outside them is a typing error (9999-12-31), and date arithmetic on it overflows.
PLAUSIBLE_YEARS = (1900, 2100)


def validate_plausible_date(value) -> None:
    """A date (or date and time) between PLAUSIBLE_YEARS; the form names the field."""
    low, high = PLAUSIBLE_YEARS
    if value is not None and not low <= value.year <= high:
        raise ValidationError(
            _("Enter a date between the years %(low)d and %(high)d."), code="implausible_date",
            params={"low": low, "high": high},
        )


class AgencyLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")
    COUNTY = "county", _("County")


class AgencyKind(models.TextChoices):
    MARKET_REGULATION = "market", _("Market regulation")
    TAX = "tax", _("Taxation")
    COURT = "court", _("People's court")
    ENVIRONMENT = "environment", _("Ecology and environment")
    FINANCE = "finance", _("Finance")
    CUSTOMS = "customs", _("Customs")
    DEVELOPMENT = "development", _("Development and reform")
    HUMAN_RESOURCES = "hr", _("Human resources and social security")
    OTHER = "other", _("Other")


class Agency(models.Model):
    """A government body that produces records; the source of every published record."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=AgencyLevel.choices)
    region_code = models.CharField(_("region code"), max_length=6, help_text=_("Six-digit division code"))
    kind = models.CharField(_("kind"), max_length=16, choices=AgencyKind.choices)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AgencyStaff(models.Model):
    """Binds a staff login to the one agency whose records it may change."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="agency_staff"
    )
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="staff")

    class Meta:
        verbose_name = _("agency staff member")
        verbose_name_plural = _("agency staff")

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency}"


class Person(models.Model):
    """A natural person, kept only as linked personnel of enterprises.

    The identity number is stored for matching (for example the 3-year bar on a
    legal representative) but is never shown in full on public pages.
    """

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("Resident identity card")
        PASSPORT = "passport", _("Passport")
        HK_MACAO_PERMIT = "hk_macao", _("Mainland travel permit for Hong Kong and Macao residents")
        TAIWAN_PERMIT = "taiwan", _("Mainland travel permit for Taiwan residents")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=100, db_index=True)
    id_type = models.CharField(_("identity document type"), max_length=16, choices=IdType.choices)
    id_number = models.CharField(_("identity document number"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_id_number})"

    @property
    def masked_id_number(self) -> str:
        return mask_identity_number(self.id_number)


def mask_identity_number(number: str) -> str:
    """Keep the first two and last two characters; never reveal more than four."""
    number = number or ""
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


class EntityType(models.TextChoices):
    LLC = "llc", _("Limited liability company")
    JOINT_STOCK = "joint_stock", _("Joint-stock limited company")
    SOLE_PROPRIETORSHIP = "sole_prop", _("Sole proprietorship enterprise")
    PARTNERSHIP = "partnership", _("Partnership")
    FOREIGN_INVESTED = "foreign", _("Foreign-invested enterprise")
    BRANCH = "branch", _("Branch")
    INDIVIDUAL_BUSINESS = "individual", _("Individual industrial and commercial household")
    FARMER_COOPERATIVE = "cooperative", _("Farmers' specialised cooperative")


class RegistrationStatus(models.TextChoices):
    ACTIVE = "active", _("In existence (operating, opened, on record)")
    SUSPENDED = "suspended", _("Business suspended")
    LIQUIDATION = "liquidation", _("In liquidation")
    REVOKED = "revoked", _("Business licence revoked")
    DEREGISTERED = "deregistered", _("Deregistered")
    MOVED_OUT = "moved_out", _("Moved out")


class RiskClass(models.TextChoices):
    A = "A", _("A (low risk)")
    B = "B", _("B (general risk)")
    C = "C", _("C (relatively high risk)")
    D = "D", _("D (high risk)")


class Currency(models.TextChoices):
    CNY = "CNY", _("Renminbi")
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    HKD = "HKD", _("Hong Kong dollar")
    JPY = "JPY", _("Japanese yen")


class Enterprise(models.Model):
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[uscc_rules.validator]
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    entity_type = models.CharField(_("type"), max_length=16, choices=EntityType.choices)
    legal_representative = models.ForeignKey(
        Person,
        verbose_name=_("legal representative"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="represented_enterprises",
    )
    # Copied from the person so that search by representative needs no join.
    legal_representative_name = models.CharField(_("legal representative"), max_length=100, blank=True, db_index=True)
    registered_capital = models.DecimalField(
        _("registered capital (10,000)"), max_digits=16, decimal_places=4, null=True, blank=True
    )
    capital_currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    established_on = models.DateField(_("establishment date"))
    operating_from = models.DateField(_("operating period from"), null=True, blank=True)
    operating_to = models.DateField(_("operating period to"), null=True, blank=True, help_text=_("Empty: no fixed term"))
    registration_authority = models.ForeignKey(
        Agency, verbose_name=_("registration authority"), on_delete=models.PROTECT, related_name="registered_enterprises"
    )
    status = models.CharField(_("registration status"), max_length=16, choices=RegistrationStatus.choices)
    approved_on = models.DateField(_("approval date"), null=True, blank=True)
    domicile = models.CharField(_("domicile"), max_length=300)
    business_scope = models.TextField(_("business scope"), blank=True)
    region_code = models.CharField(_("region code"), max_length=6, db_index=True)
    industry = models.CharField(_("industry"), max_length=1, blank=True, help_text=_("GB/T 4754 section letter"))
    risk_class = models.CharField(_("risk class"), max_length=1, choices=RiskClass.choices, default=RiskClass.B)
    # Space-separated character unigrams and bigrams of the name: indexed on
    # PostgreSQL (GIN over string_to_array) so that 1-2 character Chinese terms,
    # which trigrams cannot index, still find candidates without a table scan.
    search_tokens = models.TextField(_("search tokens"), editable=False, blank=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    # Raised by credit.publication in the same transaction as every change the credit
    # file shows; the cached file's key carries it, so a change is never served stale.
    # db_default: the demo loader writes rows with COPY naming only the columns it fills.
    file_version = models.PositiveBigIntegerField(_("credit file version"), db_default=0, editable=False)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["uscc"]
        indexes = [
            models.Index(fields=["status", "risk_class"]),
            models.Index(fields=["entity_type"]),
            models.Index(fields=["name"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"

    def save(self, *args, **kwargs):
        self.uscc = uscc_rules.normalise(self.uscc)
        self.search_tokens = name_tokens(self.name)
        if self.legal_representative_id:
            # Kept in step with the person so that search by representative stays right.
            self.legal_representative_name = self.legal_representative.name
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The file version belongs to credit.publication alone: writing back the value
            # this instance was loaded with could undo a concurrent publication's raise.
            kwargs["update_fields"] = [
                f.attname for f in self._meta.concrete_fields if not f.primary_key and f.name != "file_version"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return f"/enterprises/{self.uscc}/"

    @property
    def province_code(self) -> str:
        return self.region_code[:2] + "0000"

    @property
    def is_branch(self) -> bool:
        return self.entity_type == EntityType.BRANCH


class EnterpriseAccount(models.Model):
    """A login of an enterprise's liaison person, bound to exactly one enterprise."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="enterprise_account"
    )
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="accounts")
    # A revoked login keeps its row (the audit log names it); its user is deactivated
    # (credit.services.enterprise_account_revoke).
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )
    revoked_reason = models.TextField(_("reason for revocation"), blank=True, editable=False)

    class Meta:
        verbose_name = _("enterprise account")
        verbose_name_plural = _("enterprise accounts")

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise.uscc}"


class PublishedRecord(models.Model):
    """Provenance shared by every record an agency publishes about an enterprise.

    Nothing is hard-deleted: a withdrawn record keeps its row with the date and reason,
    and a corrected one says when and why it was corrected.
    """

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT)
    source_agency = models.ForeignKey(Agency, verbose_name=_("source agency"), on_delete=models.PROTECT)
    document_number = models.CharField(_("document or decision number"), max_length=100, blank=True)
    decided_on = models.DateField(_("decision date"))
    published_at = models.DateTimeField(_("publication time"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.CharField(_("withdrawal reason"), max_length=300, blank=True)
    # The latest correction, shown on the public file next to the record; every
    # correction's old and new values stay in the audit log. Set only by the service.
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True, editable=False)
    # db_default: the demo loader writes rows with COPY/bulk SQL that names no such column.
    correction_reason = models.CharField(
        _("correction reason"), max_length=300, blank=True, default="", db_default="", editable=False
    )

    class Meta:
        abstract = True
        ordering = ["-decided_on", "-id"]


class ShareholderType(models.TextChoices):
    NATURAL_PERSON = "person", _("Natural person shareholder")
    ENTERPRISE = "enterprise", _("Enterprise legal person")
    OTHER = "other", _("Other investor")


class Shareholder(PublishedRecord):
    shareholder_type = models.CharField(_("shareholder type"), max_length=16, choices=ShareholderType.choices)
    name = models.CharField(_("shareholder"), max_length=200)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="shareholdings"
    )
    # For an enterprise shareholder, its USCC (public); a person's number lives on Person.
    licence_number = models.CharField(_("licence number"), max_length=32, blank=True)
    subscribed_amount = models.DecimalField(_("subscribed (10,000)"), max_digits=16, decimal_places=4)
    paid_amount = models.DecimalField(_("paid in (10,000)"), max_digits=16, decimal_places=4)

    class Meta(PublishedRecord.Meta):
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders and capital contributions")
        default_related_name = "shareholders"

    def __str__(self) -> str:
        return self.name


class ContributionForm(models.TextChoices):
    MONEY = "money", _("Currency")
    IN_KIND = "in_kind", _("In kind")
    IP = "ip", _("Intellectual property")
    LAND_USE = "land_use", _("Land use rights")
    EQUITY = "equity", _("Equity")
    OTHER = "other", _("Other")


class CapitalContribution(models.Model):
    class Kind(models.TextChoices):
        SUBSCRIBED = "subscribed", _("Subscribed")
        PAID = "paid", _("Paid in")

    shareholder = models.ForeignKey(
        Shareholder, verbose_name=_("shareholder"), on_delete=models.CASCADE, related_name="contributions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    form = models.CharField(_("form of contribution"), max_length=16, choices=ContributionForm.choices)
    amount = models.DecimalField(_("amount (10,000)"), max_digits=16, decimal_places=4)
    contributed_on = models.DateField(_("date"))

    class Meta:
        verbose_name = _("capital contribution")
        verbose_name_plural = _("capital contributions")
        ordering = ["contributed_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class KeyPerson(PublishedRecord):
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="positions")
    position = models.CharField(_("position"), max_length=100)

    class Meta(PublishedRecord.Meta):
        verbose_name = _("key person")
        verbose_name_plural = _("key personnel")
        default_related_name = "key_personnel"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.person.name} {self.position}"


class Branch(PublishedRecord):
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, validators=[uscc_rules.validator])
    registration_authority_name = models.CharField(_("registration authority"), max_length=200)

    class Meta(PublishedRecord.Meta):
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        default_related_name = "branches"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ChangeRecord(PublishedRecord):
    item = models.CharField(_("item changed"), max_length=100)
    before = models.TextField(_("before"))
    after = models.TextField(_("after"))
    changed_on = models.DateField(_("change date"))

    class Meta(PublishedRecord.Meta):
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        default_related_name = "changes"
        ordering = ["-changed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.item} {self.changed_on}"


class ChattelMortgage(PublishedRecord):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        CANCELLED = "cancelled", _("Cancelled")

    registration_number = models.CharField(_("registration number"), max_length=64)
    registered_on = models.DateField(_("registration date"))
    secured_amount = models.DecimalField(_("secured claim (10,000)"), max_digits=16, decimal_places=4)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    mortgagee = models.CharField(_("mortgagee"), max_length=200)
    collateral = models.CharField(_("collateral"), max_length=300)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)

    class Meta(PublishedRecord.Meta):
        verbose_name = _("chattel mortgage")
        verbose_name_plural = _("chattel mortgages")
        default_related_name = "chattel_mortgages"

    def __str__(self) -> str:
        return self.registration_number


class EquityPledge(PublishedRecord):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        CANCELLED = "cancelled", _("Cancelled")
        REVOKED = "revoked", _("Revoked")

    registration_number = models.CharField(_("registration number"), max_length=64)
    pledgor = models.CharField(_("pledgor"), max_length=200)
    pledgor_person = models.ForeignKey(
        Person, verbose_name=_("pledgor (person)"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pledgor_licence_number = models.CharField(_("pledgor licence number"), max_length=32, blank=True)
    pledged_amount = models.DecimalField(_("pledged equity (10,000)"), max_digits=16, decimal_places=4)
    pledgee = models.CharField(_("pledgee"), max_length=200)
    pledgee_licence_number = models.CharField(_("pledgee licence number"), max_length=32, blank=True)
    established_on = models.DateField(_("registration date"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)

    class Meta(PublishedRecord.Meta):
        verbose_name = _("equity pledge")
        verbose_name_plural = _("equity pledges")
        default_related_name = "equity_pledges"

    def __str__(self) -> str:
        return self.registration_number


class AdministrativeLicence(PublishedRecord):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        CANCELLED = "cancelled", _("Cancelled")
        REVOKED = "revoked", _("Revoked")
        OTHER_INVALID = "invalid", _("Otherwise invalid")

    name = models.CharField(_("licence name"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    content = models.TextField(_("licensed content"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)
    # Granted on a notification-and-commitment letter in place of certificates: a breach of the
    # letter revokes the licence (credit.services).
    commitment_letter = models.ForeignKey(
        "CommitmentLetter", verbose_name=_("granted on the commitment letter"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="licences",
    )

    class Meta(PublishedRecord.Meta):
        verbose_name = _("administrative licence")
        verbose_name_plural = _("administrative licences")
        default_related_name = "licences"

    def __str__(self) -> str:
        return f"{self.document_number} {self.name}"


class Severity(models.TextChoices):
    """The severity class of a penalty or of a list (and of its entries). Red lists have none."""

    MINOR = "minor", _("Minor")
    GENERAL = "general", _("General")
    SERIOUS = "serious", _("Serious")
    NOT_APPLICABLE = "none", _("Not applicable (red list)")


class PublicationMonths(NamedTuple):
    """The publication period a severity class allows, in months from the record's date
    (the decision for a penalty, the listing for an entry). `shortest` None: no lower bound."""

    shortest: int | None
    longest: int


# The one table of publication periods (SAMR Order 107, NDRC Order 36; docs/rules.md): a minor
# record is published for 3 months at most, a general one for 3 to 12, a serious one for 12
# to 36. Penalties stop at the longest; lists keep both their minimum and maximum inside it.
PUBLICATION_MONTHS: dict[str, PublicationMonths] = {
    Severity.MINOR: PublicationMonths(None, 3),
    Severity.GENERAL: PublicationMonths(3, 12),
    Severity.SERIOUS: PublicationMonths(12, 36),
}
def publication_period_text(months: int) -> str:
    """A number of months as said in the rules: whole years in years ("1 year", "3 years"), else months."""
    if months % 12 == 0:
        years = months // 12
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d month", "%(count)d months", months) % {"count": months}


# A penalty always has a class with a publication period.
PENALTY_SEVERITY_CHOICES = [(severity.value, severity.label) for severity in PUBLICATION_MONTHS]


class AdministrativePenalty(PublishedRecord):
    violation_type = models.CharField(_("type of violation"), max_length=200)
    content = models.TextField(_("penalty content"))
    fine_amount = models.DecimalField(_("fine (yuan)"), max_digits=16, decimal_places=2, null=True, blank=True)
    severity = models.CharField(_("severity class"), max_length=16, choices=PENALTY_SEVERITY_CHOICES)
    publication_ends_on = models.DateField(_("publication ends"), null=True, blank=True)
    # When the end of its publication period was published (the sweep credit.penalties_expire,
    # the day after publication_ends_on): its feed event says "expired", its state is null.
    publication_ended_at = models.DateTimeField(_("publication ended at"), null=True, blank=True, editable=False)
    # SAMR Order 107 Art. 7, Order 45 Art. 2: a penalty that is only a warning is recorded
    # but never published (credit.selectors.penalty_shown_q, the credit file's section).
    # db_default: the demo loader writes rows with COPY/bulk SQL that names no such column.
    warning_only = models.BooleanField(
        _("warning only"), default=False, db_default=False,
        help_text=_("A penalty that is only a warning is recorded but never published."),
    )

    class Meta(PublishedRecord.Meta):
        verbose_name = _("administrative penalty")
        verbose_name_plural = _("administrative penalties")
        default_related_name = "penalties"

    def __str__(self) -> str:
        return self.document_number


class JudicialAssistance(PublishedRecord):
    """Equity freezes and related enforcement notices from the courts."""

    class Kind(models.TextChoices):
        FREEZE = "freeze", _("Equity freeze")
        RENEWED = "renewed", _("Renewed freeze")
        UNFROZEN = "unfrozen", _("Freeze lifted")
        TRANSFER = "transfer", _("Compulsory transfer of equity")

    class Status(models.TextChoices):
        FROZEN = "frozen", _("Frozen")
        UNFROZEN = "unfrozen", _("Unfrozen")
        LAPSED = "lapsed", _("Lapsed")

    subject_name = models.CharField(_("person subject to enforcement"), max_length=200)
    equity_amount = models.DecimalField(_("equity amount (10,000)"), max_digits=16, decimal_places=4)
    ruling_number = models.CharField(_("enforcement ruling number"), max_length=100, blank=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    frozen_from = models.DateField(_("frozen from"), null=True, blank=True)
    frozen_to = models.DateField(_("frozen to"), null=True, blank=True)

    class Meta(PublishedRecord.Meta):
        verbose_name = _("judicial assistance record")
        verbose_name_plural = _("judicial assistance")
        default_related_name = "judicial_assistance"

    def __str__(self) -> str:
        return self.document_number


# Information the enterprise itself provides and is responsible for.


class AnnualReport(models.Model):
    """One submitted (published) version of an enterprise's report for a year: version 1 is
    the original, 2.. the corrections (Reg. Art. 12; every version stays public). Submitted
    versions are never changed. What the report contains per entity type, and how it is
    checked, is credit/annual_reports.py; `data` holds its cleaned values by item key."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="annual_reports"
    )
    year = models.PositiveSmallIntegerField(_("report year"))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    submitted_at = models.DateTimeField(_("submitted at"))
    published_at = models.DateTimeField(_("publication time"), null=True, blank=True)
    # Individual businesses may keep the report itself private; only the filing is public.
    report_public = models.BooleanField(_("report published"), default=True)
    data = models.JSONField(_("report items"), default=dict, blank=True)
    # Keys of the optional items the enterprise chose not to publish.
    withheld = models.JSONField(_("items not published"), default=list, blank=True)

    class Meta:
        verbose_name = _("annual report")
        verbose_name_plural = _("annual reports")
        ordering = ["-year", "-version"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "year", "version"], name="annual_report_version")]

    def __str__(self) -> str:
        return f"{self.enterprise.uscc} {self.year} v{self.version}"

    @property
    def is_correction(self) -> bool:
        return self.version > 1

    @property
    def filed_late(self) -> bool:
        from credit.filing import filed_late

        return filed_late(self.year, self.submitted_at)


class AnnualReportDraft(models.Model):
    """The report an enterprise is preparing for a year: its raw form input, kept as typed
    (also when invalid) until it is submitted. `revision` rises with every save, so a save
    from a page that showed an older revision (another tab) is refused, not merged."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="annual_report_drafts"
    )
    year = models.PositiveSmallIntegerField(_("report year"))
    data = models.JSONField(_("form input"), default=dict, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("last saved by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("annual report draft")
        verbose_name_plural = _("annual report drafts")
        constraints = [models.UniqueConstraint(fields=["enterprise", "year"], name="annual_report_draft_year")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.year} r{self.revision}"


class InstantDisclosure(models.Model):
    class Kind(models.TextChoices):
        CAPITAL = "capital", _("Shareholders' capital contributions")
        EQUITY_TRANSFER = "equity_transfer", _("Equity transfer")
        LICENCE = "licence", _("Administrative licence")
        IP_PLEDGE = "ip_pledge", _("Intellectual property pledge")
        PENALTY = "penalty", _("Administrative penalty")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="instant_disclosures"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    summary = models.TextField(_("content"))
    fact_date = models.DateField(_("date of the fact"), validators=[validate_plausible_date])
    published_at = models.DateTimeField(_("publication time"))
    # A correction is a new version of the same disclosure; every version stays public.
    # `original` is the first version (empty on the first version itself).
    original = models.ForeignKey(
        "self", verbose_name=_("first version"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="corrections",
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1, db_default=1)
    # The kind's structured fields (credit.disclosures.DETAIL_FIELDS, validated there).
    details = models.JSONField(_("details"), default=dict, db_default={}, blank=True)

    class Meta:
        verbose_name = _("instant disclosure")
        verbose_name_plural = _("instant disclosures")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["original", "version"], name="instant_disclosure_version"),
            models.CheckConstraint(
                condition=models.Q(original__isnull=True, version=1) | models.Q(original__isnull=False, version__gt=1),
                name="instant_disclosure_first_version",
            ),
        ]
        indexes = [models.Index(fields=["enterprise", "-published_at"], name="instant_disclosure_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.fact_date}"

    @property
    def series_id(self) -> int:
        return self.original_id or self.pk

    @property
    def first_published_at(self) -> dt.datetime:
        """When the disclosure was first made: what lateness is judged by (a correction is not late)."""
        return self.original.published_at if self.original_id else self.published_at

    @functools.cached_property
    def deadline(self):
        return disclosure_deadline(self.fact_date)

    @property
    def late(self) -> bool:
        return disclosure_late(fact_date=self.fact_date, published_at=self.first_published_at)

    @property
    def detail_rows(self) -> list[tuple[Any, str]]:
        from credit.disclosures import detail_rows

        return detail_rows(self.kind, self.details)


# Reg. Art. 10: an instant disclosure is made within 20 working days of the fact.
DISCLOSURE_WORKING_DAYS = 20


def disclosure_deadline(fact_date: dt.date):
    """The last day (a portal.workdays.Deadline, provisional when a day counted lies in a year
    whose official calendar is not published yet) to disclose a fact of `fact_date`."""
    from portal.workdays import add_working_days

    return add_working_days(fact_date, DISCLOSURE_WORKING_DAYS)


def disclosure_late(*, fact_date: dt.date, published_at: dt.datetime) -> bool:
    """A disclosure first published after its deadline (local day in Beijing) is late, publicly."""
    return timezone.localdate(published_at) > disclosure_deadline(fact_date).date


class CommitmentLetter(models.Model):
    """A credit commitment letter the enterprise signed from /account/ (credit.commitments for
    the templates and the canonical form). The letter keeps the exact title and text it was
    signed with and the SHA-256 of its canonical document; nothing of it changes after signing.
    Its state (in force, fulfilled, breached, expired) is derived from its dates and the events
    recorded about it, never stored (credit.commitments.letter_state)."""

    class Kind(models.TextChoices):
        GENERAL = "general", _("General good-faith commitment")
        INDUSTRY = "industry", _("Industry self-discipline commitment")
        LICENSING = "licensing", _("Notification-and-commitment approval")
        CREDIT_REPAIR = "credit_repair", _("Credit repair commitment")

    class Language(models.TextChoices):
        ZH = "zh-hans", "中文"
        EN = "en", "English"

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="commitment_letters"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    template_version = models.PositiveSmallIntegerField(_("template version"), default=1, db_default=1)
    language = models.CharField(_("language signed in"), max_length=8, choices=Language.choices,
                                default=Language.ZH, db_default="zh-hans")
    # The agency the letter is made to: the approving agency of a notification-and-commitment
    # letter, the deciding authority of a repair letter, else the registration authority. Its
    # staff record breaches and fulfilment.
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    approval_matter = models.CharField(_("approval matter"), max_length=200, blank=True, default="", db_default="")
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    signatory_name = models.CharField(_("signatory"), max_length=100, blank=True, default="", db_default="")
    signatory_title = models.CharField(_("signatory's title"), max_length=100, blank=True, default="", db_default="")
    signed_at = models.DateTimeField(_("signed at"))
    # The local (Beijing) day of signed_at, kept for the date filter and the order.
    signed_on = models.DateField(_("signed on"))
    valid_until = models.DateField(_("in force until"), null=True, blank=True)
    text_sha256 = models.CharField(_("SHA-256 of the signed document"), max_length=64)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("publication time"))
    # Recorded by staff of `agency` (credit.services): a fulfilment ends the letter as kept.
    fulfilled_on = models.DateField(_("fulfilment recorded on"), null=True, blank=True)
    fulfilment_note = models.TextField(_("fulfilment note"), blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("credit commitment letter")
        verbose_name_plural = _("credit commitment letters")
        ordering = ["-signed_on", "-id"]
        indexes = [
            models.Index(fields=["-signed_on", "-id"], name="commitment_recent"),
            models.Index(fields=["kind", "-signed_on", "-id"], name="commitment_kind_recent"),
            models.Index(fields=["agency", "-signed_on", "-id"], name="commitment_agency_recent"),
            # Kind and agency together (an agency's notification-and-commitment letters): the page and
            # its bounded count read the newest of them without visiting the agency's other letters.
            models.Index(fields=["agency", "kind", "-signed_on", "-id"], name="commitment_agency_kind_recent"),
            models.Index(fields=["enterprise", "-signed_on"], name="commitment_enterprise"),
        ]
        constraints = [
            # No template is in force for less (credit.commitments.MIN_VALIDITY_DAYS): the
            # expired filter relies on it.
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("signed_on") + dt.timedelta(days=364)),
                name="commitment_min_validity",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/commitments/{self.pk}/"


class CommitmentBreach(PublishedRecord):
    """A breach of a commitment letter, recorded by staff of the agency the letter names: a
    negative record of the credit file with its provenance (agency, document number, date).
    Withdrawn, not deleted, if it was recorded in error."""

    letter = models.ForeignKey(CommitmentLetter, verbose_name=_("commitment letter"), on_delete=models.PROTECT,
                               related_name="breaches")
    facts = models.TextField(_("facts of the breach"))
    evidence = models.TextField(_("evidence"))
    # The enterprise committed falsely (it never met the conditions): what the rules punish hardest.
    false_commitment = models.BooleanField(_("false commitment"), default=False)
    # The last day it is published, set only when a credit repair of it is approved (listings.repair,
    # kind "commitment_breach"); none: published until withdrawn.
    publication_ends_on = models.DateField(_("publication ends"), null=True, blank=True, editable=False)

    class Meta(PublishedRecord.Meta):
        verbose_name = _("breach of a commitment")
        verbose_name_plural = _("breaches of commitments")
        default_related_name = "commitment_breaches"

    def __str__(self) -> str:
        return self.document_number


class PublicationState(models.Model):
    """One row: the generation of every public page at once. Raised by changes that
    show in files without belonging to one enterprise (an agency, list, reason, item or
    memorandum renamed), where raising each file's version would touch millions of rows.

    `changes` is raised by every publication whatsoever (credit.publication): the pages
    that are not one enterprise's file (home, search, lists, entries, inspections, plans)
    show rows of many enterprises, so their cached copies are keyed by it
    (credit.cache.site_version)."""

    generation = models.PositiveBigIntegerField(default=0)
    changes = models.PositiveBigIntegerField(default=0, db_default=0)
    # The head of the change feed (credit/changes.py): the last event's sequence and hash. Read
    # and raised under the lock of this row, which every publication takes first, so the feed's
    # sequence has no gaps and its hash chain no forks.
    feed_sequence = models.PositiveBigIntegerField(default=0, db_default=0)
    feed_hash = models.CharField(max_length=64, default="0" * 64, db_default="0" * 64)

    class Meta:
        verbose_name = _("publication state")
        verbose_name_plural = _("publication state")

    def __str__(self) -> str:
        return f"generation {self.generation}"


class ActivationCode(models.Model):
    """A one-time code that lets an enterprise's liaison create a login bound to it
    (/account/activate/). Only a salted hash is kept (credit.accounts): the plain code is shown
    once, on the printed letter. Open until it is used, revoked or expired; issuing a new code
    revokes the enterprise's open ones (credit.services.activation_code_issue)."""

    class RevokedBecause(models.TextChoices):
        REVOKED = "revoked", _("revoked by staff")
        REISSUED = "reissued", _("replaced by a new code")

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="activation_codes"
    )
    code_salt = models.CharField(_("salt"), max_length=32, editable=False)
    code_hash = models.CharField(_("code hash"), max_length=64, editable=False)
    issued_at = models.DateTimeField(_("issued at"), editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )
    issued_by_agency = models.ForeignKey(
        Agency, verbose_name=_("issuing agency"), on_delete=models.PROTECT, related_name="+", editable=False
    )
    expires_at = models.DateTimeField(_("expires at"), editable=False)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True, editable=False)
    account = models.OneToOneField(
        EnterpriseAccount, verbose_name=_("login created"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="activation_code",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )
    revoked_because = models.CharField(
        _("revoked because"), max_length=16, choices=RevokedBecause.choices, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("activation code")
        verbose_name_plural = _("activation codes")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["enterprise", "-issued_at"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id}/{self.pk} ({self.issued_at:%Y-%m-%d})"

    def state(self, now=None) -> str:
        """used, revoked, expired or open."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= (now or timezone.now()):
            return "expired"
        return "open"

    def is_open(self, now=None) -> bool:
        return self.state(now) == "open"


class ChangeEvent(models.Model):
    """One event of the public change feed (/api/v1/changes/, docs/changes.md): what changed
    (the object's type, id and public address), how (`kind`), and its new public state, or
    null when it left the public record. `sequence` counts from 1 without gaps; `hash` chains
    every event to the one before (credit.changes.chain_hash). Append-only: written by
    credit.publication.publication_record in the transaction of the change, never changed."""

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    action = models.CharField(_("action"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    address = models.CharField(_("address"), max_length=300)
    state = models.JSONField(_("public state"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    # Beside the event, outside its hash: whom it concerns, for the followers (following/).
    enterprise = models.ForeignKey("credit.Enterprise", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", db_index=False, verbose_name=_("enterprise"))
    collection = models.CharField(_("collection"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "sequence"], name="credit_change_object"),
            models.Index(fields=["occurred_at"], name="credit_change_occurred"),
            models.Index(fields=["enterprise", "sequence"], name="credit_change_enterprise"),
            models.Index(fields=["collection", "sequence"], name="credit_change_collection",
                         condition=~models.Q(collection="")),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action}"


class ChangeHead(models.Model):
    """The feed's head at the end of a local day: the last event before midnight (Asia/Shanghai)
    and its hash, published at /data/ and /api/v1/changes/heads/ so that anyone can hold it and
    later check a downloaded feed against it (credit/verify_changes.py)."""

    day = models.DateField(_("day"), unique=True)
    sequence = models.PositiveBigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("daily head of the change feed")
        verbose_name_plural = _("daily heads of the change feed")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}: #{self.sequence}"
