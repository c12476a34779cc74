"""The performance rules as pure functions (POLICY §4.4, §5): tables of cases, no database."""

import datetime
from decimal import Decimal

import pytest

from performance import rules

D = Decimal


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        ([], (0, 0, 0, D("100.00"))),
        ([(2, 90, True), (1, None, False), (1, 50, False)], (3, 2, 0, D("45.00"))),
        ([(1, 80, True), (1, None, True)], (2, 0, 1, D("80.00"))),
        ([(1, None, True)], (1, 0, 1, D("100.00"))),
        ([(D("1.5"), 100, True), (1, 0, True)], (2, 0, 0, D("60.00"))),
        ([(3, D("66.67"), True)], (1, 0, 0, D("66.67"))),
    ],
)
def test_dispatch_score_is_the_weighted_mean_with_late_orders_at_zero(orders, expected):
    result = rules.dispatch_score(orders, score_without_orders=100)
    assert (result.orders, result.late, result.unscored, result.score) == expected


@pytest.mark.parametrize(
    ("dispatch", "days", "score"),
    [(90, 0, D("90.00")), (90, 3, D("84.00")), (5, 3, D("0.00")), (D("45.5"), 1, D("43.50"))],
)
def test_monthly_score_loses_two_points_a_day_never_below_zero(dispatch, days, score):
    assert (
        rules.monthly_score(dispatch=dispatch, noncompliant_days=days, penalty_per_day=2) == score
    )


@pytest.mark.parametrize(
    ("score", "floor", "ratio"),
    [
        (D("43"), 0, D("0.4300")),
        (100, 0, D("1.0000")),
        (D("59.99"), 60, D("0")),
        (60, 60, D("0.6000")),
    ],
)
def test_performance_ratio_is_score_over_100_above_the_floor(score, floor, ratio):
    assert rules.performance_ratio(score, no_pay_below=floor) == ratio


def test_deductions_add_up_to_at_most_all_of_the_month():
    assert rules.deduction_share(violation_month=D("0.3"), violation_quarter=0, measures=0) == D(
        "0.3000"
    )
    assert rules.deduction_share(
        violation_month=D("1.3"), violation_quarter=1, measures=D("0.1")
    ) == D("1.0000")


def test_unpaid_days_and_the_payable_ratio():
    october = datetime.date(2026, 10, 1)
    days = rules.days_within(october, datetime.date(2026, 9, 25), datetime.date(2026, 10, 3))
    assert len(days) == 3
    assert len(rules.days_within(october, datetime.date(2026, 10, 22), None)) == 10
    assert rules.days_within(october, datetime.date(2026, 11, 1), None) == set()
    share = rules.paid_day_share(days=31, unpaid_days=10)
    assert share == D("0.6774")
    assert rules.payable_performance_ratio(ratio=D("0.78"), deduction=D("0.3"), paid_days=1) == D(
        "0.5460"
    )


def test_months_and_quarters():
    assert rules.parse_month("2026-10") == datetime.date(2026, 10, 1)
    assert rules.previous_month(datetime.date(2026, 1, 1)) == datetime.date(2025, 12, 1)
    assert rules.quarter_months(datetime.date(2026, 11, 1))[0] == datetime.date(2026, 10, 1)
    for bad in ("2026", "10-2026", "2026-13", ""):
        with pytest.raises(ValueError):
            rules.parse_month(bad)


def test_a_report_is_late_after_its_deadlines_day():
    deadline = datetime.date(2026, 10, 20)
    assert rules.reported_on_time(reported_on=deadline, deadline=deadline)
    assert not rules.reported_on_time(
        reported_on=deadline + datetime.timedelta(days=1), deadline=deadline
    )
    assert rules.is_late(status="open", deadline=deadline, today=datetime.date(2026, 10, 21))
    assert not rules.is_late(status="open", deadline=deadline, today=deadline)
    assert not rules.is_late(status="reported", deadline=deadline, today=datetime.date(2027, 1, 1))


@pytest.mark.parametrize(
    ("name", "head", "size", "refused"),
    [
        ("a.pdf", b"%PDF-1.7", 100, False),
        ("a.PNG", b"\x89PNG\r\n\x1a\n", 100, False),
        ("a.docx", b"PK\x03\x04", 100, False),
        ("a.pdf", b"MZ\x90\x00", 100, True),
        ("a.exe", b"MZ\x90\x00", 100, True),
        ("noextension", b"%PDF-", 100, True),
        ("a.pdf", b"%PDF-1.7", 6 * 1024 * 1024, True),
        ("a.pdf", b"%PDF-1.7", 0, True),
    ],
)
def test_attachments_are_checked_by_name_content_and_size(name, head, size, refused):
    problem = rules.attachment_problem(name=name, size=size, head=head, max_bytes=5 * 1024 * 1024)
    assert (problem is not None) is refused


def test_assignment_transitions():
    rules.check_assignment_transition("open", "reported")
    rules.check_assignment_transition("reported", "scored")
    with pytest.raises(rules.PerformanceError):
        rules.check_assignment_transition("open", "scored")
    with pytest.raises(rules.PerformanceError):
        rules.check_assignment_transition("scored", "reported")


def test_measure_facts():
    day = datetime.date(2026, 10, 1)
    assert rules.measure_problems(kind="suspension", starts_on=day, ends_on=None, reason="x")
    assert rules.measure_problems(kind="reminder", starts_on=day, ends_on=None, reason=" ")
    assert not rules.measure_problems(kind="suspension", starts_on=day, ends_on=day, reason="x")
