"""Writes of the rank ladder (POLICY §7): placement, the yearly proposal, the county's
change of one proposal and its approval. Each loads what the rule needs in a few
set-based queries, applies `ranks.rules`, writes in one transaction and records who did it.
"""

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from cadres.models import AppointmentEvent, Cadre, CadreStatus, EventKind, EventStatus
from longshan import audit, bulk, rulebook, scoping
from performance.models import AnnualGrade

from . import rules
from .models import RankCycle, RankProposal, RankStep

PILOT_START = datetime.date(2018, 8, 1)  # POLICY §2.2: the first day of the full-time system
SITTING = [CadreStatus.ACTIVE, CadreStatus.SUSPENDED]

PLACEMENT_RULES = [
    rulebook.RANK_INITIAL_LEVEL,
    rulebook.RANK_SERVICE_YEARS_PER_LEVEL,
    rulebook.RANK_HIGHEST_INITIAL_LEVEL,
]
ADJUSTMENT_RULES = [
    rulebook.RANK_EXCELLENT_MOVE,
    rulebook.RANK_COMPETENT_YEARS_FOR_MOVE,
    rulebook.RANK_BASICALLY_COMPETENT_MOVE,
    rulebook.RANK_INCOMPETENT_MOVE,
]


class RankError(ValidationError):
    """A rank change the rules do not allow; the message is shown to the user as it is."""


def _require_county(actor):
    if not scoping.may_decide_ranks(actor):
        raise PermissionDenied(_("Only county staff decide ranks."))


def placement_rule(book, on):
    return rules.PlacementRule(
        initial_level=book.value(rulebook.RANK_INITIAL_LEVEL, on),
        service_years_per_level=book.value(rulebook.RANK_SERVICE_YEARS_PER_LEVEL, on),
        highest_initial_level=book.value(rulebook.RANK_HIGHEST_INITIAL_LEVEL, on),
    )


def _rule_versions(keys, on):
    """Return {key: [value, in force from]} of the rules in force on a date (one query)."""
    from longshan.models import RuleValue

    versions = {}
    rows = RuleValue.objects.filter(key__in=keys, effective_from__lte=on).order_by(
        "key", "effective_from"
    )
    for key, value, effective_from in rows.values_list("key", "value", "effective_from"):
        versions[key] = [value, effective_from.isoformat()]
    missing = [key for key in keys if key not in versions]
    if missing:
        raise rulebook.RuleNotInForceError(
            _("No value of the rule “%(rule)s” is in force on %(date)s.")
            % {"rule": missing[0], "date": on.isoformat()}
        )
    return versions


def _adjustment_rule(versions):
    value = {key: rulebook.definition(key).parse(text) for key, (text, _since) in versions.items()}
    return rules.AdjustmentRule(
        excellent_move=value[rulebook.RANK_EXCELLENT_MOVE],
        competent_years_for_move=value[rulebook.RANK_COMPETENT_YEARS_FOR_MOVE],
        basically_competent_move=value[rulebook.RANK_BASICALLY_COMPETENT_MOVE],
        incompetent_move=value[rulebook.RANK_INCOMPETENT_MOVE],
    )


def service_start_by_cadre(cadre_ids=None):
    """Return each cadre's first day as a village cadre: the first confirmed appointment
    (a later post or village keeps the service, §7.3), else the roster's start date."""
    first = AppointmentEvent.objects.filter(
        cadre_id=OuterRef("pk"), kind=EventKind.APPOINTMENT, status=EventStatus.CONFIRMED
    ).order_by("on", "id")
    cadres = Cadre.objects.all()
    if cadre_ids is not None:
        cadres = cadres.filter(pk__in=list(cadre_ids))
    return {
        pk: min(first_on or start, start)
        for pk, start, first_on in cadres.annotate(
            first_on=Subquery(first.values("on")[:1])
        ).values_list("pk", "start_date", "first_on")
    }


def placement_for(cadre_id, *, on, book=None):
    """Return (full years of service, level by the rule) of a cadre placed on `on`."""
    book = book or rulebook.RuleBook.load(PLACEMENT_RULES)
    start = service_start_by_cadre([cadre_id])[cadre_id]
    years = rules.full_years(start, on)
    return years, rules.initial_level(years, placement_rule(book, on))


# ---------------------------------------------------------------- placement (§7.1, §7.3)


@transaction.atomic
def ranks_place_unplaced(*, actor=None, reason=""):
    """Place every sitting full-time cadre who has no rank yet, by the rule, as of the
    pilot's start or their own start, whichever is later. Return how many were placed.

    Set-based: a handful of queries and one bulk insert, whatever the county's size.
    """
    unplaced = list(
        Cadre.objects.filter(is_full_time=True, status__in=SITTING)
        .exclude(rank_steps__kind=RankStep.Kind.PLACEMENT)
        .values_list("pk", "start_date")
    )
    if not unplaced:
        return 0
    book = rulebook.RuleBook.load(PLACEMENT_RULES)
    starts = service_start_by_cadre([pk for pk, _start in unplaced])
    steps = []
    for pk, start_date in unplaced:
        on = max(start_date, PILOT_START)
        years = rules.full_years(starts[pk], on)
        level = rules.initial_level(years, placement_rule(book, on))
        steps.append(
            RankStep(
                cadre_id=pk,
                kind=RankStep.Kind.PLACEMENT,
                level=level,
                rule_level=level,
                effective_from=on,
                first_counted_year=on.year,
                service_years=years,
                reason=reason or "placement_by_rule",
                decided_by=actor if getattr(actor, "pk", None) else None,
            )
        )
    RankStep.objects.bulk_create(steps, batch_size=500)
    audit.record(
        "ranks.placed",
        actor=actor,
        changes={"placed": [None, len(steps)]},
    )
    return len(steps)


@transaction.atomic
def placement_set(cadre, *, on, actor, level=None, reason=""):
    """Place one cadre (or change their placement) on `on`: the level by the rule, or
    another level with the county's reason (an override, §7.3).

    A placement can be changed only while it is the cadre's whole history: once a yearly
    adjustment has used it, the record stands.
    """
    _require_county(actor)
    cadre = Cadre.objects.select_for_update().select_related("village").get(pk=cadre.pk)
    years, rule_level = placement_for(cadre.pk, on=on)
    level = rule_level if level is None else int(level)
    reason = (reason or "").strip()
    if not rules.HIGHEST_LEVEL <= level <= rules.LOWEST_LEVEL:
        raise RankError({"level": _("A level is from 1 to 10.")})
    if level != rule_level and not reason:
        raise RankError({"reason": _("Give the reason for a level other than the rule's.")})
    steps = list(RankStep.objects.filter(cadre=cadre).order_by("effective_from", "id"))
    if any(step.kind != RankStep.Kind.PLACEMENT for step in steps) or (
        RankProposal.objects.filter(cadre=cadre).exists()
    ):
        raise RankError(_("A yearly adjustment has used this placement: it can no longer change."))
    before = steps[0] if steps else None
    step = before or RankStep(cadre=cadre, kind=RankStep.Kind.PLACEMENT)
    changes = {
        "level": [before.level if before else None, level],
        "effective_from": [
            before.effective_from.isoformat() if before else None,
            on.isoformat(),
        ],
        "rule_level": [before.rule_level if before else None, rule_level],
        "reason": [before.override_reason or None if before else None, reason or None],
    }
    step.level, step.rule_level, step.effective_from = level, rule_level, on
    step.first_counted_year, step.service_years = on.year, years
    step.reason = "placement_override" if level != rule_level else "placement_by_rule"
    step.override_reason = reason if level != rule_level else ""
    step.decided_by = actor
    step.save()
    audit.record(
        "rank.placed" if before is None else "rank.placement_changed",
        actor=actor,
        target=cadre,
        changes=changes,
        township_id=cadre.village.township_id,
    )
    return step


# ---------------------------------------------------------------- yearly proposal (§7.2)


def adjustment_inputs(year):
    """Load what a year's proposal needs in four queries: the confirmed grades of the year,
    each graded cadre's step in force at the year's end as (level, first counted year),
    their grades of earlier years, and where each cadre sits now (township, post).

    Set-based, with no list of ids sent back: at province scale (72,000 cadres) a sorted
    subquery per step and lists of 72,000 ids cost a second and a half.
    """
    year_end = datetime.date(year, 12, 31)
    confirmed = AnnualGrade.objects.filter(year=year, status=AnnualGrade.Status.CONFIRMED)
    graded = dict(confirmed.values_list("cadre_id", "grade"))
    graded_ids = confirmed.values("cadre_id")
    # Read in the order they took effect, each cadre's later steps overwrite the earlier:
    # the last is the one in force at the year's end.
    steps = {}
    for cadre_id, level, first_counted_year in (
        RankStep.objects.filter(cadre_id__in=graded_ids, effective_from__lte=year_end)
        .order_by("effective_from", "id")
        .values_list("cadre_id", "level", "first_counted_year")
    ):
        steps[cadre_id] = (level, first_counted_year)
    history = defaultdict(dict)
    earliest = min((first for _level, first in steps.values()), default=year)
    for cadre_id, grade_year, grade in AnnualGrade.objects.filter(
        cadre_id__in=graded_ids,
        status=AnnualGrade.Status.CONFIRMED,
        year__gte=earliest,
        year__lte=year,
    ).values_list("cadre_id", "year", "grade"):
        history[cadre_id][grade_year] = grade
    places = {
        pk: (township_id, post)
        for pk, township_id, post in Cadre.objects.filter(pk__in=graded_ids).values_list(
            "pk", "village__township_id", "post"
        )
    }
    return graded, steps, history, places


def adjustment_proposals(year, *, graded, steps, history, rule):
    """Return {cadre_id: (level before, years at level, Decision)} for the graded cadres
    that have a rank (pure: no queries)."""
    proposals = {}
    for cadre_id, grade in graded.items():
        step = steps.get(cadre_id)
        if step is None:
            continue
        level, first_counted_year = step
        years = rules.years_at_level(
            history.get(cadre_id, {}), year=year, first_counted_year=first_counted_year
        )
        proposals[cadre_id] = (
            level,
            years,
            rules.next_level(level, grade, years_at_level=years, rule=rule),
        )
    return proposals


# What a proposal holds that the yearly run works out; new ones add cycle, cadre and level.
PROPOSAL_FIELDS = (
    "township_id",
    "post",
    "grade",
    "level_before",
    "years_at_level",
    "proposed_move",
    "proposed_level",
    "reason",
)
# The step an approved move writes, and the proposal's field each column comes from.
PROPOSAL_OF_STEP = {
    "proposal_id": "pk",
    "cadre_id": "cadre_id",
    "level": "level",
    "level_before": "level_before",
    "rule_level": "proposed_level",
    "reason": "reason",
    "override_reason": "override_reason",
}
STEP_COLUMNS = tuple(PROPOSAL_OF_STEP)
# A waiting proposal written again: its own id, the county's change if it stands.
REWRITTEN_COLUMNS = (
    "id",
    "cadre_id",
    "status",
    "level",
    "override_reason",
    "changed_by_id",
    *PROPOSAL_FIELDS,
)


@transaction.atomic
def ranks_propose(year, *, actor=None, now):
    """Propose the year's rank moves from the confirmed annual grades (§7.2, §7.4).

    Re-running while proposals wait recomputes the waiting ones (a county change with its
    reason is kept) and adds cadres whose grade was confirmed since; approved proposals
    never change. Cadres without a rank or a confirmed grade get no proposal. Return the
    cycle and {"proposed": n, "unranked": n}.
    """
    year_end = datetime.date(year, 12, 31)
    versions = _rule_versions(ADJUSTMENT_RULES, year_end)
    rule = _adjustment_rule(versions)
    cycle, _created = RankCycle.objects.select_for_update().get_or_create(
        year=year, defaults={"proposed_at": now, "rule_versions": versions}
    )
    graded, steps, history, places = adjustment_inputs(year)
    proposals = adjustment_proposals(year, graded=graded, steps=steps, history=history, rule=rule)
    # The year's proposals as plain rows (a province's 72,000 instances took 1.5 s).
    existing = {
        proposal["cadre_id"]: proposal
        for proposal in RankProposal.objects.select_for_update()
        .filter(cycle=cycle)
        .values(*REWRITTEN_COLUMNS)
    }
    new, changed, recomputed = [], [], 0
    for cadre_id, (level_before, years, decision) in sorted(proposals.items()):
        proposal = existing.get(cadre_id)
        if proposal is not None and proposal["status"] == RankProposal.Status.APPROVED:
            continue
        recomputed += 1
        township_id, post = places[cadre_id]
        fields = (
            township_id,
            post,
            graded[cadre_id],
            level_before,
            years,
            decision.move,
            decision.level,
            decision.reason,
        )
        if proposal is None:
            new.append((cadre_id, decision.level, *fields))
            continue
        after = dict(zip(PROPOSAL_FIELDS, fields, strict=True))
        if not proposal["override_reason"] or proposal["level"] == decision.level:
            # A county change stays while the rule's level differs from it (its reason too).
            after.update(level=decision.level, override_reason="", changed_by_id=None)
        if any(proposal[name] != value for name, value in after.items()):
            changed.append({**proposal, **after})
    stale = [
        proposal["id"]
        for cadre_id, proposal in existing.items()
        if proposal["status"] == RankProposal.Status.PROPOSED and cadre_id not in proposals
    ]
    RankProposal.objects.filter(pk__in=stale).delete()
    # New proposals as rows (COPY on PostgreSQL): a province's 72,000 model instances
    # and bulk_create took seven seconds of a ten-second run.
    bulk.insert(
        RankProposal, ("cadre_id", "level", *PROPOSAL_FIELDS), new, constants={"cycle_id": cycle.pk}
    )
    # Only the waiting proposals whose figures changed are written again: deleted and
    # written as rows under their own ids (a rank step refers to an approved proposal
    # only; the audit trail names one by id). bulk_update's CASE WHEN took two minutes
    # for a province's 72,000.
    if changed:
        bulk.delete(RankProposal.objects.filter(pk__in=[proposal["id"] for proposal in changed]))
    bulk.insert(
        RankProposal,
        REWRITTEN_COLUMNS,
        [tuple(proposal[name] for name in REWRITTEN_COLUMNS) for proposal in changed],
        constants={"cycle_id": cycle.pk},
    )
    cycle.proposed_at, cycle.rule_versions = now, versions
    cycle.status = (
        RankCycle.Status.PROPOSED
        if new or changed or cycle.proposals.filter(status=RankProposal.Status.PROPOSED).exists()
        else cycle.status
    )
    cycle.save(update_fields=["proposed_at", "rule_versions", "status"])
    counts = {
        "proposed": recomputed,
        "removed": len(stale),
        "unranked": len(graded) - len(proposals),
    }
    audit.record(
        "ranks.proposed",
        actor=actor,
        target=cycle,
        changes={"year": [None, year], **{key: [None, value] for key, value in counts.items()}},
    )
    return cycle, counts


# ---------------------------------------------------------------- county decision (§7.4)


@transaction.atomic
def proposal_change(proposal, *, actor, level, reason):
    """County staff set another level for one waiting proposal, with the reason.

    One move a year (一年一升降): the level may differ from the level before by one at most.
    Setting the proposed level back clears the change.
    """
    _require_county(actor)
    proposal = RankProposal.objects.select_for_update().select_related("cadre").get(pk=proposal.pk)
    if proposal.status != RankProposal.Status.PROPOSED:
        raise RankError(_("This proposal is already approved."), code="approved")
    level = int(level)
    reason = (reason or "").strip()
    if not rules.HIGHEST_LEVEL <= level <= rules.LOWEST_LEVEL or (
        abs(level - proposal.level_before) > 1
    ):
        raise RankError(
            {"level": _("A cadre moves one level at most a year, and stays between 1 and 10.")}
        )
    if level != proposal.proposed_level and not reason:
        raise RankError({"reason": _("Give the reason for changing the rank proposal.")})
    before = [proposal.level, proposal.override_reason or None]
    proposal.level = level
    proposal.override_reason = reason if level != proposal.proposed_level else ""
    proposal.changed_by = actor if level != proposal.proposed_level else None
    proposal.save(update_fields=["level", "override_reason", "changed_by"])
    audit.record(
        "rank.proposal_changed",
        actor=actor,
        target=proposal,
        changes={
            "level": [before[0], proposal.level],
            "reason": [before[1], proposal.override_reason or None],
        },
        township_id=proposal.township_id,
    )
    return proposal


@transaction.atomic
def proposals_approve(cycle, *, actor, effective_from, now, township_id=None):
    """Approve every waiting proposal of a year (of one township): each move takes effect
    from `effective_from` and enters the cadre's rank history (§7.4).

    Approving again finds nothing waiting and changes nothing. Return how many proposals
    were approved.
    """
    _require_county(actor)
    cycle = RankCycle.objects.select_for_update().get(pk=cycle.pk)
    if effective_from < rules.default_effective_from(cycle.year):
        raise RankError(
            {
                "effective_from": _(
                    "The moves of %(year)s take effect on 1 January %(next)s or later."
                )
                % {"year": cycle.year, "next": cycle.year + 1}
            }
        )
    waiting = RankProposal.objects.filter(cycle=cycle, status=RankProposal.Status.PROPOSED)
    if township_id:
        waiting = waiting.filter(township_id=township_id)
    # Set-based, as the yearly proposal: a province approves 72,000 proposals at once.
    approved = len(waiting.select_for_update().values_list("pk", flat=True))
    if not approved:
        return 0
    moving = waiting.exclude(level=F("level_before"))
    taken = RankStep.objects.filter(
        cadre_id__in=moving.values("cadre_id"), effective_from__gte=effective_from
    ).aggregate(latest=Max("effective_from"))["latest"]
    if taken:
        raise RankError(
            {
                "effective_from": _(
                    "Some of these cadres already have a rank from %(date)s: choose a later date."
                )
                % {"date": taken.isoformat()}
            }
        )
    moved = bulk.insert(
        RankStep,
        STEP_COLUMNS,
        moving.order_by("pk").values_list(*(PROPOSAL_OF_STEP[name] for name in STEP_COLUMNS)),
        constants={
            "kind": RankStep.Kind.ADJUSTMENT,
            "effective_from": effective_from,
            "first_counted_year": rules.first_counted_year_of_adjustment(cycle.year),
            "decided_by_id": actor.pk,
        },
    )
    waiting.update(
        status=RankProposal.Status.APPROVED,
        effective_from=effective_from,
        approved_by=actor,
        approved_at=now,
    )
    cycle.effective_from = effective_from
    if not cycle.proposals.filter(status=RankProposal.Status.PROPOSED).exists():
        cycle.status = RankCycle.Status.APPROVED
    cycle.save(update_fields=["effective_from", "status"])
    audit.record(
        "ranks.approved",
        actor=actor,
        target=cycle,
        changes={
            "year": [None, cycle.year],
            "township": [None, township_id],
            "effective_from": [None, effective_from.isoformat()],
            "approved": [None, approved],
            "moved": [None, moved],
        },
        township_id=township_id,
    )
    return approved
