"""Selection rules as pure functions (POLICY §3.1, §3.6, §2.3): tables of cases, no database."""

import datetime

import pytest

from cadres import rules
from longshan import spreadsheets

LIMITS = rules.EligibilityLimits()
D = datetime.date


def problems(post, birth, on, **kwargs):
    kwargs.setdefault("education", "college")
    kwargs.setdefault("party_join_date", D(2000, 7, 1))
    found = rules.check_eligibility(post=post, birth_date=birth, on=on, limits=LIMITS, **kwargs)
    return [(problem.code, problem.waivable) for problem in found]


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        # the day before the 58th birthday: 57, eligible; the day of it: 58, refused
        (D(1968, 6, 15), D(2026, 6, 14), []),
        (D(1968, 6, 15), D(2026, 6, 15), [("age", False)]),
        # born 29 February: the birthday falls on 1 March in a common year
        (D(1968, 2, 29), D(2026, 2, 28), []),
        (D(1968, 2, 29), D(2026, 3, 1), [("age", False)]),
        # in a leap year the birthday is the 29th itself
        (D(1970, 2, 28), D(2028, 2, 28), [("age", False)]),
        (D(1972, 2, 29), D(2030, 2, 28), []),
        (D(1972, 2, 29), D(2030, 3, 1), [("age", False)]),
    ],
)
def test_a_new_secretary_is_57_or_younger_on_the_appointment_date(birth, on, expected):
    assert problems("secretary", birth, on) == expected


def test_a_29_february_birthday_in_a_leap_year():
    # Born 29 Feb 1968, on 28 Feb 2028 (a leap year) still 59; on 29 Feb 60
    assert rules.age_on(D(1968, 2, 29), D(2028, 2, 28)) == 59
    assert rules.age_on(D(1968, 2, 29), D(2028, 2, 29)) == 60


@pytest.mark.parametrize(
    ("on", "expected"),
    [(D(2026, 6, 14), []), (D(2026, 6, 15), []), (D(2029, 6, 15), [("age", False)])],
)
def test_a_reappointed_secretary_is_60_or_younger(on, expected):
    assert problems("secretary", D(1968, 6, 15), on, is_reappointment=True) == expected


@pytest.mark.parametrize(
    ("joined", "on", "expected"),
    [
        (D(2025, 6, 15), D(2026, 6, 14), [("party_years", False)]),
        (D(2025, 6, 15), D(2026, 6, 15), []),
        (None, D(2026, 6, 15), [("party_years", False)]),
    ],
)
def test_a_secretary_has_been_a_party_member_for_a_year(joined, on, expected):
    assert problems("secretary", D(1980, 1, 1), on, party_join_date=joined) == expected


@pytest.mark.parametrize(
    ("birth", "exception", "expected"),
    [
        (D(1990, 6, 15), False, []),  # 35 on 2026-06-14
        (D(1990, 6, 14), False, [("age", True)]),  # 36: only as an exception
        (D(1990, 6, 14), True, []),
        (D(1985, 6, 15), True, []),  # 40 with an approved exception
        (D(1985, 6, 14), True, [("age", False)]),  # 41: never
    ],
)
def test_clerk_age_with_the_exceptional_path(birth, exception, expected):
    assert problems("clerk", birth, D(2026, 6, 14), exception_approved=exception) == expected


@pytest.mark.parametrize(
    ("education", "exception", "expected"),
    [
        ("college", False, []),
        ("bachelor", False, []),
        ("senior_high", False, [("education", True)]),
        ("senior_high", True, []),
    ],
)
def test_a_clerk_has_college_education_as_a_rule(education, exception, expected):
    assert (
        problems(
            "clerk",
            D(1995, 1, 1),
            D(2026, 6, 14),
            education=education,
            exception_approved=exception,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("birth", "education", "exception", "expected"),
    [
        (D(1981, 6, 13), "senior_high", False, []),  # 45 on the day
        (D(1980, 6, 13), "senior_high", False, [("age", True)]),  # 46, as a rule
        (D(1980, 6, 13), "senior_high", True, []),
        (D(1990, 1, 1), "vocational", False, []),
        (D(1990, 1, 1), "junior_high", True, [("education", False)]),
    ],
)
def test_auxiliary_police(birth, education, exception, expected):
    assert (
        problems(
            "auxiliary_police",
            birth,
            D(2026, 6, 13),
            education=education,
            exception_approved=exception,
        )
        == expected
    )


def test_changed_limits_apply():
    limits = rules.EligibilityLimits(secretary_new_max_age=55)
    found = rules.check_eligibility(
        post="secretary",
        birth_date=D(1970, 1, 1),
        on=D(2026, 6, 1),
        education="college",
        party_join_date=D(2000, 1, 1),
        limits=limits,
    )
    assert [problem.code for problem in found] == ["age"]


S = rules.Step


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([S("appointment", D(2019, 3, 1), 1, "clerk")], (1, "clerk", "active", D(2019, 3, 1))),
        (
            [S("appointment", D(2019, 3, 1), 1, "clerk"), S("transfer", D(2021, 5, 1), 2, "clerk")],
            (2, "clerk", "active", D(2019, 3, 1)),
        ),
        (
            [
                S("appointment", D(2019, 3, 1), 1, "clerk"),
                S("suspension", D(2020, 1, 1)),
                S("reinstatement", D(2020, 3, 1)),
                S("removal", D(2022, 3, 1)),
            ],
            (1, "clerk", "removed", D(2019, 3, 1)),
        ),
        (
            [
                S("appointment", D(2019, 3, 1), 1, "clerk"),
                S("departure", D(2020, 1, 1)),
                S("appointment", D(2023, 1, 1), 3, "auxiliary_police"),
            ],
            (3, "auxiliary_police", "active", D(2023, 1, 1)),
        ),
        (
            [
                S("appointment", D(2018, 8, 1), 1, "secretary"),
                S("appointment", D(2024, 1, 15), 1, "secretary"),  # re-appointed
            ],
            (1, "secretary", "active", D(2018, 8, 1)),
        ),
    ],
)
def test_the_roster_record_follows_from_the_history(steps, expected):
    state = rules.state_after(steps)
    assert (state.village_id, state.post, state.status, state.start_date) == expected


@pytest.mark.parametrize(
    "steps",
    [
        [],
        [S("transfer", D(2019, 3, 1), 1, "clerk")],
        [S("appointment", D(2019, 3, 1), 1, "clerk"), S("reinstatement", D(2020, 1, 1))],
        [S("appointment", D(2019, 3, 1), 1, "clerk"), S("departure", D(2020, 1, 1))]
        + [S("suspension", D(2021, 1, 1))],
    ],
)
def test_an_impossible_history_is_refused(steps):
    with pytest.raises(rules.HistoryError):
        rules.state_after(steps)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+86 138", "'+86 138"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("张三", "张三"),
        ("", ""),
        (None, None),
        (5, 5),
    ],
)
def test_formula_neutralising(value, expected):
    assert spreadsheets.neutralise(value) == expected


@pytest.mark.parametrize(
    ("population", "area", "police"),
    [(4999, 39, 1), (5000, 10, 2), (1200, 40, 2), (1200, 39.99, 1)],
)
def test_the_quota_table_by_population_and_area(population, area, police):
    quota = rules.headcount_quota_from(
        population=population,
        area_km2=area,
        extra_police_from_population=5000,
        extra_police_from_area=40,
    )
    assert (quota.secretary, quota.clerk, quota.auxiliary_police) == (1, 1, police)
