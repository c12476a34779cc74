"""Fine-grained management (POLICY §5): dispatch orders, democratic evaluation, measures,
the monthly settlement and the annual assessment."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.models import Cadre, Township, Village

# ---------------------------------------------------------------- dispatch orders (§5.1)


class DispatchOrder(models.Model):
    """A task the township dispatches for a month (派单), to one or many villages."""

    township = models.ForeignKey(
        Township, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    title = models.CharField(_("title"), max_length=120)
    content = models.TextField(_("content"))
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    deadline = models.DateField(_("deadline"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("dispatched at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispatch order")
        verbose_name_plural = _("dispatch orders")
        ordering = ["-month", "deadline", "id"]
        indexes = [
            models.Index(fields=["township", "month"]),
            # The orders page lists newest month first (selectors.order_rows): read it in
            # index order instead of sorting every order in the province.
            models.Index(fields=["-month", "deadline", "-id"], name="dispatch_order_list_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="dispatch_weight_positive"),
            models.CheckConstraint(condition=~Q(title=""), name="dispatch_title_not_empty"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.title}"


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REPORTED = "reported", _("Reported")
    SCORED = "scored", _("Scored")


class DispatchAssignment(models.Model):
    """One village's part of a dispatch order: its report and the township's score.

    With no named cadres the order goes to the whole village team; otherwise only to the
    cadres named. `on_time` is set with the report: reported by the deadline's day.
    """

    Status = AssignmentStatus

    order = models.ForeignKey(
        DispatchOrder,
        verbose_name=_("dispatch order"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    village = models.ForeignKey(
        Village, verbose_name=_("village or community"), on_delete=models.PROTECT, related_name="+"
    )
    named_cadres = models.ManyToManyField(
        Cadre, verbose_name=_("named cadres"), blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    report_text = models.TextField(_("report"), blank=True)
    attachment = models.FileField(
        _("attachment"), upload_to="performance/reports/%Y/%m/", blank=True
    )
    attachment_name = models.CharField(_("attachment name"), max_length=200, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    on_time = models.BooleanField(_("reported in time"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    score_comment = models.TextField(_("comment"), blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scored by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispatch order to a village")
        verbose_name_plural = _("dispatch orders to villages")
        ordering = ["order", "village__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "village"], name="dispatch_one_assignment_per_village"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values),
                name="dispatch_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="dispatch_score_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(status="open", reported_at__isnull=True, on_time__isnull=True)
                | (~Q(status="open") & Q(reported_at__isnull=False, on_time__isnull=False)),
                name="dispatch_reported_iff_not_open",
            ),
            models.CheckConstraint(
                condition=Q(status="scored", score__isnull=False)
                | (~Q(status="scored") & Q(score__isnull=True)),
                name="dispatch_score_iff_scored",
            ),
        ]

    def __str__(self):
        return f"{self.order} · {self.village_id}"


# ---------------------------------------------------------------- democratic evaluation (§5.2)


class DemocraticEvaluation(models.Model):
    """A village's democratic evaluation (民主评议) of one cadre for a year: the votes."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    satisfied = models.PositiveIntegerField(_("satisfied"))
    basically_satisfied = models.PositiveIntegerField(_("basically satisfied"))
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("democratic evaluation")
        verbose_name_plural = _("democratic evaluations")
        ordering = ["-year", "cadre"]
        constraints = [
            models.UniqueConstraint(fields=["cadre", "year"], name="evaluation_one_per_year"),
        ]

    def __str__(self):
        return f"{self.cadre_id} {self.year}"

    @property
    def total(self):
        return self.satisfied + self.basically_satisfied + self.dissatisfied


# ---------------------------------------------------------------- measures (§5.3)


class MeasureKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder to rectify")
    ADMONISHMENT = "admonishment", _("Admonishment talk")
    SUSPENSION = "suspension", _("Suspension without pay")
    DISMISSAL = "dismissal", _("Dismissal")


class Measure(models.Model):
    """A measure taken on a cadre's results (§5.3), with who decided, when and why.

    A suspension has its first and last day (both unpaid); a dismissal takes effect on
    `starts_on` and opens the removal event of the appointment history.
    """

    Kind = MeasureKind

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="measures"
    )
    kind = models.CharField(_("measure"), max_length=14, choices=Kind.choices)
    decided_on = models.DateField(_("decided on"))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    authority = models.CharField(_("deciding body"), max_length=100, blank=True)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdraw_reason = models.TextField(_("reason for the withdrawal"), blank=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["cadre", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MeasureKind.values), name="measure_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="measure_has_reason"),
            models.CheckConstraint(
                condition=(Q(kind="suspension") & Q(ends_on__gte=F("starts_on")))
                | (~Q(kind="suspension") & Q(ends_on__isnull=True)),
                name="measure_suspension_has_its_days",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdraw_reason=""),
                name="measure_withdrawal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} {self.get_kind_display()} {self.decided_on:%Y-%m-%d}"

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None


# ---------------------------------------------------------------- monthly settlement (§5.1)


class SettlementStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("settlement", "Open")
    LOCKED = "locked", _("Locked")


class SettlementMonth(models.Model):
    """The settlement of one month (月度考核结算): open (re-runs replace its rows) or locked.

    While a run is going, `run_id` names it and `pending_townships` lists the townships
    whose rows it has still to write; a second run of the month is refused meanwhile.
    """

    Status = SettlementStatus

    month = models.DateField(_("month"), unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    run_id = models.CharField(_("run"), max_length=32, blank=True)
    run_started_at = models.DateTimeField(_("run started at"), null=True, blank=True)
    pending_townships = models.JSONField(_("townships still running"), default=list, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cadre_count = models.PositiveIntegerField(_("cadres settled"), default=0)
    duty_check_days = models.PositiveSmallIntegerField(_("working days checked"), default=0)
    rule_versions = models.JSONField(_("rules used"), default=dict, blank=True)
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
        verbose_name = _("monthly settlement")
        verbose_name_plural = _("monthly settlements")
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SettlementStatus.values),
                name="settlement_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(locked_at__isnull=False),
                name="settlement_locked_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m}"

    @property
    def is_running(self):
        return bool(self.run_id)

    @property
    def is_locked(self):
        return self.status == SettlementStatus.LOCKED


class CadreMonth(models.Model):
    """One cadre's settled month: every component of the score and of the pay shares.

    For the payroll (POLICY §8.2), with N the cadre's nominal monthly performance pay
    (annual standard × performance share ÷ 12) and B the monthly base pay:

    - `performance_ratio`: score ÷ 100 (or 0 below the county's floor): the month's
      performance pay before deductions is N × performance_ratio (§5.1).
    - `violation_month_share`: the §4.4 deductions of the month's violations (0.30 for a
      first, 1 for a second), `violation_quarter_share`: 1 when a third violation falls in
      the month's quarter (the months of that quarter already locked are taken back by
      adjustment lines, §4.4), `measure_share`: §5.3 reminders and admonishments (county
      rules, 0 by default); `deduction_share` is their sum, at most 1.
    - `suspension_days`, `dismissal_days`: calendar days of the month without pay
      (suspension without pay; after a dismissal's effective date); `paid_day_share` is
      the share of the month's `days_in_month` left paid: B × paid_day_share.
    - `payable_performance_ratio` = performance_ratio × (1 − deduction_share) ×
      paid_day_share: the performance pay of the month is N × payable_performance_ratio.
    - Components: `orders` reaching the cadre, `orders_late` (not reported by the
      deadline: 0 each), `orders_unscored` (left out), `dispatch_score` (their weighted
      mean, or the no-order default), `noncompliant_duty_days` × `duty_penalty_per_day`,
      `monthly_score`.
    - `rule_versions`: {rule key: [value, in force from]} of every rule used, or None when
      they are the period's (`rules_used` reads either). A run writes None: the same
      versions in every row cost a province's settlement a seventh of its time. A run
      that brings other versions first writes the period's old ones into its rows that
      hold None, so that rows a split run has not reached yet keep their own.

    Rows of an open month are replaced by each run; those of a locked month never change.
    """

    period = models.ForeignKey(
        SettlementMonth,
        verbose_name=_("monthly settlement"),
        on_delete=models.CASCADE,
        related_name="rows",
        db_index=False,  # led by the unique (period, cadre) index
    )
    month = models.DateField(_("month"))
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        related_name="settled_months",
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
    orders = models.PositiveSmallIntegerField(_("orders"))
    orders_late = models.PositiveSmallIntegerField(_("orders not reported in time"))
    orders_unscored = models.PositiveSmallIntegerField(_("orders not yet scored"))
    dispatch_score = models.DecimalField(_("dispatch score"), max_digits=5, decimal_places=2)
    noncompliant_duty_days = models.PositiveSmallIntegerField(_("days without compliant duty"))
    duty_penalty_per_day = models.DecimalField(
        _("points per such day"), max_digits=5, decimal_places=2
    )
    monthly_score = models.DecimalField(_("monthly score"), max_digits=5, decimal_places=2)
    performance_ratio = models.DecimalField(_("performance ratio"), max_digits=5, decimal_places=4)
    violations = models.PositiveSmallIntegerField(_("violations in the month"))
    violation_month_share = models.DecimalField(
        _("violation deduction, month"), max_digits=5, decimal_places=4
    )
    violation_quarter_share = models.DecimalField(
        _("violation deduction, quarter"), max_digits=5, decimal_places=4
    )
    measure_share = models.DecimalField(_("measure deduction"), max_digits=5, decimal_places=4)
    deduction_share = models.DecimalField(_("deductions"), max_digits=5, decimal_places=4)
    days_in_month = models.PositiveSmallIntegerField(_("days in the month"))
    suspension_days = models.PositiveSmallIntegerField(_("days suspended"))
    dismissal_days = models.PositiveSmallIntegerField(_("days after dismissal"))
    paid_day_share = models.DecimalField(_("paid days share"), max_digits=5, decimal_places=4)
    payable_performance_ratio = models.DecimalField(
        _("payable performance ratio"), max_digits=5, decimal_places=4
    )
    rule_versions = models.JSONField(_("rules used"), null=True, blank=True)

    class Meta:
        verbose_name = _("cadre's settled month")
        verbose_name_plural = _("cadres' settled months")
        ordering = ["month", "village__code", "post", "cadre_id"]
        indexes = [
            models.Index(fields=["township", "month"]),
            models.Index(fields=["cadre", "month"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "cadre"], name="settlement_one_row_per_cadre"
            ),
            models.CheckConstraint(
                condition=Q(monthly_score__gte=0, monthly_score__lte=100),
                name="settlement_score_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(deduction_share__gte=0, deduction_share__lte=1),
                name="settlement_deduction_0_to_1",
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.cadre_id}"

    @property
    def rules_used(self):
        """{rule key: [value, in force from]} of the rules this row was settled with."""
        return self.period.rule_versions if self.rule_versions is None else self.rule_versions


# ---------------------------------------------------------------- annual assessment (§5.2)


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    COMPETENT = "competent", _("Competent")
    BASICALLY_COMPETENT = "basically_competent", _("Basically competent")
    INCOMPETENT = "incompetent", _("Incompetent")


class GradeStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")


class AnnualGrade(models.Model):
    """A cadre's annual assessment (年度考核): proposed by the portal, confirmed by the county.

    `grade` is the grade in force: the proposal until the county confirms it, then the
    county's word (`overridden` when it differs from the proposal, with the reason). The
    rank issue reads the confirmed grades.
    """

    Grade = Grade
    Status = GradeStatus

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="annual_grades"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    township = models.ForeignKey(
        Township, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_grade = models.CharField(_("proposed grade"), max_length=20, choices=Grade.choices)
    grade_by_score = models.CharField(_("grade by score"), max_length=20, choices=Grade.choices)
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices)
    caps = models.JSONField(_("caps applied"), default=list, blank=True)
    mean_score = models.DecimalField(_("mean monthly score"), max_digits=5, decimal_places=2)
    months_settled = models.PositiveSmallIntegerField(_("months settled"))
    training_days = models.DecimalField(_("training days"), max_digits=5, decimal_places=1)
    training_minimum = models.DecimalField(_("training days asked"), max_digits=5, decimal_places=1)
    dissatisfied_share = models.DecimalField(
        _("share rated dissatisfied"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    had_removal = models.BooleanField(_("removal in the year"))
    rule_versions = models.JSONField(_("rules used"), default=dict, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    override_reason = models.TextField(_("reason for the change"), blank=True)

    class Meta:
        verbose_name = _("annual grade")
        verbose_name_plural = _("annual grades")
        ordering = ["-year", "township", "-mean_score", "cadre_id"]
        indexes = [models.Index(fields=["year", "township", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["cadre", "year"], name="grade_one_per_cadre_year"),
            models.CheckConstraint(
                condition=Q(status__in=GradeStatus.values), name="grade_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(grade__in=Grade.values) & Q(proposed_grade__in=Grade.values),
                name="grade_values_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", confirmed_at__isnull=True)
                | Q(status="confirmed", confirmed_at__isnull=False),
                name="grade_confirmed_iff_time",
            ),
            models.CheckConstraint(
                condition=Q(grade=F("proposed_grade")) | ~Q(override_reason=""),
                name="grade_override_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} {self.year} {self.get_grade_display()}"

    @property
    def overridden(self):
        return self.grade != self.proposed_grade
