"""Ranks (POLICY §7): the ten-level ladder, each cadre's rank history, the yearly
adjustment round with its proposals and the county's approval."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre, Township
from performance.models import Grade

from .rules import HIGHEST_LEVEL, LOWEST_LEVEL


class StepKind(models.TextChoices):
    PLACEMENT = "placement", _("Initial placement")
    ADJUSTMENT = "adjustment", _("Yearly adjustment")


class RankStep(models.Model):
    """One level a cadre holds from a date (职级记录); the history is append-only.

    The level in force on a date is the latest step starting on or before it. A stay
    (基本称职) writes no step: only a change of level does.
    """

    Kind = StepKind

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="rank_steps"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("level"))
    level_before = models.PositiveSmallIntegerField(_("level before"), null=True, blank=True)
    rule_level = models.PositiveSmallIntegerField(
        _("level by the rule"),
        help_text=_("The level the county's rule gave; differs from the level on an override."),
    )
    effective_from = models.DateField(_("in force from"))
    # The first annual grade counted "at this level" (§7.2 consecutive years): the year of
    # the placement, or the year after the grade that moved the cadre.
    first_counted_year = models.PositiveSmallIntegerField(_("first year counted at this level"))
    service_years = models.PositiveSmallIntegerField(
        _("full years of service"), null=True, blank=True
    )
    reason = models.TextField(_("reason"))
    override_reason = models.TextField(_("reason for the change"), blank=True)
    proposal = models.OneToOneField(
        "RankProposal",
        verbose_name=_("proposal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="step",
    )
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
        verbose_name = _("rank step")
        verbose_name_plural = _("rank steps")
        ordering = ["cadre_id", "effective_from", "id"]
        indexes = [models.Index(fields=["cadre", "effective_from"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=HIGHEST_LEVEL, level__lte=LOWEST_LEVEL)
                & Q(rule_level__gte=HIGHEST_LEVEL, rule_level__lte=LOWEST_LEVEL),
                name="rank_step_level_in_ladder",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=StepKind.values), name="rank_step_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(level=F("rule_level")) | ~Q(override_reason=""),
                name="rank_step_override_has_reason",
            ),
            models.UniqueConstraint(
                fields=["cadre", "effective_from"], name="rank_step_one_per_cadre_day"
            ),
            models.UniqueConstraint(
                fields=["cadre"],
                condition=Q(kind="placement"),
                name="rank_step_one_placement_per_cadre",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} · {self.level} · {self.effective_from}"

    @property
    def overridden(self):
        return self.level != self.rule_level


class CycleStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for the county")
    APPROVED = "approved", _("Approved")


class RankCycle(models.Model):
    """The yearly rank adjustment (一年一升降) from one year's confirmed annual grades.

    Approved when no proposal of it waits; `effective_from` is the date the county set at
    its last approval (each approved proposal keeps its own).
    """

    Status = CycleStatus

    year = models.PositiveSmallIntegerField(_("assessment year"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_at = models.DateTimeField(_("proposed at"))
    rule_versions = models.JSONField(_("rules used"), default=dict, blank=True)
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rank adjustment")
        verbose_name_plural = _("rank adjustments")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CycleStatus.values), name="rank_cycle_status_valid"
            ),
        ]

    def __str__(self):
        return str(self.year)


class Move(models.TextChoices):
    UP = "up", _("Up one level")
    STAY = "stay", _("Stay")
    DOWN = "down", _("Down one level")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for the county")
    APPROVED = "approved", _("Approved")


class RankProposal(models.Model):
    """The portal's proposal for one cadre in a yearly adjustment, and the county's word."""

    Move = Move
    Status = ProposalStatus

    cycle = models.ForeignKey(
        RankCycle,
        verbose_name=_("rank adjustment"),
        on_delete=models.CASCADE,
        related_name="proposals",
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="rank_proposals"
    )
    township = models.ForeignKey(
        Township, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    post = models.CharField(_("post"), max_length=20, choices=Cadre.Post.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    grade = models.CharField(_("annual grade"), max_length=20, choices=Grade.choices)
    level_before = models.PositiveSmallIntegerField(_("level before"))
    years_at_level = models.PositiveSmallIntegerField(
        _("consecutive years at 称职 or better at this level")
    )
    proposed_move = models.CharField(_("proposed move"), max_length=4, choices=Move.choices)
    proposed_level = models.PositiveSmallIntegerField(_("proposed level"))
    reason = models.CharField(_("reason"), max_length=40)
    level = models.PositiveSmallIntegerField(_("level decided"))
    override_reason = models.TextField(_("reason for the change"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    effective_from = models.DateField(_("in force from"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rank proposal")
        verbose_name_plural = _("rank proposals")
        ordering = ["township_id", "cadre_id"]
        indexes = [models.Index(fields=["cycle", "township", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "cadre"], name="rank_proposal_one_per_cycle"),
            models.CheckConstraint(
                condition=Q(status__in=ProposalStatus.values), name="rank_proposal_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=HIGHEST_LEVEL, level__lte=LOWEST_LEVEL)
                & Q(proposed_level__gte=HIGHEST_LEVEL, proposed_level__lte=LOWEST_LEVEL)
                & Q(level_before__gte=HIGHEST_LEVEL, level_before__lte=LOWEST_LEVEL),
                name="rank_proposal_levels_in_ladder",
            ),
            models.CheckConstraint(
                condition=Q(level=F("proposed_level")) | ~Q(override_reason=""),
                name="rank_proposal_override_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status="proposed", approved_at__isnull=True)
                | Q(status="approved", approved_at__isnull=False, effective_from__isnull=False),
                name="rank_proposal_approved_iff_date",
            ),
        ]

    def __str__(self):
        return f"{self.cadre} {self.cycle.year}: {self.level_before} → {self.level}"

    @property
    def overridden(self):
        return self.level != self.proposed_level

    @property
    def grade_label(self):
        return dict(Grade.choices).get(self.grade, self.grade)

    @property
    def move(self):
        """The move decided: up, stay or down (level 1 is the top)."""
        if self.level < self.level_before:
            return Move.UP
        return Move.DOWN if self.level > self.level_before else Move.STAY
