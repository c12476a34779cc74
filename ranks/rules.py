"""The rank policy (POLICY §7) as pure functions of plain values: no ORM, no clock."""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

HIGHEST_LEVEL = 1
LOWEST_LEVEL = 10
FEN = Decimal("0.01")

# Annual grades (performance.models.Grade values), best first.
EXCELLENT = "excellent"
COMPETENT = "competent"
BASICALLY_COMPETENT = "basically_competent"
INCOMPETENT = "incompetent"
COMPETENT_OR_BETTER = frozenset({EXCELLENT, COMPETENT})

UP, STAY, DOWN = "up", "stay", "down"

# Why a proposal says what it says (shown with the proposal, §7.2).
REASON_EXCELLENT = "excellent"
REASON_COMPETENT_YEARS = "competent_years"
REASON_COMPETENT_WAITING = "competent_waiting"
REASON_BASICALLY_COMPETENT = "basically_competent"
REASON_INCOMPETENT = "incompetent"
REASON_AT_HIGHEST = "at_highest_level"
REASON_AT_LOWEST = "at_lowest_level"


def rank_pay(level, *, per_level):
    """Return the monthly rank pay of a level: `per_level` yuan for each level above 10."""
    if not HIGHEST_LEVEL <= level <= LOWEST_LEVEL:
        raise ValueError(f"level {level} is not on the ladder")
    return (Decimal(LOWEST_LEVEL - level) * Decimal(per_level)).quantize(FEN, ROUND_HALF_UP)


def full_years(start, on):
    """Return the full years from `start` to `on` (an anniversary completes a year)."""
    if on < start:
        return 0
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    return years


@dataclass(frozen=True)
class PlacementRule:
    """The county's initial-placement rule in force on the placement date (§7.3)."""

    initial_level: int = 10
    service_years_per_level: int = 3
    highest_initial_level: int = 5


def initial_level(service_years, rule: PlacementRule):
    """Return the first level: the initial level, one up for every full block of service
    years, never above the highest initial level (nor off the ladder)."""
    level = rule.initial_level - service_years // rule.service_years_per_level
    level = max(level, rule.highest_initial_level, HIGHEST_LEVEL)
    return min(level, LOWEST_LEVEL)


@dataclass(frozen=True)
class AdjustmentRule:
    """The county's yearly adjustment rule (§7.2); moves are levels up (negative: down)."""

    excellent_move: int = 1
    competent_years_for_move: int = 2
    basically_competent_move: int = 0
    incompetent_move: int = -1


def years_at_level(grades_by_year, *, year, first_counted_year):
    """Return the consecutive years at 称职 or better ending with `year`, counting only the
    years served at the current level (from `first_counted_year` on, §7.2).

    A year with no confirmed grade breaks the run.
    """
    count = 0
    while year >= first_counted_year and grades_by_year.get(year) in COMPETENT_OR_BETTER:
        count += 1
        year -= 1
    return count


@dataclass(frozen=True)
class Decision:
    move: str
    level: int
    reason: str


def next_level(level, grade, *, years_at_level, rule: AdjustmentRule):
    """Return the proposed move, level and reason from this year's grade (§7.2).

    Level 1 is the top and 10 the bottom: never past either.
    """
    if grade == EXCELLENT:
        steps, reason = rule.excellent_move, REASON_EXCELLENT
    elif grade == COMPETENT:
        if years_at_level >= rule.competent_years_for_move:
            steps, reason = 1, REASON_COMPETENT_YEARS
        else:
            steps, reason = 0, REASON_COMPETENT_WAITING
    elif grade == BASICALLY_COMPETENT:
        steps, reason = rule.basically_competent_move, REASON_BASICALLY_COMPETENT
    elif grade == INCOMPETENT:
        steps, reason = rule.incompetent_move, REASON_INCOMPETENT
    else:
        raise ValueError(f"unknown grade {grade!r}")
    target = level - steps
    if target < HIGHEST_LEVEL:
        return Decision(STAY, level, REASON_AT_HIGHEST)
    if target > LOWEST_LEVEL:
        return Decision(STAY, level, REASON_AT_LOWEST)
    move = UP if target < level else DOWN if target > level else STAY
    return Decision(move, target, reason)


def first_counted_year_of_adjustment(assessment_year):
    """Return the first grade year counted at a level reached by a yearly adjustment: the
    year after the grade that moved the cadre (the moving year never counts twice)."""
    return assessment_year + 1


def default_effective_from(assessment_year):
    """Return the default date a year's adjustment takes effect: 1 January after it."""
    return datetime.date(assessment_year + 1, 1, 1)
