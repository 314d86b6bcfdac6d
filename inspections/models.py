"""One list (inspection items), two databases (enterprises, inspectors), and the plans
whose firms and teams are drawn by the DRAW-v1 algorithm (inspections/draw/algorithm.py)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit.models import Agency, Enterprise, RegistrationStatus, RiskClass
from inspections.draw import algorithm

code_validator = RegexValidator(
    r"^[A-Za-z0-9._-]{1,64}$",
    _("Use 1 to 64 letters, digits, dots, underscores or hyphens (the draw hashes this code as ASCII)."),
)


class InspectionItem(models.Model):
    """An entry of the one list of random inspection items."""

    class Kind(models.TextChoices):
        KEY = "key", _("Key item")
        GENERAL = "general", _("General item")

    class Method(models.TextChoices):
        DESK = "desk", _("Desk review")
        SITE = "site", _("Site inspection")
        ONLINE = "online", _("Online check")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    legal_basis = models.TextField(_("legal basis"))
    kind = models.CharField(_("key or general"), max_length=8, choices=Kind.choices)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Inspector(models.Model):
    """An entry of the inspector database; usually linked to a staff login."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="inspectors")
    code = models.CharField(_("inspector code"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspector",
    )
    items = models.ManyToManyField(InspectionItem, verbose_name=_("qualified items"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspector")
        verbose_name_plural = _("inspectors")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Conflict(models.Model):
    """A declared conflict of interest: the inspector is never drawn for this firm."""

    inspector = models.ForeignKey(Inspector, verbose_name=_("inspector"), on_delete=models.CASCADE,
                                  related_name="conflicts")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE,
                                   related_name="inspector_conflicts")
    reason = models.CharField(_("reason"), max_length=300)
    declared_on = models.DateField(_("declared on"))

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [models.UniqueConstraint(fields=["inspector", "enterprise"], name="insp_conflict_unique")]

    def __str__(self) -> str:
        return f"{self.inspector.code} / {self.enterprise.uscc}"


RATIO = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]
# The yearly minimum coverage of random inspections: the plans of a year should check at least
# 3% of the firms in scope (docs/rules.md, section 7). The one home of the figure: the admin's
# warning when a plan's ratios would draw less (inspections.admin.warn_share) and the ratio
# fields' help text (inspections.admin.PlanForm) read it here.
MINIMUM_YEARLY_SHARE = Decimal("0.03")


class PlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMMITTED = "committed", _("Committed")
    DRAWING = "drawing", _("Drawing")
    DRAWN = "drawn", _("Drawn")
    PUBLISHED = "published", _("Results published")


class RevealPolicy(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately after the draw")
    ON_PUBLICATION = "on_publication", _("When the results are published")


class PlanQuerySet(models.QuerySet):
    def publicly_visible(self) -> PlanQuerySet:
        """Plans the public may see (Plan.is_public as a query): every plan but drafts."""
        return self.exclude(state=PlanState.DRAFT)


class Plan(models.Model):
    """Before the reveal the public sees a committed plan's parameters, commitment and frozen
    inputs only (`is_revealed`; PlanFile.after_reveal); its secret, seed, draw and selection
    stay hidden, except the firms whose result is published (Task.is_public)."""

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="plans")
    number = models.CharField(_("plan number"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("plan name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    batch = models.PositiveSmallIntegerField(_("batch"), default=1)
    items = models.ManyToManyField(InspectionItem, verbose_name=_("inspection items"))
    # Scope filters; an empty list means "no restriction".
    regions = models.JSONField(_("region code prefixes"), default=list, blank=True)
    entity_types = models.JSONField(_("entity types"), default=list, blank=True)
    industries = models.JSONField(_("industries"), default=list, blank=True)
    statuses = models.JSONField(_("registration statuses"), default=list, blank=True)
    ratio_a = models.DecimalField(_("ratio for class A"), max_digits=5, decimal_places=4, validators=RATIO)
    ratio_b = models.DecimalField(_("ratio for class B"), max_digits=5, decimal_places=4, validators=RATIO)
    ratio_c = models.DecimalField(_("ratio for class C"), max_digits=5, decimal_places=4, validators=RATIO)
    ratio_d = models.DecimalField(_("ratio for class D"), max_digits=5, decimal_places=4, validators=RATIO)
    # 国市监信发〔2022〕6号: the riskier the class, the more often it is checked (Plan.clean).
    ratio_reason = models.TextField(
        _("reason for the ratios"), blank=True, default="", db_default="",
        help_text=_("Required when the ratios do not rise from class A to class D."),
    )
    team_size = models.PositiveSmallIntegerField(_("team size"), default=2, validators=[MinValueValidator(2)])
    workload_cap = models.PositiveIntegerField(_("workload cap"), validators=[MinValueValidator(1)],
                                               help_text=_("Most firms one inspector may be drawn for in this plan"))
    conflict_period_days = models.PositiveIntegerField(
        _("recent-inspection exclusion (days)"), default=365,
        help_text=_("Inspectors who inspected a firm within this many days are excluded from it"),
    )
    entropy_source = models.CharField(
        _("public entropy source"), max_length=300,
        help_text=_("A public value that will exist only after the commitment, e.g. a named lottery draw"),
    )
    # When the named source announces its value (docs/draw.md 2): required at the commit, which
    # must come before it; the value cannot be entered earlier (services.plan_entropy_check).
    entropy_available_at = models.DateTimeField(
        _("public entropy available at"), null=True, blank=True,
        help_text=_("When the named source announces its value, e.g. the lottery's drawing time; "
                    "the plan must be committed before then and the value cannot be entered earlier"),
    )
    reveal_policy = models.CharField(_("reveal"), max_length=16, choices=RevealPolicy.choices,
                                     default=RevealPolicy.ON_PUBLICATION)
    checks_end_on = models.DateField(_("checks end on"),
                                     help_text=_("Results are due 20 working days after this date"))
    state = models.CharField(_("state"), max_length=16, choices=PlanState.choices, default=PlanState.DRAFT)
    secret = models.BinaryField(_("secret"), null=True, blank=True, editable=False)
    commitment = models.CharField(_("commitment"), max_length=64, blank=True, editable=False)
    public_entropy = models.CharField(_("public entropy"), max_length=300, blank=True)
    seed = models.CharField(_("seed"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True, editable=False)
    entropy_entered_at = models.DateTimeField(_("entropy entered at"), null=True, blank=True, editable=False)
    # When the draw was last asked of the workers (by staff or by the draws_requeue sweep; cleared
    # when it fails) and when a worker last started it: the sweep re-queues a request that no
    # worker started, and a draw that stopped without finishing (inspections.services.draws_requeue).
    draw_requested_at = models.DateTimeField(_("draw requested at"), null=True, blank=True, editable=False)
    draw_started_at = models.DateTimeField(_("draw started at"), null=True, blank=True, editable=False)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True, editable=False)
    revealed_at = models.DateTimeField(_("revealed at"), null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("results published at"), null=True, blank=True, editable=False)
    draw_error = models.TextField(_("last draw error"), blank=True, editable=False)
    draw_attempts = models.PositiveIntegerField(_("draw attempts"), default=0, editable=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        ordering = ["-year", "-batch", "number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(team_size__gte=2), name="insp_plan_team_size_min_2"),
            models.CheckConstraint(condition=models.Q(workload_cap__gte=1), name="insp_plan_cap_min_1"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return f"/inspections/plans/{self.number}/"

    def clean(self) -> None:
        super().clean()
        if self.entropy_available_at is not None:
            # Whole seconds: parameters.json names the time to the second (draw.time_string).
            self.entropy_available_at = self.entropy_available_at.replace(microsecond=0)
        ratios = [self.ratio_a, self.ratio_b, self.ratio_c, self.ratio_d]
        if None in ratios:
            return
        if any(lower > higher for lower, higher in zip(ratios, ratios[1:], strict=False)) and not self.ratio_reason.strip():
            raise ValidationError({"ratio_reason": _(
                "Reason for the ratios: the ratios do not rise with the risk class (A low to D high); "
                "record why this plan samples a lower-risk class more.")}, code="ratio_reason_required")

    @property
    def ratios(self) -> dict[str, str]:
        return {
            "A": algorithm.ratio_string(self.ratio_a),
            "B": algorithm.ratio_string(self.ratio_b),
            "C": algorithm.ratio_string(self.ratio_c),
            "D": algorithm.ratio_string(self.ratio_d),
        }

    @property
    def is_public(self) -> bool:
        return self.state != PlanState.DRAFT

    @property
    def is_revealed(self) -> bool:
        return self.revealed_at is not None

    @property
    def is_directed(self) -> bool:
        return bool(self.regions or self.entity_types or self.industries or self.statuses)


class PlanFile(models.Model):
    """The exact bytes of a published file; they never change once written."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(_("file name"), max_length=32)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("sha256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("published draw file")
        verbose_name_plural = _("published draw files")
        ordering = ["plan", "id"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="insp_planfile_unique_name")]

    def __str__(self) -> str:
        return f"{self.plan.number}/{self.name}"

    @property
    def after_reveal(self) -> bool:
        return self.name in (algorithm.REVEAL_FILE, algorithm.RESULT_FILE)


class Draw(models.Model):
    """The one result set of a plan: the one-to-one key makes a second one impossible."""

    plan = models.OneToOneField(Plan, on_delete=models.PROTECT, related_name="draw")
    seed = models.CharField(_("seed"), max_length=64)
    quotas = models.JSONField(_("quotas"))
    pool_size = models.PositiveIntegerField(_("firms in scope"))
    selected_count = models.PositiveIntegerField(_("selected firms"))
    unassigned_count = models.PositiveIntegerField(_("firms without a team"))
    result_sha256 = models.CharField(_("result.csv sha256"), max_length=64)
    completed_at = models.DateTimeField(_("completed at"), auto_now_add=True)
    seconds = models.FloatField(_("computation seconds"))

    class Meta:
        verbose_name = _("draw")
        verbose_name_plural = _("draws")

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.selected_count}"


class Result(models.TextChoices):
    NO_PROBLEM = "no_problem", _("No problem found")
    PROBLEM_PENDING = "problem_pending", _("Problem found, follow-up pending")
    NOT_DISCLOSED = "not_disclosed", _("Information not disclosed as required")
    FALSE_DISCLOSURE = "false_disclosure", _("Disclosed information false")
    UNREACHABLE = "unreachable", _("Unreachable at the registered address")
    CLOSED = "closed", _("Closed or in liquidation")
    NON_COOPERATION = "non_cooperation", _("Serious non-cooperation")
    CORRECTED = "corrected", _("Problem found and corrected on order")


def task_public_q(prefix: str = "") -> Q:
    """Tasks the public may know of: all of a revealed plan's, and before the reveal only
    those whose result is published (a plan that keeps its draw secret until publication
    does so that firms are not forewarned). Task.is_public is the same rule for one task."""
    return Q(**{f"{prefix}plan__revealed_at__isnull": False}) | Q(**{f"{prefix}published_at__isnull": False})


# The results that are negative information (SAMR Order 107 Art. 2: 抽查检查结果负面信息): every
# result but "no problem found" and "corrected on order" (listings.repair, inspections.parts).
NEGATIVE_RESULTS = frozenset(r.value for r in Result) - {Result.NO_PROBLEM.value, Result.CORRECTED.value}


def publication_current_q(today, prefix: str = "") -> Q:
    """Results whose publication has not ended by `today` (publication_ends_on empty or not passed)."""
    return Q(**{f"{prefix}publication_ends_on__isnull": True}) | Q(**{f"{prefix}publication_ends_on__gte": today})


def task_result_public_q(prefix: str = "") -> Q:
    """Tasks whose result is public: published (Task.result_is_public as a query)."""
    return Q(**{f"{prefix}published_at__isnull": False})


class TaskQuerySet(models.QuerySet):
    def publicly_visible(self) -> TaskQuerySet:
        return self.filter(task_public_q())

    def results_published(self) -> TaskQuerySet:
        return self.filter(task_result_public_q())


class Task(models.Model):
    """One selected firm of a drawn plan: its ticket, team and (later) result."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="tasks")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="inspection_tasks")
    number = models.CharField(_("task number"), max_length=80, unique=True)
    position = models.PositiveIntegerField(_("position in ticket order"))
    uscc = models.CharField(_("unified social credit code"), max_length=64)
    risk_class = models.CharField(_("risk class"), max_length=1, choices=RiskClass.choices)
    ticket = models.CharField(_("ticket"), max_length=64)
    inspector_codes = models.CharField(_("team"), max_length=400, blank=True)
    assigned_manually = models.BooleanField(_("assigned by hand"), default=False)
    inspectors = models.ManyToManyField(Inspector, through="TaskMember", verbose_name=_("team"), blank=True)
    result = models.CharField(_("result"), max_length=24, choices=Result.choices, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    completed_on = models.DateField(_("completion date"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)
    # The last day a published result is shown: set when a credit repair of it is approved
    # (listings.repair), cleared when the repair is revoked; empty: no end.
    publication_ends_on = models.DateField(_("publication ends"), null=True, blank=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection task")
        verbose_name_plural = _("inspection tasks")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "enterprise"], name="insp_task_unique_firm"),
            models.UniqueConstraint(fields=["plan", "position"], name="insp_task_unique_position"),
        ]
        indexes = [models.Index(fields=["enterprise", "published_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_assigned(self) -> bool:
        return bool(self.inspector_codes)

    @property
    def result_is_public(self) -> bool:
        return self.published_at is not None

    @property
    def result_withheld(self) -> bool:
        """A negative result (NEGATIVE_RESULTS), of an enterprise since deregistered: no longer
        published (SAMR Order 107 Art. 20; the credit file's inspection sections keep only the
        results that are not negative). Reads the enterprise: select it with the task."""
        return self.result in NEGATIVE_RESULTS and self.enterprise.status == RegistrationStatus.DEREGISTERED
    def publication_ended(self) -> bool:
        """The result's publication ended (an approved credit repair): the plan page no longer shows it."""
        return self.publication_ends_on is not None and self.publication_ends_on < timezone.localdate()

    @property
    def is_public(self) -> bool:
        """task_public_q for one task (reads its plan: select it with the task)."""
        return self.result_is_public or self.plan.is_revealed


class TaskMember(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="members")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="memberships")
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["task", "rank"]
        constraints = [models.UniqueConstraint(fields=["task", "inspector"], name="insp_member_unique")]

    def __str__(self) -> str:
        return f"{self.task.number}: {self.inspector.code}"


class SpotCheck(models.Model):
    """A published spot-check result outside double-random plans (抽查检查结果信息)."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="spot_checks")
    agency = models.ForeignKey(Agency, verbose_name=_("inspecting agency"), on_delete=models.PROTECT,
                               related_name="spot_checks")
    kind = models.CharField(_("type"), max_length=100)
    checked_on = models.DateField(_("date"))
    result = models.CharField(_("result"), max_length=24, choices=Result.choices)
    published_at = models.DateTimeField(_("published at"))
    # As Task.publication_ends_on: the last day shown after an approved credit repair.
    publication_ends_on = models.DateField(_("publication ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        ordering = ["-checked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.checked_on}"


class DisclosureOrder(models.Model):
    """An order to disclose information, made when a check found it "not disclosed as
    required" (企业公示信息抽查办法 Art. 13): the firm is put on the abnormal-operations list
    only if the deadline (working days on the official calendar) passes uncured."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="disclosure_orders")
    agency = models.ForeignKey(Agency, verbose_name=_("ordering agency"), on_delete=models.PROTECT,
                               related_name="disclosure_orders")
    task = models.OneToOneField(Task, verbose_name=_("inspection task"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="disclosure_order")
    spot_check = models.OneToOneField(SpotCheck, verbose_name=_("spot check"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="disclosure_order")
    number = models.CharField(_("order number"), max_length=100)
    source_label = models.CharField(_("source"), max_length=200, blank=True)
    source_url = models.CharField(_("source address"), max_length=300, blank=True)
    ordered_on = models.DateField(_("ordered on"))
    due_on = models.DateField(_("disclosure due"))
    due_provisional = models.BooleanField(_("deadline provisional"), default=False)
    cured_on = models.DateField(_("disclosed on"), null=True, blank=True)
    listed_at = models.DateTimeField(_("listed as abnormal at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order to disclose")
        verbose_name_plural = _("orders to disclose")
        ordering = ["-ordered_on", "-id"]
        indexes = [
            models.Index(fields=["due_on"], name="insp_order_lapse",
                         condition=models.Q(cured_on__isnull=True, listed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.number
