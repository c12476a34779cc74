"""Reads of the rank ladder (POLICY §7): levels and rank pay in force on a date, the
rank history, the yearly proposals and the distribution, each through the user's scope."""

import datetime
from decimal import Decimal

from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from cadres.models import Cadre
from longshan import scoping
from longshan.rulebook import RANK_COMPETENT_YEARS_FOR_MOVE, RANK_PAY_PER_LEVEL, RuleBook

from . import rules
from .models import RankCycle, RankProposal, RankStep

# ---------------------------------------------------------------- for payroll (issue 8)


def _levels_on(cadre_ids, on):
    steps = RankStep.objects.filter(effective_from__lte=on)
    if cadre_ids is not None:
        steps = steps.filter(cadre_id__in=list(cadre_ids))
    # Read in the order they took effect, each cadre's later steps overwrite the earlier:
    # the last is the one in force. One pass over the steps, not a sorted subquery per
    # cadre (0.3 s over a province's 72,000 cadres).
    levels = {}
    for cadre_id, level in steps.order_by("effective_from", "id").values_list("cadre_id", "level"):
        levels[cadre_id] = level
    return levels


def level_by_cadre(cadre_ids, *, on: datetime.date) -> dict[int, int]:
    """The level (1–10) in force on `on` for each cadre that has one.

    cadre_ids None = all cadres. One query.
    """
    if not isinstance(on, datetime.date):
        raise TypeError("on must be a date")
    return _levels_on(cadre_ids, on)


def rank_pay_by_cadre(cadre_ids, *, on: datetime.date) -> dict[int, Decimal]:
    """Monthly rank pay (职级报酬, yuan, Decimal to the fen) of each cadre's level in force
    on `on`, by the rank-pay rule in force on `on` (POLICY §7.3: default 100 CNY a month for
    each level above 10, so level 10 → 0). cadre_ids None = all cadres. A cadre with no rank
    is absent from the dict. Two queries, set-based."""
    levels = level_by_cadre(cadre_ids, on=on)
    if not levels:
        return {}
    per_level = RuleBook.load([RANK_PAY_PER_LEVEL]).value(RANK_PAY_PER_LEVEL, on)
    return {
        cadre_id: rules.rank_pay(level, per_level=per_level) for cadre_id, level in levels.items()
    }


# ---------------------------------------------------------------- labels


REASON_LABELS = {
    rules.REASON_EXCELLENT: _("Excellent: up one level"),
    rules.REASON_COMPETENT_YEARS: _(
        "Competent or better for %(years)s consecutive years at this level: up one level"
    ),
    rules.REASON_COMPETENT_WAITING: _(
        "Competent, %(years)s of %(needed)s consecutive years at this level: stays"
    ),
    rules.REASON_BASICALLY_COMPETENT: _("Basically competent: stays"),
    rules.REASON_INCOMPETENT: _("Incompetent: down one level"),
    rules.REASON_AT_HIGHEST: _("Already at level 1, the highest: stays"),
    rules.REASON_AT_LOWEST: _("Already at level 10, the lowest: stays"),
    "placement_by_rule": _("Initial placement by years of service"),
    "placement_override": _("Initial placement set by the county"),
}


def reason_text(code, *, years=0, needed=None):
    """Return the words of a proposal's or a step's reason, with its counts."""
    label = REASON_LABELS.get(code)
    if label is None:
        return code
    return str(label) % {"years": years, "needed": needed or "—"}


def needed_years(cycle):
    value = (cycle.rule_versions or {}).get(RANK_COMPETENT_YEARS_FOR_MOVE)
    return value[0] if value else None


# ---------------------------------------------------------------- a cadre's rank


def cadre_rank_summary(user, cadre, *, today):
    """Return what a cadre's page shows of ranks: every step with its date and reason, the
    level and rank pay in force today, the proposal waiting, and what the user may do."""
    steps = list(
        RankStep.objects.filter(
            cadre_id=cadre.pk, cadre__in=scoping.cadres_with_rank_visible_to(user)
        )
        .select_related("proposal__cycle", "decided_by")
        .order_by("effective_from", "id")
    )
    may_decide = scoping.may_decide_ranks(user)
    if not steps and not may_decide:
        return {"visible": False}
    current = None
    for step in steps:
        step.reason_text = reason_text(
            step.reason,
            years=step.proposal.years_at_level if step.proposal_id else 0,
            needed=needed_years(step.proposal.cycle) if step.proposal_id else None,
        )
        if step.effective_from <= today:
            current = step
    pay = None
    if current is not None:
        per_level = RuleBook.load([RANK_PAY_PER_LEVEL]).value(RANK_PAY_PER_LEVEL, today)
        pay = rules.rank_pay(current.level, per_level=per_level)
    waiting = []
    if may_decide:
        waiting = list(
            RankProposal.objects.filter(cadre_id=cadre.pk, status=RankProposal.Status.PROPOSED)
            .select_related("cycle")
            .order_by("-cycle__year")
        )
    return {
        "visible": True,
        "cadre": cadre,
        "steps": list(reversed(steps)),
        "current": current,
        "rank_pay": pay,
        "waiting": waiting,
        "may_place": may_decide and not any(s.kind == RankStep.Kind.ADJUSTMENT for s in steps),
    }


# ---------------------------------------------------------------- distribution (§9.2)


def _levels_annotated(user, on):
    in_force = (
        RankStep.objects.filter(cadre_id=OuterRef("pk"), effective_from__lte=on)
        .order_by("-effective_from", "-id")
        .values("level")[:1]
    )
    return (
        scoping.cadres_with_rank_visible_to(user)
        .filter(is_full_time=True, status__in=[Cadre.Status.ACTIVE, Cadre.Status.SUSPENDED])
        .annotate(rank_level=Subquery(in_force))
        .order_by()
    )


def _grid(rows, key_names):
    """Return [(key, label, [count of level 1..10], unranked, total)] from grouped rows."""
    table = {}
    for key, label, level, count in rows:
        entry = table.setdefault(key, {"label": label, "levels": [0] * 10, "unranked": 0})
        if level is None:
            entry["unranked"] += count
        else:
            entry["levels"][level - 1] += count
    ordered = sorted(table.items(), key=lambda item: key_names(item[0], item[1]["label"]))
    return [
        {
            "key": key,
            "label": entry["label"],
            "levels": entry["levels"],
            "unranked": entry["unranked"],
            "total": sum(entry["levels"]) + entry["unranked"],
        }
        for key, entry in ordered
    ]


def rank_distribution(user, *, on):
    """Return the count of sitting full-time cadres at each level on a date, by township and
    by post, within the user's scope. Two queries, whatever the county's size."""
    cadres = _levels_annotated(user, on)
    by_township = _grid(
        cadres.values_list("village__township__code", "village__township__name", "rank_level")
        .annotate(count=Count("pk"))
        .order_by(),
        lambda code, _label: code,
    )
    posts = dict(Cadre.Post.choices)
    order = list(posts)
    by_post = _grid(
        (
            (post, posts.get(post, post), level, count)
            for post, level, count in cadres.values_list("post", "rank_level")
            .annotate(count=Count("pk"))
            .order_by()
        ),
        lambda post, _label: order.index(post) if post in order else len(order),
    )
    totals = [sum(row["levels"][index] for row in by_township) for index in range(10)]
    return {
        "levels": list(range(rules.HIGHEST_LEVEL, rules.LOWEST_LEVEL + 1)),
        "by_township": by_township,
        "by_post": by_post,
        "totals": totals,
        "unranked": sum(row["unranked"] for row in by_township),
        "total": sum(row["total"] for row in by_township),
    }


# ---------------------------------------------------------------- yearly adjustments (§7.2)


def cycle_rows(user):
    """Return the yearly adjustments with the user's proposals counted by status."""
    counts = {}
    for year, status, count in (
        scoping.rank_proposals_visible_to(user)
        .values_list("cycle__year", "status")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        counts.setdefault(year, {})[status] = count
    cycles = list(RankCycle.objects.order_by("-year"))
    for cycle in cycles:
        cycle.counts = counts.get(cycle.year, {})
    return cycles


# The move decided (the county's level where it changed the proposal); level 1 is the top.
_DECIDED_MOVE = Case(
    When(level__lt=F("level_before"), then=Value(RankProposal.Move.UP)),
    When(level__gt=F("level_before"), then=Value(RankProposal.Move.DOWN)),
    default=Value(RankProposal.Move.STAY),
)


def cycle_summary(user, cycle):
    """Return the proposals of a year by township: waiting, approved, and the moves decided."""
    table = {}
    rows = (
        scoping.rank_proposals_visible_to(user)
        .filter(cycle=cycle)
        .annotate(decided_move=_DECIDED_MOVE)
        .values_list("township_id", "township__name", "township__code", "status", "decided_move")
        .annotate(count=Count("pk"), changed=Count("pk", filter=~Q(override_reason="")))
        .order_by()
    )
    for township_id, name, code, status, move, count, changed in rows:
        entry = table.setdefault(
            township_id,
            {
                "id": township_id,
                "name": name,
                "code": code,
                "up": 0,
                "stay": 0,
                "down": 0,
                "proposed": 0,
                "approved": 0,
                "changed": 0,
            },
        )
        entry[move] += count
        entry[status] += count
        entry["changed"] += changed
    return sorted(table.values(), key=lambda entry: entry["code"])


def proposal_rows(user, cycle, *, township_id=None, status="", move=""):
    rows = (
        scoping.rank_proposals_visible_to(user)
        .filter(cycle=cycle)
        .select_related("cadre__village", "township")
        .order_by("township__code", "cadre__village__code", "post", "cadre_id")
    )
    if township_id:
        rows = rows.filter(township_id=township_id)
    if status in RankProposal.Status.values:
        rows = rows.filter(status=status)
    if move in RankProposal.Move.values:
        rows = rows.annotate(decided_move=_DECIDED_MOVE).filter(decided_move=move)
    return rows


def proposal_for(user, pk):
    return scoping.get_in_scope_or_404(
        scoping.rank_proposals_visible_to(user).select_related(
            "cadre__village__township", "cycle", "changed_by", "approved_by"
        ),
        pk=pk,
    )


def home_waiting(user):
    """Return the count of rank proposals waiting for county staff (None for anyone else)."""
    if not scoping.may_decide_ranks(user):
        return None
    return RankProposal.objects.filter(status=RankProposal.Status.PROPOSED).count()
