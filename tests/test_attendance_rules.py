"""The duty rules (POLICY §4) as pure functions: tables of cases, no database."""

import datetime
from decimal import Decimal

import chinese_calendar
import pytest

from attendance import rules

D = datetime.date
T = datetime.time


def library(day):
    return chinese_calendar.is_workday(day)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 10, 1), False),  # National Day, a Thursday
        (D(2026, 10, 8), True),  # after the Golden Week
        (D(2026, 9, 20), True),  # a Sunday made a working day for National Day
        (D(2026, 11, 21), False),  # an ordinary Saturday
        (D(2026, 11, 23), True),  # an ordinary Monday
    ],
)
def test_the_national_calendar_decides_without_overrides(day, working):
    assert rules.is_working_day(day, overrides={}, library=library) is working


def test_a_make_up_working_day_on_a_sunday_is_a_working_day():
    # Given 2026-09-20, a Sunday the State Council made a working day
    sunday = D(2026, 9, 20)
    assert sunday.weekday() == 6
    # Then it is a working day, and an override of the county still wins over it
    assert rules.is_working_day(sunday, overrides={}, library=library)
    assert not rules.is_working_day(sunday, overrides={sunday: False}, library=library)


def test_a_year_the_library_does_not_know_raises_a_clear_error():
    with pytest.raises(rules.CalendarUnknownError) as error:
        rules.is_working_day(D(2027, 3, 3), overrides={}, library=library)
    assert error.value.year == 2027
    assert "2027" in error.value.message


def test_an_entered_year_follows_the_plain_week_outside_its_overrides():
    holiday = D(2027, 10, 1)  # a Friday
    overrides = {holiday: False}
    kwargs = {"overrides": overrides, "library": library, "entered_years": {2027}}
    assert rules.is_working_day(D(2027, 3, 3), **kwargs)  # Wednesday
    assert not rules.is_working_day(D(2027, 3, 6), **kwargs)  # Saturday
    assert not rules.is_working_day(holiday, **kwargs)
    # An override alone answers for its own date even in an unknown year
    assert not rules.is_working_day(holiday, overrides=overrides, library=library)


def test_date_lists_take_single_dates_and_spans():
    text = "2027-01-01, 2027-02-10..2027-02-12\n2027-05-01"
    assert rules.parse_date_list(text) == [
        D(2027, 1, 1),
        D(2027, 2, 10),
        D(2027, 2, 11),
        D(2027, 2, 12),
        D(2027, 5, 1),
    ]
    with pytest.raises(ValueError):
        rules.parse_date_list("2027-02-30")


@pytest.mark.parametrize(
    ("nth", "kind", "ratio", "measure"),
    [
        (1, "month", Decimal("0.30"), ""),
        (2, "month", Decimal("1.00"), "admonishment"),
        (3, "quarter", Decimal("1.00"), "removal"),
        (4, "quarter", Decimal("1.00"), "removal"),
    ],
)
def test_the_violation_ladder_of_policy_4_4(nth, kind, ratio, measure):
    consequence = rules.violation_consequence(
        nth, first_ratio=Decimal("0.30"), second_ratio=Decimal("1.00"), third_ratio=Decimal("1.00")
    )
    assert (consequence.deduction_kind, consequence.deduction_ratio, consequence.measure) == (
        kind,
        ratio,
        measure,
    )


NOW = datetime.datetime(2026, 11, 26, 15, 0)


@pytest.mark.parametrize(
    ("day", "time_in", "time_out", "others", "refused"),
    [
        (D(2026, 11, 26), T(8, 30), T(12, 0), [], False),
        (D(2026, 11, 27), T(8, 30), None, [], True),  # a future date
        (D(2026, 11, 26), T(15, 30), None, [], True),  # a future time today
        (D(2026, 11, 25), T(12, 0), T(8, 30), [], True),  # out before in
        (D(2026, 11, 25), T(12, 0), T(12, 0), [], True),  # out at the same minute
        (D(2026, 11, 25), T(11, 0), T(14, 0), [(T(8, 0), T(12, 0))], True),  # overlap
        (D(2026, 11, 25), T(12, 0), T(14, 0), [(T(8, 0), T(12, 0))], False),  # touching
        (D(2026, 11, 25), T(16, 0), None, [(T(14, 0), None)], True),  # still signed in
    ],
)
def test_a_duty_span_is_refused_when_it_cannot_be_true(day, time_in, time_out, others, refused):
    problem = rules.duty_span_problem(
        day=day, time_in=time_in, time_out=time_out, now=NOW, others=others
    )
    assert (problem is not None) is refused


@pytest.mark.parametrize(
    ("minutes", "minimum", "compliant"),
    [(360, Decimal("6"), True), (359, Decimal("6"), False), (390, Decimal("7"), False)],
)
def test_compliance_against_the_minimum(minutes, minimum, compliant):
    assert rules.duty_compliance(minutes=minutes, minimum_hours=minimum)[1] is compliant


@pytest.mark.parametrize(
    ("planned", "signed_in", "passed", "gap"),
    [(0, 0, False, True), (1, 0, False, False), (1, 0, True, True), (1, 1, True, False)],
)
def test_a_roster_gap(planned, signed_in, passed, gap):
    assert rules.roster_gap(planned=planned, signed_in=signed_in, day_has_passed=passed) is gap


@pytest.mark.parametrize(
    ("current", "new", "allowed"),
    [
        ("pending", "approved", True),
        ("pending", "rejected", True),
        ("pending", "cancelled", True),
        ("approved", "cancelled", True),
        ("approved", "closed", True),
        ("pending", "closed", False),
        ("rejected", "approved", False),
        ("closed", "cancelled", False),
        ("cancelled", "approved", False),
    ],
)
def test_the_leave_transition_map(current, new, allowed):
    if allowed:
        rules.check_leave_transition(current, new)
    else:
        with pytest.raises(rules.LeaveTransitionError):
            rules.check_leave_transition(current, new)


def test_leave_routing_by_post():
    assert rules.leave_approver_kind("secretary") == rules.TOWNSHIP_PRINCIPAL
    assert rules.leave_approver_kind("clerk") == rules.VILLAGE_SECRETARY
    assert rules.leave_approver_kind("auxiliary_police") == rules.VILLAGE_SECRETARY
