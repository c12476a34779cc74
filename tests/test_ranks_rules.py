"""The rank rules as pure functions (POLICY §7.2, §7.3): tables of cases, no database."""

import datetime
from decimal import Decimal

import pytest

from ranks import rules

D = datetime.date
RULE = rules.AdjustmentRule()


@pytest.mark.parametrize(
    ("years", "level"),
    [(0, 10), (2, 10), (3, 9), (5, 9), (6, 8), (9, 7), (12, 6), (14, 6), (15, 5), (30, 5)],
)
def test_initial_level_is_10_less_one_for_every_full_three_years_never_above_5(years, level):
    assert rules.initial_level(years, rules.PlacementRule()) == level


def test_initial_level_follows_the_countys_rule():
    rule = rules.PlacementRule(initial_level=9, service_years_per_level=2, highest_initial_level=3)
    assert [rules.initial_level(y, rule) for y in (0, 1, 2, 8, 12, 40)] == [9, 9, 8, 5, 3, 3]


@pytest.mark.parametrize(
    ("start", "on", "years"),
    [
        (D(2015, 8, 1), D(2018, 8, 1), 3),
        (D(2015, 8, 2), D(2018, 8, 1), 2),
        (D(2016, 2, 29), D(2019, 2, 28), 2),
        (D(2016, 2, 29), D(2019, 3, 1), 3),
        (D(2020, 1, 1), D(2019, 1, 1), 0),
    ],
)
def test_full_years_count_only_completed_anniversaries(start, on, years):
    assert rules.full_years(start, on) == years


@pytest.mark.parametrize(
    ("level", "grade", "years", "expected"),
    [
        (8, "excellent", 1, ("up", 7, "excellent")),
        (8, "competent", 2, ("up", 7, "competent_years")),
        (8, "competent", 3, ("up", 7, "competent_years")),
        (8, "competent", 1, ("stay", 8, "competent_waiting")),
        (8, "basically_competent", 0, ("stay", 8, "basically_competent")),
        (8, "incompetent", 0, ("down", 9, "incompetent")),
        # the bounds: never past level 1 (the top) or level 10 (the bottom)
        (1, "excellent", 1, ("stay", 1, "at_highest_level")),
        (1, "competent", 2, ("stay", 1, "at_highest_level")),
        (2, "excellent", 1, ("up", 1, "excellent")),
        (10, "incompetent", 0, ("stay", 10, "at_lowest_level")),
        (9, "incompetent", 0, ("down", 10, "incompetent")),
        (10, "excellent", 1, ("up", 9, "excellent")),
    ],
)
def test_next_level_from_the_years_grade(level, grade, years, expected):
    decision = rules.next_level(level, grade, years_at_level=years, rule=RULE)
    assert (decision.move, decision.level, decision.reason) == expected


def test_next_level_follows_the_countys_rule():
    strict = rules.AdjustmentRule(
        excellent_move=1, competent_years_for_move=3, basically_competent_move=-1
    )
    assert rules.next_level(6, "competent", years_at_level=2, rule=strict).level == 6
    assert rules.next_level(6, "competent", years_at_level=3, rule=strict).level == 5
    assert rules.next_level(6, "basically_competent", years_at_level=0, rule=strict).level == 7
    with pytest.raises(ValueError):
        rules.next_level(6, "outstanding", years_at_level=0, rule=RULE)


def test_consecutive_years_count_only_years_at_the_current_level():
    grades = {2021: "competent", 2022: "excellent", 2023: "competent", 2024: "competent"}
    # All four years at the level: four in a row at 称职 or better
    assert rules.years_at_level(grades, year=2024, first_counted_year=2019) == 4
    # At the level only since 2024 (moved up by the 2023 grade): one
    assert rules.years_at_level(grades, year=2024, first_counted_year=2024) == 1
    # A year without a grade, or below 称职, breaks the run
    assert rules.years_at_level({2023: "competent"}, year=2024, first_counted_year=2019) == 0
    broken = {2022: "competent", 2023: "basically_competent", 2024: "competent"}
    assert rules.years_at_level(broken, year=2024, first_counted_year=2019) == 1


@pytest.mark.parametrize(
    ("level", "per_level", "pay"),
    [(10, "100", "0.00"), (9, "100", "100.00"), (1, "100", "900.00"), (5, "123.456", "617.28")],
)
def test_rank_pay_is_the_amount_for_each_level_above_10(level, per_level, pay):
    assert rules.rank_pay(level, per_level=Decimal(per_level)) == Decimal(pay)


def test_rank_pay_refuses_a_level_off_the_ladder():
    with pytest.raises(ValueError):
        rules.rank_pay(11, per_level=Decimal("100"))


def test_a_years_moves_take_effect_on_1_january_after_it_and_count_from_then():
    assert rules.default_effective_from(2025) == D(2026, 1, 1)
    assert rules.first_counted_year_of_adjustment(2025) == 2026
