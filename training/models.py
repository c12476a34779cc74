"""Training (POLICY §6): events, enrolment, attendance days, secondments, education programme.

Days are Decimal with one decimal place (a half day is 0.5). An attendance may not exceed
its event's days: a check across two tables, so the database holds it with triggers
(migration 0002), besides the services' own validation.
"""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre, Township

DAYS_MAX_DIGITS = 4  # up to 999.9 days, one decimal place


class TrainingType(models.TextChoices):
    PRE_JOB = "pre_job", _("Pre-job training")
    ANNUAL = "annual", _("Annual training")
    SPECIAL = "special", _("Special training")
    STUDY_TOUR = "study_tour", _("Study tour")


class TrainingLevel(models.TextChoices):
    """Who holds the event; only county level or above counts toward §6.1."""

    COUNTY_OR_ABOVE = "county_or_above", _("County level or above")
    BELOW_COUNTY = "below_county", _("Below county level")


class TrainingEvent(models.Model):
    """A training session held for village cadres (培训班), with its length in days."""

    Type = TrainingType
    Level = TrainingLevel

    title = models.CharField(_("title"), max_length=120)
    event_type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    township = models.ForeignKey(
        Township,
        verbose_name=_("organising township"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_events",
        help_text=_("Only for a session below county level, held by a township."),
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    place = models.CharField(_("place"), max_length=120)
    days = models.DecimalField(_("days"), max_digits=DAYS_MAX_DIGITS, decimal_places=1)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("training event")
        verbose_name_plural = _("training events")
        ordering = ["-start_date", "title"]
        indexes = [models.Index(fields=["level", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(event_type__in=TrainingType.values),
                name="training_event_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(level__in=TrainingLevel.values),
                name="training_event_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="training_event_ends_after_start",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(
                condition=Q(days__gt=0),
                name="training_event_days_positive",
                violation_error_message=_("An event lasts more than zero days."),
            ),
            # A township holds only sessions below county level, and each of those has one.
            models.CheckConstraint(
                condition=(Q(level="below_county") & Q(township__isnull=False))
                | (Q(level="county_or_above") & Q(township__isnull=True)),
                name="training_event_township_iff_below_county",
                violation_error_message=_(
                    "A session below county level names its township; a county one does not."
                ),
            ),
            models.CheckConstraint(condition=~Q(title=""), name="training_event_title_not_empty"),
        ]

    def __str__(self):
        return f"{self.title} ({self.start_date:%Y-%m-%d})"

    def get_absolute_url(self):
        return reverse("training:event_detail", args=[self.pk])

    @property
    def counts_toward_requirement(self):
        return self.level == self.Level.COUNTY_OR_ABOVE


class TrainingEnrolment(models.Model):
    """A cadre expected at an event (报名/参训名单)."""

    event = models.ForeignKey(
        TrainingEvent,
        verbose_name=_("training event"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        related_name="training_enrolments",
    )
    created_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "cadre"], name="training_enrolment_one_per_event_and_cadre"
            ),
        ]

    def __str__(self):
        return f"{self.cadre_id} @ {self.event_id}"


class TrainingAttendance(models.Model):
    """The days a cadre attended an event: the whole event or part of it (§6.1)."""

    event = models.ForeignKey(
        TrainingEvent,
        verbose_name=_("training event"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        related_name="training_attendances",
    )
    days = models.DecimalField(_("days attended"), max_digits=DAYS_MAX_DIGITS, decimal_places=1)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "cadre"],
                name="training_attendance_one_per_event_and_cadre",
                violation_error_message=_("This cadre's attendance is already recorded."),
            ),
            models.CheckConstraint(
                condition=Q(days__gt=0),
                name="training_attendance_days_positive",
                violation_error_message=_("Days attended must be more than zero."),
            ),
            # days <= the event's days: a trigger, migration 0002.
        ]

    def __str__(self):
        return f"{self.cadre_id} @ {self.event_id}: {self.days}"


class Secondment(models.Model):
    """A cadre's secondment to a township office for training on the job (挂职锻炼, §6.2)."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="secondments"
    )
    township = models.ForeignKey(
        Township,
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        related_name="secondments",
    )
    office = models.CharField(_("office"), max_length=100)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("secondment")
        verbose_name_plural = _("secondments")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="secondment_ends_after_start",
                violation_error_message=_("The end cannot be before the start."),
            ),
            models.CheckConstraint(condition=~Q(office=""), name="secondment_office_not_empty"),
        ]

    def __str__(self):
        return f"{self.township} · {self.office}"


class EducationProgrammeEntry(models.Model):
    """A cadre's place in the one-college-student-per-village programme (一村一大, §6.2)."""

    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre"),
        on_delete=models.PROTECT,
        related_name="education_programme_entries",
    )
    institution = models.CharField(_("institution"), max_length=100)
    major = models.CharField(_("major"), max_length=100)
    start_date = models.DateField(_("start"))
    graduation_date = models.DateField(
        _("graduation"),
        null=True,
        blank=True,
        help_text=_("Expected or actual; leave empty if not yet known."),
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("education programme entry")
        verbose_name_plural = _("education programme entries")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(graduation_date__isnull=True) | Q(graduation_date__gt=F("start_date")),
                name="education_entry_graduates_after_start",
                violation_error_message=_("Graduation must come after the start."),
            ),
            models.UniqueConstraint(
                fields=["cadre", "institution", "start_date"],
                name="education_entry_unique_per_cadre_institution_start",
                violation_error_message=_("This entry is already on the cadre's record."),
            ),
            models.CheckConstraint(
                condition=~Q(institution="") & ~Q(major=""),
                name="education_entry_institution_and_major_not_empty",
            ),
        ]

    def __str__(self):
        return f"{self.institution} · {self.major}"
