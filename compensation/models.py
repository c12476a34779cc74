"""Pay and benefits (POLICY §8): pay standards, payroll months, their lines, team rewards,
benefits, adjustments and the payroll documents.

Money is `Decimal` yuan with two places (the fen) everywhere; see `compensation/rules.py`
for the formulas and the rounding rule.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre, Township, Village

MONEY = {"max_digits": 12, "decimal_places": 2}


class CadrePayStandard(models.Model):
    """A cadre's own annual pay standard (§8.1), within the post's range, with a reason.

    In force from `effective_from` until the cadre's next standard; without one the
    post's standard (a county rule) applies.
    """

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="pay_standards"
    )
    annual_amount = models.DecimalField(_("annual pay standard"), **MONEY)
    effective_from = models.DateField(_("in force from"))
    reason = models.TextField(_("reason"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cadre's pay standard")
        verbose_name_plural = _("cadres' pay standards")
        ordering = ["cadre", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "effective_from"], name="pay_standard_one_per_cadre_and_date"
            ),
            models.CheckConstraint(condition=Q(annual_amount__gt=0), name="pay_standard_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="pay_standard_has_reason"),
        ]

    def __str__(self):
        return f"{self.cadre_id} {self.annual_amount} ({self.effective_from})"


class PayrollStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed")
    REVIEWED = "reviewed", _("Reviewed by the townships")
    APPROVED = "approved", _("Approved by the county")
    LOCKED = "locked", _("Locked")


class PayrollMonth(models.Model):
    """The payroll of one month (月度报酬发放表): computed, reviewed, approved, locked (§8.2).

    A computed or reviewed month is replaced by each run; an approved month waits for the
    lock; a locked month never changes: a correction goes into a later month.
    """

    Status = PayrollStatus

    month = models.DateField(_("month"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.COMPUTED
    )
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cadre_count = models.PositiveIntegerField(_("cadres"), default=0)
    gross_total = models.DecimalField(_("gross pay"), default=0, **MONEY)
    deduction_total = models.DecimalField(_("deductions"), default=0, **MONEY)
    net_total = models.DecimalField(_("net pay"), default=0, **MONEY)
    rule_versions = models.JSONField(_("rules used"), default=dict, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("locked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("monthly payroll")
        verbose_name_plural = _("monthly payrolls")
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PayrollStatus.values), name="payroll_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "locked"]) | Q(approved_at__isnull=False),
                name="payroll_approved_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="locked") | Q(locked_at__isnull=False),
                name="payroll_locked_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m}"

    @property
    def is_locked(self):
        return self.status == PayrollStatus.LOCKED


class TownshipReview(models.Model):
    """A township's review of its part of a month's payroll (乡镇审核)."""

    payroll = models.ForeignKey(
        PayrollMonth, verbose_name=_("payroll"), on_delete=models.CASCADE, related_name="reviews"
    )
    township = models.ForeignKey(
        Township, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"))
    net_total = models.DecimalField(_("net pay reviewed"), **MONEY)

    class Meta:
        verbose_name = _("township review")
        verbose_name_plural = _("township reviews")
        ordering = ["payroll", "township__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["payroll", "township"], name="payroll_one_review_per_township"
            ),
        ]

    def __str__(self):
        return f"{self.payroll} {self.township_id}"


class PayrollEntry(models.Model):
    """One cadre's pay of a month: the sums of its lines (§8.2)."""

    payroll = models.ForeignKey(
        PayrollMonth,
        verbose_name=_("payroll"),
        on_delete=models.CASCADE,
        related_name="entries",
        db_index=False,  # led by the unique (payroll, cadre) index
    )
    month = models.DateField(_("month"))
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        related_name="payroll_entries",
        db_index=False,  # led by the (cadre, month) index
    )
    township = models.ForeignKey(
        Township,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by the (township, month) index
    )
    village = models.ForeignKey(
        Village, verbose_name=_("village or community"), on_delete=models.PROTECT, related_name="+"
    )
    post = models.CharField(_("post"), max_length=20, choices=Cadre.Post.choices)
    annual_standard = models.DecimalField(_("annual pay standard"), **MONEY)
    monthly_score = models.DecimalField(
        _("monthly score"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    performance_paid = models.DecimalField(_("performance pay paid"), **MONEY)
    gross = models.DecimalField(_("gross pay"), **MONEY)
    deductions = models.DecimalField(_("deductions"), **MONEY)
    net = models.DecimalField(_("net pay"), **MONEY)

    class Meta:
        verbose_name = _("payslip")
        verbose_name_plural = _("payslips")
        ordering = ["month", "township__code", "village__code", "post", "cadre_id"]
        indexes = [
            models.Index(fields=["township", "month"]),
            models.Index(fields=["cadre", "month"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["payroll", "cadre"], name="payroll_one_entry_per_cadre"
            ),
            models.CheckConstraint(condition=Q(net__gte=0), name="payroll_net_not_negative"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.cadre_id}"


class LineKind(models.TextChoices):
    BASE = "base", _("Base pay")
    RANK = "rank", _("Rank pay")
    PERFORMANCE = "performance", _("Performance pay")
    VIOLATION_MONTH = "violation_month", _("Deduction: unauthorised absence")
    VIOLATION_QUARTER = "violation_quarter", _("Deduction: third absence, the quarter")
    MEASURE = "measure", _("Deduction: measure")
    UNPAID_DAYS = "unpaid_days", _("Days without pay")
    QUARTER_TAKEBACK = "quarter_takeback", _("Performance pay taken back")
    REWARD = "reward", _("Team reward")
    INSURANCE = "insurance", _("Pension and medical insurance subsidy")
    DEATH_ON_DUTY = "death_on_duty", _("Death-on-duty payment")
    DEPARTURE = "departure", _("Departure living allowance")
    COLLECTIVE = "collective", _("Village collective-economy share")
    ADJUSTMENT = "adjustment", _("Adjustment")
    CARRIED_IN = "carried_in", _("Carried from the month before")
    CARRIED_OUT = "carried_out", _("Carried to the next month")


class PayrollLine(models.Model):
    """One line of a payslip: an amount (negative for a deduction), its kind and reason."""

    Kind = LineKind

    entry = models.ForeignKey(
        PayrollEntry, verbose_name=_("payslip"), on_delete=models.CASCADE, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    source = models.CharField(_("source"), max_length=40, blank=True)
    refers_to_month = models.DateField(_("for the month"), null=True, blank=True)
    note = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payslip line")
        verbose_name_plural = _("payslip lines")
        ordering = ["entry", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LineKind.values), name="pay_line_kind"),
        ]

    def __str__(self):
        return f"{self.entry_id} {self.kind} {self.amount}"


class RewardKind(models.TextChoices):
    HONOUR = "honour", _("Honour (有荣誉)")
    TEN_NOS = "ten_nos", _("Ten-nos target met (十无)")
    FIRST_CLASS = "first_class", _("First-class team (一类班子)")


class HonourLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")


class TeamReward(models.Model):
    """Reward money for a village team (双有双奖, §8.3), paid in a payroll month.

    The county-set share of the amount goes into the performance pay of the team's
    full-time cadres on that month's payroll, in equal parts.
    """

    Kind = RewardKind
    Level = HonourLevel

    village = models.ForeignKey(
        Village, verbose_name=_("village or community"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, blank=True)
    title = models.CharField(_("title"), max_length=120)
    amount = models.DecimalField(_("amount"), **MONEY)
    pay_month = models.DateField(_("paid with the payroll of"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team reward")
        verbose_name_plural = _("team rewards")
        ordering = ["-year", "village__code", "kind"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RewardKind.values), name="reward_kind"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="reward_positive"),
            models.CheckConstraint(
                condition=Q(kind="honour", level__in=HonourLevel.values)
                | (~Q(kind="honour") & Q(level="")),
                name="reward_honour_has_level",
            ),
            models.UniqueConstraint(
                fields=["village", "year", "kind"],
                condition=Q(kind__in=["ten_nos", "first_class"]),
                name="reward_yearly_once_per_kind",
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.village_id} {self.kind} {self.amount}"


class BenefitKind(models.TextChoices):
    ACCIDENT_INSURANCE = "accident_insurance", _("Accident insurance bought")
    CHECKUP = "checkup", _("Yearly health check-up")
    DEATH_ON_DUTY = "death_on_duty", _("Death-on-duty payment")
    DEPARTURE = "departure", _("Departure living allowance")


class Benefit(models.Model):
    """A benefit of §8.4–§8.5: insurance bought and check-ups (kept), or a one-off payment
    (death on duty, departure allowance) paid with a payroll month."""

    Kind = BenefitKind
    PAID_KINDS = (BenefitKind.DEATH_ON_DUTY, BenefitKind.DEPARTURE)

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="benefits"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), **MONEY)
    years_served = models.PositiveSmallIntegerField(_("years served"), null=True, blank=True)
    pay_month = models.DateField(_("paid with the payroll of"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        ordering = ["-on", "cadre"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=BenefitKind.values), name="benefit_kind"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="benefit_not_negative"),
            models.CheckConstraint(
                condition=Q(kind__in=["death_on_duty", "departure"], pay_month__isnull=False)
                | (~Q(kind__in=["death_on_duty", "departure"]) & Q(pay_month__isnull=True)),
                name="benefit_paid_kinds_have_month",
            ),
        ]

    def __str__(self):
        return f"{self.cadre_id} {self.kind} {self.on}"


class PayAdjustment(models.Model):
    """A correction paid with an open payroll month (§8.2): never an edit of a locked one."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="pay_adjustments"
    )
    pay_month = models.DateField(_("paid with the payroll of"))
    refers_to_month = models.DateField(_("corrects the month"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pay adjustment")
        verbose_name_plural = _("pay adjustments")
        ordering = ["-pay_month", "cadre"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="adjustment_not_zero"),
            models.CheckConstraint(condition=~Q(reason=""), name="adjustment_has_reason"),
        ]

    def __str__(self):
        return f"{self.pay_month:%Y-%m} {self.cadre_id} {self.amount}"


class CollectiveShare(models.Model):
    """A cadre's share of the village collective economy's earnings (§8.6), for a month."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="+"
    )
    pay_month = models.DateField(_("paid with the payroll of"))
    amount = models.DecimalField(_("amount"), **MONEY)
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("collective-economy share")
        verbose_name_plural = _("collective-economy shares")
        constraints = [
            models.UniqueConstraint(fields=["cadre", "pay_month"], name="collective_one_a_month"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="collective_positive"),
        ]

    def __str__(self):
        return f"{self.pay_month:%Y-%m} {self.cadre_id} {self.amount}"


class BankAccount(models.Model):
    """The account a cadre's pay is transferred to (for the bank transfer file)."""

    cadre = models.OneToOneField(
        Cadre, verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="bank_account"
    )
    bank = models.CharField(_("bank"), max_length=60)
    account_number = models.CharField(_("account number"), max_length=32)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")

    def __str__(self):
        return f"{self.cadre_id} {self.bank}"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PayrollDocument(models.Model):
    """A payroll PDF produced in the background, with its progress and file (DESIGN §jobs)."""

    Status = DocumentStatus

    payroll = models.ForeignKey(
        PayrollMonth, verbose_name=_("payroll"), on_delete=models.CASCADE, related_name="documents"
    )
    township = models.ForeignKey(
        Township,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="compensation/payroll/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    # When a worker last took it up, and how many times one has: a render whose worker was
    # lost (killed, out of memory) is taken up again by its redelivered task.
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payroll document")
        verbose_name_plural = _("payroll documents")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DocumentStatus.values), name="payroll_document_status"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="payroll_document_pct"),
        ]

    def __str__(self):
        return f"{self.payroll} {self.township_id or 'county'} {self.status}"


class PayrollDocumentPart(models.Model):
    """The pages of a run of whole townships (in code order) of the county payroll PDF:
    each part is rendered by a worker of its own, and the last one done has them merged in
    order (issue 10). A part holds about PAYROLL_PDF_PART_ROWS rows: each render has a fixed
    cost (fonts, styles, the PDF's own objects), so parts of one small township each would
    spend more on those than the parallel workers save."""

    Status = DocumentStatus

    document = models.ForeignKey(
        PayrollDocument, verbose_name=_("document"), on_delete=models.CASCADE, related_name="parts"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    first_township = models.ForeignKey(
        Township, verbose_name=_("first township"), on_delete=models.PROTECT, related_name="+"
    )
    last_township = models.ForeignKey(
        Township, verbose_name=_("last township"), on_delete=models.PROTECT, related_name="+"
    )
    first_number = models.PositiveIntegerField(_("number of its first row"))
    rows = models.PositiveIntegerField(_("rows"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(_("file"), upload_to="compensation/payroll/parts/", blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("payroll document part")
        verbose_name_plural = _("payroll document parts")
        ordering = ["document", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "position"], name="payroll_document_part_position"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DocumentStatus.values), name="payroll_document_part_status"
            ),
        ]

    def __str__(self):
        return f"{self.document_id} #{self.position} {self.status}"
