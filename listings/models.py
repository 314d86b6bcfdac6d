from __future__ import annotations

import datetime as dt
import zoneinfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from credit.models import AdministrativePenalty, Agency, AgencyKind, Enterprise, Person, RegistrationStatus, Severity

# The portal publishes on Beijing time whatever the server's zone.
PUBLICATION_TIME_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
OBJECTION_DAYS = 30
# Reg. Art. 18 (2024): listing for false disclosure bars the legal representative then in
# office from the same role in any other enterprise for three years.
LEGAL_REPRESENTATIVE_BAR_YEARS = 3
ABNORMAL_OPERATIONS = "abnormal-operations"
# The lists whose entries the firm's registration authority decides, besides the list's owner:
# the market-regulation bureau that registered a firm (at its level and region) puts it on the
# abnormal-operations list, and that bureau, "作出决定的市场监督管理部门", decides objections to
# the entry and its removal (企业经营异常名录管理办法, SAMR Order 101, Arts. 4-5, 10-16; Order 107
# Art. 4: repair by the bureau where the entity is registered). docs/rules.md section 4.
REGISTRATION_AUTHORITY_LISTS = frozenset({ABNORMAL_OPERATIONS})


def local_today() -> dt.date:
    return timezone.localdate()


class ListColour(models.TextChoices):
    RED = "red", _("Red list")
    BLACK = "black", _("Blacklist")


class ListCategory(models.TextChoices):
    ABNORMAL_OPERATIONS = "abnormal", _("Abnormal operations")
    SERIOUS_ILLEGAL = "serious", _("Serious illegal and dishonest")
    TAX = "tax", _("Taxation")
    JUDICIAL = "judicial", _("Judgment enforcement")
    PROCUREMENT = "procurement", _("Government procurement")
    ENVIRONMENT = "environment", _("Ecology and environment")
    OTHER = "other", _("Other")


class SubjectType(models.TextChoices):
    MARKET_ENTITY = "market_entity", _("Market entities (enterprises, sole proprietors, cooperatives)")
    ENTERPRISE = "enterprise", _("Enterprises")
    SUPPLIER = "supplier", _("Suppliers and agents")
    TAXPAYER = "taxpayer", _("Taxpayers")


class CreditList(models.Model):
    """A list kept by one agency (abnormal operations, serious illegal, tax violators, A-grade taxpayers...).

    Publication periods are in months counted from the listing date. An empty maximum
    means the entry stays published until it is removed (for example the abnormal-
    operations list, where removal follows the cure).
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    colour = models.CharField(_("red or black"), max_length=8, choices=ListColour.choices)
    category = models.CharField(_("category"), max_length=16, choices=ListCategory.choices)
    owner_agency = models.ForeignKey(
        Agency, verbose_name=_("owning agency"), on_delete=models.PROTECT, related_name="owned_lists"
    )
    legal_basis = models.TextField(_("legal basis"))
    subject_type = models.CharField(_("subject type"), max_length=16, choices=SubjectType.choices)
    severity = models.CharField(_("default severity class"), max_length=8, choices=Severity.choices)
    min_publication_months = models.PositiveSmallIntegerField(
        _("minimum publication (months)"), null=True, blank=True, help_text=_("Repair may be requested after this")
    )
    max_publication_months = models.PositiveSmallIntegerField(
        _("maximum publication (months)"), null=True, blank=True, help_text=_("Empty: published until removed")
    )
    consequences = models.TextField(_("what it means in practice"), blank=True)
    consequences_en = models.TextField(_("what it means in practice (English)"), blank=True)
    removal_conditions = models.TextField(_("how to get off the list"), blank=True)
    removal_conditions_en = models.TextField(_("how to get off the list (English)"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("list")
        verbose_name_plural = _("lists")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/lists/{self.code}/"

    @property
    def is_red(self) -> bool:
        return self.colour == ListColour.RED

    @property
    def registration_authority_decides(self) -> bool:
        """The firm's registration authority lists it and decides its entry (REGISTRATION_AUTHORITY_LISTS)."""
        return self.code in REGISTRATION_AUTHORITY_LISTS

    def may_open(self, agency: Agency | None) -> bool:
        """Whether `agency`'s staff may open the list's staff pages at all: the owner, and for a list
        decided by registration authorities every market-regulation bureau (which firm it may list
        is `may_list`)."""
        if agency is None:
            return False
        return agency.pk == self.owner_agency_id or (
            self.registration_authority_decides and agency.kind == AgencyKind.MARKET_REGULATION
        )

    def may_list(self, agency: Agency | None, enterprise: Enterprise) -> bool:
        """Whether `agency` may put `enterprise` on this list: the list's owner always; for a list
        decided by registration authorities also the bureau that registered the firm."""
        if agency is None:
            return False
        return agency.pk == self.owner_agency_id or (
            self.registration_authority_decides and enterprise.registration_authority_id == agency.pk
        )


class ListReason(models.Model):
    """A coded reason for putting an enterprise on a list (NECIPS shows its statutory wording)."""

    credit_list = models.ForeignKey(CreditList, verbose_name=_("list"), on_delete=models.CASCADE, related_name="reasons")
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("reason"), max_length=300)
    name_en = models.CharField(_("reason (English)"), max_length=300, blank=True)
    # Reg. Art. 18 (2024): listing for false disclosure bars the legal representative
    # from the same role in any other enterprise for three years.
    bars_legal_representative = models.BooleanField(_("bars the legal representative"), default=False)

    class Meta:
        verbose_name = _("listing reason")
        verbose_name_plural = _("listing reasons")
        ordering = ["credit_list", "id"]
        constraints = [models.UniqueConstraint(fields=["credit_list", "code"], name="listings_reason_code_unique")]

    def __str__(self) -> str:
        return self.name


class EntryState(models.TextChoices):
    LISTED = "listed", _("Listed")
    REMOVED = "removed", _("Removed")
    EXPIRED = "expired", _("Publication ended")
    REVOKED = "revoked", _("Revoked")


class EntryStatus(models.TextChoices):
    """What the public sees: the stored state read together with today's date."""

    ACTIVE = "active", _("On the list")
    EXPIRED = "expired", _("Publication ended")
    REMOVED = "removed", _("Removed")
    REVOKED = "revoked", _("Revoked")


def active_q(today: dt.date, prefix: str = "") -> Q:
    """Entries shown as on the list today; a listed entry past its end is not, even before the sweep."""
    return Q(**{f"{prefix}state": EntryState.LISTED}) & (
        Q(**{f"{prefix}publication_ends_on__isnull": True}) | Q(**{f"{prefix}publication_ends_on__gte": today})
    )


def withheld_q(prefix: str = "") -> Q:
    """Entries of deregistered enterprises: on a blacklist (every list but the red lists) no
    longer published (SAMR Order 107 Art. 20). ListEntry.is_withheld is the same rule for one
    entry; the credit file applies it through its sections' `negative` flag."""
    return Q(**{f"{prefix}enterprise__status": RegistrationStatus.DEREGISTERED})


def repaired_q(prefix: str = "") -> Q:
    """Entries removed because the deciding authority approved a credit repair: their publication
    ended (SAMR Order 107 Arts. 16-17), so no public page shows them; the staff history and the
    audit log keep them, and a revocation for a false commitment lists them again.
    ListEntry.publication_repaired is the same rule for one entry."""
    return Q(**{f"{prefix}state": EntryState.REMOVED, f"{prefix}removal_reason": SystemText.CREDIT_REPAIRED})


def already_listed_q(*, enterprise, reason, today: dt.date, prefix: str = "") -> Q:
    """The entries that make a new listing of `enterprise` (an Enterprise, a pk or an OuterRef)
    for `reason` a duplicate: on the list today for the same reason. The one rule of
    list_entry_create's check and of the non-filer sweep."""
    return active_q(today, prefix) & Q(**{f"{prefix}enterprise": enterprise, f"{prefix}reason": reason})


def status_q(status: str, today: dt.date) -> Q:
    if status == EntryStatus.ACTIVE:
        return active_q(today)
    if status == EntryStatus.EXPIRED:
        return Q(state=EntryState.EXPIRED) | Q(state=EntryState.LISTED, publication_ends_on__lt=today)
    return Q(state=status)


def status_annotation(today: dt.date) -> Case:
    return Case(
        When(state=EntryState.LISTED, publication_ends_on__lt=today, then=Value(EntryStatus.EXPIRED.value)),
        When(state=EntryState.LISTED, then=Value(EntryStatus.ACTIVE.value)),
        default=F("state"),
        output_field=models.CharField(),
    )


def legal_representative_bar_end(listed_on: dt.date) -> dt.date:
    """The last day of the bar that a listing on `listed_on` puts on the legal representative."""
    return listed_on + relativedelta(years=LEGAL_REPRESENTATIVE_BAR_YEARS) - dt.timedelta(days=1)


def person_barred_q(person, on: dt.date, *, other_than_enterprise=None, prefix: str = "") -> Q:
    """The entries that bar `person` (a Person, a pk or an OuterRef) from being a legal
    representative on `on`: their bar runs to `on` or later and they are not revoked (an
    annulled listing bars nobody). `other_than_enterprise` (an enterprise, a pk or an
    OuterRef) leaves out the entries of the enterprise being asked about: a person is barred
    from representing *another* enterprise than the one that was listed.

    The one rule, as a query; ListEntry.bars is the same rule for one loaded entry."""
    q = Q(**{f"{prefix}barred_person": person, f"{prefix}bar_ends_on__gte": on}) & ~Q(
        **{f"{prefix}state": EntryState.REVOKED}
    )
    if other_than_enterprise is not None:
        q &= ~Q(**{f"{prefix}enterprise": other_than_enterprise})
    return q


def actionable_q(agency: Agency | None, prefix: str = "") -> Q:
    """The entries whose removal, revocation and objections `agency` decides: those of the lists it
    owns, and on a list decided by registration authorities those it decided (its own listings).
    The one rule, as a query; ListEntry.actionable_by is the same rule for one loaded entry."""
    if agency is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}credit_list__owner_agency": agency}) | Q(
        **{f"{prefix}credit_list__code__in": sorted(REGISTRATION_AUTHORITY_LISTS), f"{prefix}deciding_agency": agency}
    )


class ListEntryQuerySet(models.QuerySet):
    def actionable_by(self, agency: Agency | None) -> ListEntryQuerySet:
        """The entries `agency` decides on (actionable_q)."""
        return self.filter(actionable_q(agency))

    def barring(self, person, *, on: dt.date, other_than_enterprise=None) -> ListEntryQuerySet:
        """The entries that bar `person` on `on` (see person_barred_q)."""
        return self.filter(person_barred_q(person, on, other_than_enterprise=other_than_enterprise))


_absolute_url = URLValidator(schemes=["http", "https"])


def validate_source_address(value: str) -> None:
    """An absolute http(s) address, or a path on this site such as /inspections/plans/<number>/."""
    if value.startswith("/") and not value.startswith("//"):
        # A path must not smuggle in spaces or control characters; "//host" would leave the site.
        if any(char.isspace() or ord(char) < 32 for char in value):
            raise ValidationError(
                _("Source address: a site path may not contain spaces."), code="invalid_source_address"
            )
        return
    try:
        _absolute_url(value)
    except ValidationError:
        raise ValidationError(
            _("Source address: give an address starting with http:// or https://, or a path on this site "
              "starting with /."),
            code="invalid_source_address",
        ) from None


class SystemText(models.TextChoices):
    """Reasons and notes the portal itself writes (not staff). They are stored in their official
    Chinese wording, so the admin and the audit trail read as before, and shown in the reader's language."""

    EXPIRED = "公示期满，自动停止公示", _("Publication period ended; publication stopped automatically")
    OBJECTION_SUBMITTED = "异议已提交", _("Objection submitted")
    OBJECTION_REJECTED = "异议不予支持", _("Objection rejected")
    OBJECTION_UPHELD = "异议成立，撤销列入", _("Objection upheld: listing revoked")
    # Removal on cure (listings.services.removals), in the words of SAMR Order 101 Arts. 13-15.
    CURED_ANNUAL_REPORT = "已补报未报年份的年度报告并公示，申请移出", _(
        "The missing annual report was filed and published; removed on application")
    CURED_DISCLOSURE = "已依照责令履行公示义务，申请移出", _(
        "The ordered information was published; removed on application")
    CURED_REACHABLE = "通过登记的住所或者经营场所可以重新取得联系，申请移出", _(
        "The enterprise can again be contacted at its stated address; removed on application")
    # Credit repair (listings.repair): approval ends the entry's publication; a repair revoked
    # for a false commitment puts it back (SAMR Order 107 Arts. 16, 23).
    CREDIT_REPAIRED = "信用修复申请经审核通过，停止公示", _(
        "Credit repair approved; publication ended")
    REPAIR_REVOKED = "信用修复因虚假承诺被撤销，恢复公示", _(
        "Credit repair revoked for a false commitment; published again")


# Notes stored before the texts were fixed, in whichever language the request happened to use.
_LEGACY_SYSTEM_TEXTS = {
    "Submitted": SystemText.OBJECTION_SUBMITTED,
    "报送日期": SystemText.OBJECTION_SUBMITTED,
    "Rejected": SystemText.OBJECTION_REJECTED,
    "不予支持": SystemText.OBJECTION_REJECTED,
    "Upheld: listing revoked": SystemText.OBJECTION_UPHELD,
    "异议成立：已撤销列入": SystemText.OBJECTION_UPHELD,
}
SYSTEM_ACTORS = {"system": _("the portal (automatic)"), "demo": _("demo data")}
# The inspections follow-up labels its entries "双随机抽查 <plan number>".
INSPECTION_SOURCE_PREFIX = "双随机抽查 "


def system_text_shown(text: str) -> str:
    """A system-made text in the active language; anything staff wrote is shown as written."""
    if text in SystemText.values:
        return SystemText(text).label
    if text in _LEGACY_SYSTEM_TEXTS:
        return _LEGACY_SYSTEM_TEXTS[text].label
    return text


class ListEntry(models.Model):
    credit_list = models.ForeignKey(
        CreditList, verbose_name=_("list"), on_delete=models.PROTECT, related_name="entries"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="list_entries"
    )
    # The enterprise's division code when it was listed: list pages filter by region without a
    # join, and a later move does not rewrite where the listing happened.
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    reason = models.ForeignKey(ListReason, verbose_name=_("reason"), on_delete=models.PROTECT, related_name="+")
    reason_text = models.TextField(_("facts"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    decision_number = models.CharField(_("decision number"), max_length=100)
    deciding_agency = models.ForeignKey(
        Agency, verbose_name=_("deciding authority"), on_delete=models.PROTECT, related_name="+"
    )
    severity = models.CharField(_("severity class"), max_length=8, choices=Severity.choices)
    decided_on = models.DateField(_("decision date"))
    listed_on = models.DateField(_("listing date"))
    publication_ends_on = models.DateField(
        _("publication end date"), null=True, blank=True, help_text=_("Last day shown; empty: until removed")
    )
    repair_from = models.DateField(_("repair may be requested from"))
    state = models.CharField(_("state"), max_length=8, choices=EntryState.choices, default=EntryState.LISTED)
    state_changed_at = models.DateTimeField(_("state changed at"), default=timezone.now)
    removed_on = models.DateField(_("removal date"), null=True, blank=True)
    removal_reason = models.CharField(_("removal reason"), max_length=300, blank=True)
    removal_decision_number = models.CharField(_("removal decision number"), max_length=100, blank=True)
    removing_agency = models.ForeignKey(
        Agency, verbose_name=_("removing authority"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Snapshot at listing: the legal representative then in office is the one barred.
    barred_person = models.ForeignKey(
        Person, verbose_name=_("barred legal representative"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="list_bars",
    )
    bar_ends_on = models.DateField(_("bar ends on"), null=True, blank=True)
    # The serious list names the penalty decision a listing follows, or its other legal basis
    # (listings.services.list_entry_create); annulling the penalty revokes the entry (listings.apps).
    penalty = models.ForeignKey(
        AdministrativePenalty, verbose_name=_("penalty decision"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="list_entries",
    )
    other_legal_basis = models.TextField(_("other legal basis"), blank=True, default="", db_default="")
    source_label = models.CharField(_("source"), max_length=200, blank=True)
    # Absolute for another authority's notice, a site path for our own pages (inspection plans).
    source_url = models.CharField(
        _("source address"), max_length=200, blank=True, validators=[validate_source_address]
    )
    published_at = models.DateTimeField(_("publication time"), default=timezone.now)
    # The report year a non-filer listing is for (listings.services.sweep): one entry per
    # enterprise, reason and year, even after it was removed or revoked.
    report_year = models.PositiveSmallIntegerField(_("report year"), null=True, blank=True)

    objects = ListEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["-listed_on", "-id"]
        indexes = [
            models.Index(fields=["credit_list", "-listed_on", "-id"], name="listings_entry_list_date"),
            models.Index(fields=["enterprise", "credit_list"], name="listings_entry_enterprise"),
            # The daily sweep only looks at listed entries with an end date.
            models.Index(
                fields=["publication_ends_on"], name="listings_entry_sweep", condition=Q(state="listed")
            ),
            models.Index(fields=["state_changed_at"], name="listings_entry_changed"),
            models.Index(fields=["barred_person", "bar_ends_on"], name="listings_entry_bar"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "reason", "report_year"], condition=Q(report_year__isnull=False),
                name="listings_entry_report_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.credit_list.code} #{self.pk} {self.enterprise_id}"

    def get_absolute_url(self) -> str:
        return f"/lists/{self.credit_list.code}/{self.pk}/"

    @property
    def is_withheld(self) -> bool:
        """A blacklist entry of a deregistered enterprise: no longer published (withheld_q)."""
        return not self.credit_list.is_red and self.enterprise.status == RegistrationStatus.DEREGISTERED

    @property
    def publication_repaired(self) -> bool:
        """Removed on an approved credit repair: no longer published (repaired_q)."""
        return self.state == EntryState.REMOVED and self.removal_reason == SystemText.CREDIT_REPAIRED

    @property
    def reason_code(self) -> str:
        return self.reason.code

    def actionable_by(self, agency: Agency | None) -> bool:
        """Whether `agency` decides this entry's removal, revocation and objections (actionable_q)."""
        if agency is None:
            return False
        return agency.pk == self.credit_list.owner_agency_id or (
            self.credit_list.registration_authority_decides and agency.pk == self.deciding_agency_id
        )

    def status_on(self, today: dt.date) -> str:
        if self.state == EntryState.LISTED:
            if self.publication_ends_on is not None and self.publication_ends_on < today:
                return EntryStatus.EXPIRED
            return EntryStatus.ACTIVE
        return EntryStatus(self.state)

    @property
    def status(self) -> str:
        return self.status_on(local_today())

    @property
    def status_label(self) -> str:
        return EntryStatus(self.status).label

    @property
    def is_active(self) -> bool:
        return self.status == EntryStatus.ACTIVE

    @property
    def removal_reason_shown(self) -> str:
        return system_text_shown(self.removal_reason)

    @property
    def source_label_shown(self) -> str:
        if self.source_label.startswith(INSPECTION_SOURCE_PREFIX):
            return _("Double-random spot check %(number)s") % {
                "number": self.source_label.removeprefix(INSPECTION_SOURCE_PREFIX)
            }
        return self.source_label

    @property
    def published_on(self) -> dt.date:
        """The local (Asia/Shanghai) day the entry went public; staff may backdate `listed_on`, not this."""
        return timezone.localtime(self.published_at, PUBLICATION_TIME_ZONE).date()

    @property
    def objection_deadline(self) -> dt.date:
        # Objections run 30 days from publication (docs/rules.md): a backdated listing date must not shorten them.
        return self.published_on + dt.timedelta(days=OBJECTION_DAYS)

    def objection_refusal(self, on: dt.date, *, objection_open: bool) -> str:
        """Why an objection cannot be made on `on` ("" if it can), as the objection service's error code.

        The one rule for the service, the entry page and the enterprise's account: the entry is on
        the list, the 30 days from publication have not passed, and no objection is being handled
        (`objection_open`: Objection.is_open of any of its objections, or
        `entry.objections.open().exists()`). "" means the enterprise may object.
        """
        if self.status_on(on) != EntryStatus.ACTIVE:
            return "not_active"
        if on > self.objection_deadline:
            return "objection_late"
        if objection_open:
            return "objection_open"
        return ""

    def bars(self, person_id: int | None, on: dt.date, *, other_than_enterprise_id: int | None = None) -> bool:
        """Whether this entry bars the person `person_id` on `on`: person_barred_q for one entry."""
        return (
            person_id is not None
            and self.barred_person_id == person_id
            and self.bar_ends_on is not None
            and self.bar_ends_on >= on
            and self.state != EntryState.REVOKED
            and (other_than_enterprise_id is None or self.enterprise_id != other_than_enterprise_id)
        )


class ListEntryEvent(models.Model):
    """The readable history of one entry (the audit log keeps who did it, this keeps what happened)."""

    class Kind(models.TextChoices):
        LISTED = "listed", _("Listed")
        REMOVED = "removed", _("Removed")
        EXPIRED = "expired", _("Publication ended")
        REVOKED = "revoked", _("Revoked")
        OBJECTION = "objection", _("Objection")
        RESTORED = "restored", _("Published again")

    entry = models.ForeignKey(ListEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    actor_label = models.CharField(_("by"), max_length=150, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("entry event")
        verbose_name_plural = _("entry history")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.kind}"

    @property
    def note_shown(self) -> str:
        return system_text_shown(self.note)

    @property
    def actor_shown(self) -> str:
        # Services sign automatic steps (the expiry sweep, follow-ups) as "system", demo data as "demo".
        return SYSTEM_ACTORS[self.actor_label] if self.actor_label in SYSTEM_ACTORS else self.actor_label


class ObjectionQuerySet(models.QuerySet):
    def open(self) -> ObjectionQuerySet:
        """Objections still being handled (Objection.is_open as a query)."""
        return self.filter(state__in=Objection.OPEN_STATES)

    def actionable_by(self, agency: Agency | None) -> ObjectionQuerySet:
        """The objections `agency` decides: to the entries it decides on (actionable_q)."""
        return self.filter(actionable_q(agency, "entry__"))

    def with_due(self) -> ObjectionQuerySet:
        """Annotated with `due`, the date the next decision is due (Objection.due_on as a query)."""
        return self.annotate(
            due=Case(
                When(state=Objection.State.SUBMITTED, then=F("acceptance_due")),
                When(state=Objection.State.ACCEPTED, then=F("verification_due")),
                default=Value(None),
                output_field=models.DateField(),
            )
        )


class Objection(models.Model):
    class State(models.TextChoices):
        # "Submitted" alone is the annual reports' submission-date column elsewhere.
        SUBMITTED = "submitted", pgettext_lazy("objection state", "Submitted")
        ACCEPTED = "accepted", _("Accepted, under verification")
        UPHELD = "upheld", _("Upheld: listing revoked")
        REJECTED = "rejected", _("Rejected")

    entry = models.ForeignKey(ListEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="objections")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_on = models.DateField(_("submitted on"))
    grounds = models.TextField(_("grounds"))
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.SUBMITTED)
    acceptance_due = models.DateField(_("acceptance decision due"))
    acceptance_due_provisional = models.BooleanField(_("acceptance deadline provisional"), default=False)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    verification_due = models.DateField(_("verification due"), null=True, blank=True)
    verification_due_provisional = models.BooleanField(_("verification deadline provisional"), default=False)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    deciding_agency = models.ForeignKey(
        Agency, verbose_name=_("deciding authority"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Submitted or accepted: the objection is being handled, and no second one may be made.
    OPEN_STATES = (State.SUBMITTED, State.ACCEPTED)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-submitted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.submitted_on}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def due_on(self) -> dt.date | None:
        """The date the next decision is due: acceptance within 5 WD of submission, verification
        within 20 WD of acceptance (listings.services.objections); None once decided."""
        if self.state == self.State.SUBMITTED:
            return self.acceptance_due
        if self.state == self.State.ACCEPTED:
            return self.verification_due
        return None

    @property
    def due_provisional(self) -> bool:
        if self.state == self.State.SUBMITTED:
            return self.acceptance_due_provisional
        return self.state == self.State.ACCEPTED and self.verification_due_provisional


class Memorandum(models.Model):
    """A joint rewards or punishments memorandum signed by several agencies, covering some lists."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=300, blank=True)
    document_number = models.CharField(_("document number"), max_length=100)
    signed_on = models.DateField(_("signed on"))
    signatories = models.ManyToManyField(Agency, verbose_name=_("signatory agencies"), related_name="memoranda")
    lists = models.ManyToManyField(CreditList, verbose_name=_("lists covered"), related_name="memoranda")

    class Meta:
        verbose_name = _("memorandum")
        verbose_name_plural = _("memoranda")
        ordering = ["signed_on", "code"]

    def __str__(self) -> str:
        return self.title


class Measure(models.Model):
    class Kind(models.TextChoices):
        RESTRICTION = "restriction", _("Restriction")
        REWARD = "reward", _("Reward")

    memorandum = models.ForeignKey(
        Memorandum, verbose_name=_("memorandum"), on_delete=models.CASCADE, related_name="measures"
    )
    agency = models.ForeignKey(Agency, verbose_name=_("applied by"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.TextField(_("measure"))
    description_en = models.TextField(_("measure (English)"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["memorandum", "id"]

    def __str__(self) -> str:
        return self.description[:80]


class RemovalApplicationQuerySet(models.QuerySet):
    def pending(self) -> RemovalApplicationQuerySet:
        return self.filter(state=RemovalApplication.State.PENDING)

    def actionable_by(self, agency: Agency | None) -> RemovalApplicationQuerySet:
        """The applications `agency` decides: for the entries it decides on (actionable_q)."""
        return self.filter(actionable_q(agency, "entry__"))


class RemovalApplication(models.Model):
    """An enterprise's application to be taken off the abnormal-operations list once it has cured
    the cause (listings.cure: the portal checks the cure itself before filing the application). The
    deciding authority decides within REMOVAL_DECISION_WORKING_DAYS working days of submission."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending decision")
        APPROVED = "approved", _("Approved: removed from the list")
        REFUSED = "refused", _("Refused")

    entry = models.ForeignKey(
        ListEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="removal_applications"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    submitted_on = models.DateField(_("submitted on"))
    # An entry for an unreachable address is cured by the address the enterprise states here,
    # which the authority confirms when it decides.
    stated_address = models.CharField(_("reachable address stated"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.PENDING)
    decision_due = models.DateField(_("decision due"))
    decision_due_provisional = models.BooleanField(_("decision deadline provisional"), default=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    refusal_reasons = models.TextField(_("reasons for the refusal"), blank=True)

    objects = RemovalApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("removal application")
        verbose_name_plural = _("removal applications")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=Q(state="pending"), name="listings_removal_one_pending"
            ),
        ]
        indexes = [models.Index(fields=["state", "decision_due"], name="listings_removal_queue")]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.submitted_on}"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


class RepairApplicationQuerySet(models.QuerySet):
    def open(self) -> RepairApplicationQuerySet:
        """Applications still being handled (RepairApplication.is_open as a query)."""
        return self.filter(state__in=RepairApplication.OPEN_STATES)

    def decided_by_agency(self, agency: Agency | None) -> RepairApplicationQuerySet:
        """The applications `agency` decides: whoever recorded the information repairs it."""
        if agency is None:
            return self.none()
        return self.filter(deciding_agency=agency)


class RepairApplication(models.Model):
    """An enterprise's application to repair one negative record (SAMR Order 107, NDRC Order 36):
    a penalty, a list entry or a negative inspection result, named by its kind in the repair
    registry (listings.repair) and its id. The authority that recorded it decides. Approval ends
    the record's publication; a repair found to rest on a false commitment is revoked, the record
    is published again and no new application for it is accepted for 3 years."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted, awaiting acceptance")
        INCOMPLETE = "incomplete", _("Materials missing")
        ACCEPTED = "accepted", _("Accepted, under review")
        APPROVED = "approved", _("Approved: publication ended")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Repair revoked: false commitment")

    OPEN_STATES = (State.SUBMITTED, State.INCOMPLETE, State.ACCEPTED)

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="repair_applications"
    )
    record_kind = models.CharField(_("kind of record"), max_length=32)
    record_id = models.PositiveBigIntegerField(_("record"))
    # What the record was when the application was made, as the enterprise saw it.
    record_label = models.CharField(_("record repaired"), max_length=300)
    deciding_agency = models.ForeignKey(
        Agency, verbose_name=_("deciding authority"), on_delete=models.PROTECT, related_name="+"
    )
    commitment_letter = models.ForeignKey(
        "credit.CommitmentLetter", verbose_name=_("repair commitment letter"), on_delete=models.PROTECT,
        related_name="repair_applications",
    )
    statement = models.TextField(_("correction and performance"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    acceptance_due = models.DateField(_("acceptance due"))
    acceptance_due_provisional = models.BooleanField(_("acceptance deadline provisional"), default=False)
    # The one notice listing everything missing (SAMR Order 107 Art. 14).
    missing_materials = models.TextField(_("materials missing"), blank=True)
    missing_notified_at = models.DateTimeField(_("missing materials notified at"), null=True, blank=True)
    supplemented_at = models.DateTimeField(_("materials supplemented at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    decision_due = models.DateField(_("decision due"), null=True, blank=True)
    decision_due_provisional = models.BooleanField(_("decision deadline provisional"), default=False)
    extended_at = models.DateTimeField(_("deadline extended at"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("revoked by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    revocation_reason = models.TextField(_("reason for the revocation"), blank=True)
    revocation_document_number = models.CharField(_("revocation document number"), max_length=100, blank=True)
    # The last day the revocation is published, and of the bar on a new application for the
    # record: 3 years from the revocation (Order 107 Art. 23; listings.repair.rules).
    revocation_published_until = models.DateField(_("revocation published until"), null=True, blank=True)
    # The record's publication fields before approval ended them, restored by a revocation.
    publication_before = models.JSONField(_("publication before the repair"), default=dict, blank=True)

    objects = RepairApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("credit repair application")
        verbose_name_plural = _("credit repair applications")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record_kind", "record_id"], condition=Q(state__in=["submitted", "incomplete", "accepted"]),
                name="listings_repair_one_open",
            ),
        ]
        indexes = [
            models.Index(fields=["deciding_agency", "state"], name="listings_repair_queue"),
            models.Index(fields=["enterprise", "-submitted_at"], name="listings_repair_enterprise"),
            models.Index(fields=["record_kind", "record_id"], name="listings_repair_record"),
        ]

    def __str__(self) -> str:
        return f"{self.record_kind}:{self.record_id} {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class RepairFile(models.Model):
    """A proof-of-correction file of a repair application: checked by content (portal.uploads),
    stored under MEDIA_ROOT with an unguessable name, served only as an attachment to the
    applying enterprise and the deciding agency's staff."""

    application = models.ForeignKey(
        RepairApplication, verbose_name=_("application"), on_delete=models.PROTECT, related_name="files"
    )
    original_name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(_("stored as"), max_length=100, unique=True, editable=False)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("proof-of-correction file")
        verbose_name_plural = _("proof-of-correction files")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
