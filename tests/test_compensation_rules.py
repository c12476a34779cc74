"""The pay rules (POLICY §8) as pure functions: tables of cases and a property test."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compensation import rules

D = Decimal
OCTOBER = datetime.date(2026, 10, 1)


@pytest.mark.parametrize(
    ("amount", "half_up", "expected"),
    [
        (D("2076.665"), True, D("2076.67")),
        (D("2076.665"), False, D("2076.66")),
        (D("2076.675"), False, D("2076.68")),
        (D("-0.005"), True, D("-0.01")),
    ],
)
def test_one_rounding_rule_to_the_fen(amount, half_up, expected):
    assert rules.to_fen(amount, half_up=half_up) == expected


def test_money_is_never_a_float():
    with pytest.raises(TypeError):
        rules.to_fen(1.5)


@pytest.mark.parametrize(
    ("amount", "parts", "expected"),
    [
        (D("3000.00"), 3, [D("1000.00")] * 3),
        (D("10000.00"), 3, [D("3333.34"), D("3333.33"), D("3333.33")]),
        (D("0.02"), 3, [D("0.01"), D("0.01"), D("0.00")]),
        (D("5.00"), 0, []),
    ],
)
def test_a_reward_splits_to_the_fen(amount, parts, expected):
    assert rules.split_evenly(amount, parts) == expected


@pytest.mark.parametrize(("teams", "expected"), [(0, 0), (4, 1), (10, 1), (397, 39), (25, 2)])
def test_first_class_teams_are_the_top_tenth(teams, expected):
    assert rules.first_class_count(teams, share=D("0.10")) == expected


@pytest.mark.parametrize(
    ("years", "expected"), [(9, D("0")), (10, D("10000.00")), (16, D("16000.00"))]
)
def test_departure_allowance_by_years_served(years, expected):
    assert rules.departure_allowance(years, per_year=D("1000"), min_years=10) == expected


def test_the_status_map():
    rules.check_move("computed", "reviewed")
    rules.check_move("approved", "locked")
    for current, target in [
        ("computed", "approved"),
        ("locked", "computed"),
        ("reviewed", "locked"),
    ]:
        with pytest.raises(rules.PayError):
            rules.check_move(current, target)


shares = st.decimals(min_value=0, max_value=1, places=4)
money = st.decimals(min_value=-5000, max_value=5000, places=2)


@settings(max_examples=300, deadline=None)
@given(
    standard=st.decimals(min_value=30000, max_value=60000, places=2),
    base_share=st.decimals(min_value=D("0.5"), max_value=D("0.9"), places=2),
    rank=st.sampled_from([D(0), D(100), D(500), D(900)]),
    ratio=shares,
    month_share=shares,
    quarter_share=st.sampled_from([D(0), D(1)]),
    measure_share=shares,
    paid=shares,
    extra=st.lists(money, max_size=4),
    half_up=st.booleans(),
)
def test_lines_sum_to_the_totals_and_net_is_never_negative(
    standard,
    base_share,
    rank,
    ratio,
    month_share,
    quarter_share,
    measure_share,
    paid,
    extra,
    half_up,
):
    settled = rules.SettledMonth(
        performance_ratio=ratio,
        violation_month_share=month_share,
        violation_quarter_share=quarter_share,
        measure_share=measure_share,
        deduction_share=min(D(1), month_share + quarter_share + measure_share),
        paid_day_share=paid,
    )
    lines, performance_paid = rules.pay_lines(
        standard=standard, base_share=base_share, rank_pay=rank, settled=settled, half_up=half_up
    )
    lines += [rules.Line("adjustment", amount) for amount in extra if amount]
    lines, gross, deductions, net = rules.close_lines(lines, month=OCTOBER)
    amounts = [line.amount for line in lines]
    assert all(amount == amount.quantize(rules.FEN) for amount in amounts)
    assert sum(amounts, D(0)) == net == gross + deductions
    assert net >= 0 and gross >= 0 and deductions <= 0
    assert D(0) <= performance_paid <= rules.to_fen(standard * (1 - base_share) / 12) + D("0.01")
    # deductions never take more than the performance pay earned
    earned = next(line.amount for line in lines if line.kind == "performance") if ratio else D(0)
    taken = -sum(
        (
            line.amount
            for line in lines
            if line.kind.startswith("violation") or line.kind == "measure"
        ),
        D(0),
    )
    assert taken <= earned + D("0.03")
