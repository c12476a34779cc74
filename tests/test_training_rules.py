"""Training rules as pure functions (POLICY §5.2, §6.1): tables of cases, no database."""

import datetime
from decimal import Decimal

import pytest

from training import rules
from training.rules import RosterEntry, SheetRow

D = Decimal


@pytest.mark.parametrize(
    ("days", "minimum", "meets", "short"),
    [
        (D("0"), D("5"), False, D("5.0")),
        (D("4.5"), D("5"), False, D("0.5")),
        (D("4.9"), D("5"), False, D("0.1")),
        (D("5"), D("5"), True, D("0.0")),
        (D("5.0"), D("5"), True, D("0.0")),
        (D("12.5"), D("5"), True, D("0.0")),
        (D("4.5"), D("4.5"), True, D("0.0")),  # the county lowered the minimum
        (D("0"), D("0"), True, D("0.0")),
    ],
)
def test_the_yearly_minimum_is_met_from_exactly_the_minimum(days, minimum, meets, short):
    assert rules.meets_training_requirement(days, minimum=minimum) is meets
    assert rules.training_shortfall(days, minimum=minimum) == short


@pytest.mark.parametrize(
    ("level", "counts"),
    [("county_or_above", True), ("below_county", False)],
)
def test_only_county_level_or_above_counts(level, counts):
    assert rules.counts_toward_requirement(level=level) is counts


@pytest.mark.parametrize(
    ("grade", "days", "expected"),
    [
        ("excellent", D("5"), "excellent"),
        ("excellent", D("4.5"), "basically_competent"),
        ("competent", D("4.5"), "basically_competent"),
        ("competent", D("5"), "competent"),
        ("basically_competent", D("0"), "basically_competent"),
        ("incompetent", D("0"), "incompetent"),
        ("incompetent", D("9"), "incompetent"),
    ],
)
def test_too_few_training_days_cap_the_grade_at_basically_competent(grade, days, expected):
    assert rules.cap_grade_for_training(grade, days=days, minimum=D("5")) == expected


def test_an_unknown_grade_is_refused():
    with pytest.raises(ValueError, match="unknown grade"):
        rules.cap_grade_for_training("优秀", days=D("5"), minimum=D("5"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5", D("0.5")), ("3", D("3.0")), (" 2.5 ", D("2.5")), (0.5, D("0.5")), (4, D("4.0"))],
)
def test_days_are_read_with_one_decimal_place(value, expected):
    assert rules.parse_days(value) == expected


@pytest.mark.parametrize("value", ["", None, "abc", "1.25", "NaN", "Infinity", "一天"])
def test_days_that_cannot_be_read_are_refused(value):
    with pytest.raises(rules.DaysError):
        rules.parse_days(value)


@pytest.mark.parametrize(
    ("days", "event_days", "ok"),
    [(D("0.5"), D("3"), True), (D("3"), D("3"), True), (D("3.5"), D("3"), False),
     (D("0"), D("3"), False), (D("-1"), D("3"), False)],
)  # fmt: skip
def test_attendance_is_more_than_zero_and_at_most_the_events_days(days, event_days, ok):
    assert (rules.attendance_days_problem(days, event_days=event_days) is None) is ok


def test_event_facts_are_checked():
    day = datetime.date
    ok = rules.event_problems(
        level="county_or_above",
        has_township=False,
        start_date=day(2026, 4, 7),
        end_date=day(2026, 4, 9),
        days=D("3"),
    )
    assert ok == {}
    bad = rules.event_problems(
        level="below_county",
        has_township=False,
        start_date=day(2026, 4, 7),
        end_date=day(2026, 4, 8),
        days=D("3"),
    )
    assert set(bad) == {"township", "days"}  # no township; 3 days do not fit in 2
    across = rules.event_problems(
        level="county_or_above",
        has_township=False,
        start_date=day(2025, 12, 30),
        end_date=day(2026, 1, 2),
        days=D("3"),
    )
    assert set(across) == {"end_date"}  # days count toward one year only


def valid_id(first_17):
    from cadres.rules import id_check_character

    return first_17 + id_check_character(first_17)


ZHANG, LI, WANG = (valid_id(f"4331301985030900{n}") for n in (1, 2, 3))
UNKNOWN = valid_id("43313019900101003")


def roster():
    return {
        ZHANG: RosterEntry(cadre_id=1, name="张三", in_scope=True),
        LI: RosterEntry(cadre_id=2, name="李四", in_scope=True),
        WANG: RosterEntry(cadre_id=3, name="王五", in_scope=False),
    }


def test_a_sheet_row_by_row():
    wrong_check_digit = ZHANG[:17] + ("0" if ZHANG[17] != "0" else "1")
    rows = [
        SheetRow(2, ZHANG, "张 三", "3"),  # good; spaces in the name are fine
        SheetRow(3, LI.lower(), "李四", 0.5),  # good, a half day as Excel gives it
        SheetRow(4, WANG, "王五", "3"),  # outside the importer's scope
        SheetRow(5, UNKNOWN, "赵六", "3"),  # not on the roster
        SheetRow(6, ZHANG, "张三", "1"),  # duplicate of row 2
        SheetRow(7, LI, "李三", "1"),  # wrong name, and a duplicate of row 3
        SheetRow(8, wrong_check_digit, "张三", "1"),
        SheetRow(9, valid_id("43313019850309009"), "孙七", "3.5"),  # unknown, and over 3 days
        SheetRow(10, "", "", "0"),
        SheetRow(11, valid_id("43313019850309010"), "周八", "两天"),
    ]
    checked = rules.check_attendance_sheet(
        rows, roster=roster(), event_days=D("3"), recorded={2: D("1")}
    )
    by_row = {row.row_number: row for row in checked}
    assert by_row[2].ok and by_row[2].days == D("3.0") and by_row[2].change == "new"
    assert by_row[2].cadre_id == 1
    assert by_row[3].ok and by_row[3].change == "changed" and by_row[3].previous_days == D("1")
    assert by_row[4].codes == ("out_of_scope",)
    assert by_row[5].codes == ("id_unknown",)
    assert by_row[6].codes == ("duplicate",)
    assert by_row[7].codes == ("name_mismatch", "duplicate")
    assert by_row[8].codes == ("id_invalid",)
    assert by_row[9].codes == ("id_unknown", "days_over_event")
    assert by_row[10].codes == ("id_missing", "days_not_positive")
    assert by_row[11].codes == ("id_unknown", "days_invalid")
    assert [row.row_number for row in checked if not row.ok] == [4, 5, 6, 7, 8, 9, 10, 11]
    assert all(len(row.errors) == len(row.codes) for row in checked)


def test_a_name_mismatch_names_the_roster_name_only_in_scope():
    # Given a row for a cadre outside the importer's scope with a wrong name
    checked = rules.check_attendance_sheet(
        [SheetRow(2, WANG, "错名", "1")], roster=roster(), event_days=D("3"), recorded={}
    )
    # Then the message says out of scope and does not reveal the roster's name
    assert checked[0].codes == ("out_of_scope",)
    assert "王五" not in checked[0].errors[0]
