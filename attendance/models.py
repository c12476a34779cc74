"""Full-time duty (POLICY §4): working-day calendar, duty logs, weekend roster, leave,
inspections and the violation ladder, and the daily duty check."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre, Village


class CalendarOverride(models.Model):
    """The county's own word on one date: it wins over the national calendar library (§4.1)."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d}"


class CalendarYear(models.Model):
    """A year whose holidays and make-up days the county entered itself.

    For a year the national calendar library does not know, the days of an entered year
    that have no override follow the plain week (Monday to Friday working).
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("entered calendar year")
        verbose_name_plural = _("entered calendar years")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class DutySource(models.TextChoices):
    SELF = "self", _("Signed by the cadre")
    SECRETARY = "secretary", _("Recorded by the village secretary")
    CORRECTION = "correction", _("Corrected")


class DutyLog(models.Model):
    """One span at the village service centre (值班签到): signed in, then signed out.

    `minutes` is set with the sign-out, so that a day's hours sum in SQL.
    """

    Source = DutySource

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="duty_logs"
    )
    date = models.DateField(_("date"))
    time_in = models.TimeField(_("signed in"))
    time_out = models.TimeField(_("signed out"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True, editable=False)
    source = models.CharField(_("recorded as"), max_length=12, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log entries")
        ordering = ["date", "cadre", "time_in"]
        indexes = [models.Index(fields=["date", "cadre"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(time_out__isnull=True) | Q(time_out__gt=F("time_in")),
                name="duty_log_out_after_in",
                violation_error_message=_("The sign-out must be after the sign-in."),
            ),
            models.CheckConstraint(
                condition=Q(time_out__isnull=True, minutes__isnull=True)
                | Q(time_out__isnull=False, minutes__isnull=False),
                name="duty_log_minutes_iff_signed_out",
            ),
            models.CheckConstraint(
                condition=Q(source__in=DutySource.values),
                name="duty_log_source_valid",
            ),
            # At most one open span per cadre and day: sign out before signing in again.
            models.UniqueConstraint(
                fields=["cadre", "date"],
                condition=Q(time_out__isnull=True),
                name="duty_log_one_open_span_per_day",
                violation_error_message=_("This cadre is already signed in."),
            ),
        ]

    def __str__(self):
        return f"{self.cadre_id} {self.date:%Y-%m-%d} {self.time_in:%H:%M}"

    @property
    def is_open(self):
        return self.time_out is None


class DutyLogCorrection(models.Model):
    """A correction of a duty log entry: the values before, the reason, who and from where."""

    log = models.ForeignKey(
        DutyLog,
        verbose_name=_("duty log entry"),
        on_delete=models.CASCADE,
        related_name="corrections",
    )
    old_time_in = models.TimeField(_("signed in, before"))
    old_time_out = models.TimeField(_("signed out, before"), null=True, blank=True)
    old_source = models.CharField(
        _("recorded as, before"), max_length=12, choices=DutySource.choices
    )
    new_time_in = models.TimeField(_("signed in, after"))
    new_time_out = models.TimeField(_("signed out, after"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("corrected by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    created_at = models.DateTimeField(_("corrected at"), auto_now_add=True)

    class Meta:
        verbose_name = _("duty log correction")
        verbose_name_plural = _("duty log corrections")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="duty_correction_has_reason"),
        ]

    def __str__(self):
        return f"{self.log_id}: {self.reason[:40]}"


class RosterEntry(models.Model):
    """A cadre planned on duty at the village on a weekend or holiday (值班表, §4.2)."""

    village = models.ForeignKey(
        Village, verbose_name=_("village or community"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="roster_entries"
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("planned by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("planned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        ordering = ["date", "village", "cadre"]
        indexes = [models.Index(fields=["village", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "cadre"], name="roster_one_entry_per_cadre_day"
            ),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.cadre_id}"


class LeaveKind(models.TextChoices):
    PERSONAL = "personal", _("Personal leave")
    SICK = "sick", _("Sick leave")
    ANNUAL = "annual", _("Annual leave")
    MARRIAGE = "marriage", _("Marriage leave")
    MATERNITY = "maternity", _("Maternity or paternity leave")
    BEREAVEMENT = "bereavement", _("Bereavement leave")
    OTHER = "other", _("Other")


class LeaveStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    CLOSED = "closed", _("Returned (closed)")


class LeaveRequest(models.Model):
    """A cadre's leave from duty (请假, §4.3): asked, decided, then closed by reporting back."""

    Kind = LeaveKind
    Status = LeaveStatus

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="leave_requests"
    )
    kind = models.CharField(_("kind of leave"), max_length=12, choices=Kind.choices)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("asked at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("return recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["cadre", "status", "starts_at"]),
            # The leave list's order: a page of the newest is read off it, not sorted.
            models.Index(fields=["-starts_at", "-id"], name="leave_newest_first"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="leave_ends_after_start",
                violation_error_message=_("The leave must end after it starts."),
            ),
            models.CheckConstraint(condition=Q(kind__in=LeaveKind.values), name="leave_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=LeaveStatus.values), name="leave_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status="closed", returned_at__isnull=False)
                | (~Q(status="closed") & Q(returned_at__isnull=True)),
                name="leave_returned_iff_closed",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} {self.starts_at:%Y-%m-%d}"

    @property
    def covered_until(self):
        """Return when the leave really ended: the return when reported back early."""
        if self.status == LeaveStatus.CLOSED and self.returned_at:
            return min(self.returned_at, self.ends_at)
        return self.ends_at


class InspectionLevel(models.TextChoices):
    TOWNSHIP = "township", _("Township")
    COUNTY = "county", _("County")


class Inspection(models.Model):
    """A visit to a village service centre that finds who is there (督查巡查, §4.4)."""

    Level = InspectionLevel

    village = models.ForeignKey(
        Village, verbose_name=_("village or community"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("time of the visit"))
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
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
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["village", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=InspectionLevel.values),
                name="inspection_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdraw_reason=""),
                name="inspection_withdrawal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.village} {self.at:%Y-%m-%d %H:%M}"

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None


class InspectionFinding(models.Model):
    """Whether one cadre was at the service centre at an inspection."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings"
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="inspection_findings"
    )
    present = models.BooleanField(_("present"))

    class Meta:
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")
        ordering = ["inspection", "cadre"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "cadre"], name="finding_one_per_cadre_and_inspection"
            ),
        ]

    def __str__(self):
        return f"{self.inspection_id} {self.cadre_id} {self.present}"


class DeductionKind(models.TextChoices):
    MONTH = "month", _("Share of the month's performance pay")
    QUARTER = "quarter", _("Share of the quarter's performance pay")


class ViolationMeasure(models.TextChoices):
    NONE = "", _("None")
    ADMONISHMENT = "admonishment", _("Admonishment talk")
    REMOVAL = "removal", _("Removal from post")


class Violation(models.Model):
    """An unauthorised absence and what the ladder of its calendar year makes it cost (§4.4).

    Derived: the service rewrites a cadre's year whenever an inspection is recorded or
    withdrawn or a covering leave changes. The settlement reads the deduction.
    """

    DeductionKind = DeductionKind
    Measure = ViolationMeasure

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="violations"
    )
    finding = models.OneToOneField(
        InspectionFinding,
        verbose_name=_("inspection finding"),
        on_delete=models.PROTECT,
        related_name="violation",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    nth = models.PositiveSmallIntegerField(_("violation of the year"))
    month = models.DateField(_("month"), help_text=_("The first day of the month of the finding."))
    deduction_kind = models.CharField(
        _("deduction from"), max_length=10, choices=DeductionKind.choices
    )
    deduction_ratio = models.DecimalField(_("deduction share"), max_digits=4, decimal_places=3)
    measure = models.CharField(
        _("further measure"), max_length=20, choices=Measure.choices, blank=True
    )

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["cadre", "year", "nth"]
        constraints = [
            models.UniqueConstraint(fields=["cadre", "year", "nth"], name="violation_nth_unique"),
            models.CheckConstraint(condition=Q(nth__gte=1), name="violation_nth_positive"),
            models.CheckConstraint(
                condition=Q(deduction_ratio__gte=0, deduction_ratio__lte=1),
                name="violation_ratio_between_0_and_1",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} {self.year} #{self.nth}"


class RemovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for county action")
    CANCELLED = "cancelled", _("Cancelled")


# How a removal order names itself to the appointment history (cadres.services.open_removal).
REMOVAL_SOURCE = "attendance.violation"


class RemovalOrder(models.Model):
    """A removal from post that the violation ladder calls for, waiting for the county.

    The appointment history turns a pending order into the removal event; this app never
    changes the cadre's status itself.
    """

    Status = RemovalStatus

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="removal_orders"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    violation = models.ForeignKey(
        Violation,
        verbose_name=_("violation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for the cancellation"), blank=True)

    class Meta:
        verbose_name = _("removal order")
        verbose_name_plural = _("removal orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadre", "year"],
                condition=Q(status="pending"),
                name="removal_one_pending_per_cadre_year",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RemovalStatus.values),
                name="removal_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} {self.year} ({self.get_status_display()})"


class DutyCheck(models.Model):
    """The daily duty check of one date: when it was last computed (§4.1, §4.2)."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("daily duty check")
        verbose_name_plural = _("daily duty checks")
        ordering = ["-date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d}"


class DutyCheckKind(models.TextChoices):
    MISSING_LOG = "missing_log", _("No duty log")
    SHORT_HOURS = "short_hours", _("Short hours")
    ROSTER_GAP = "roster_gap", _("Nobody on duty")


class DutyCheckItem(models.Model):
    """One finding of a daily duty check: a cadre short of duty, or a village without duty."""

    Kind = DutyCheckKind

    check_run = models.ForeignKey(
        DutyCheck, verbose_name=_("duty check"), on_delete=models.CASCADE, related_name="items"
    )
    village = models.ForeignKey(
        Village, verbose_name=_("village or community"), on_delete=models.CASCADE, related_name="+"
    )
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("finding"), max_length=12, choices=Kind.choices)
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2, null=True, blank=True)
    minimum_hours = models.DecimalField(
        _("minimum hours"), max_digits=4, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("duty check finding")
        verbose_name_plural = _("duty check findings")
        ordering = ["check_run", "village", "kind", "cadre"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DutyCheckKind.values), name="duty_check_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="roster_gap", cadre__isnull=True)
                | (~Q(kind="roster_gap") & Q(cadre__isnull=False)),
                name="duty_check_cadre_iff_not_roster_gap",
            ),
        ]

    def __str__(self):
        return f"{self.check_run_id} {self.kind} {self.village_id} {self.cadre_id}"
