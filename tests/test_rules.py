"""Pure rules of the roster: resident ID numbers, ages and quotas (no database)."""

import datetime

import pytest

from cadres import names, rules


def with_check(first_17):
    return first_17 + rules.id_check_character(first_17)


@pytest.mark.parametrize(
    ("number", "birth_date", "sex"),
    [
        ("11010519491231002X", datetime.date(1949, 12, 31), "F"),  # GB 11643 example
        (with_check("43313019850615001"), datetime.date(1985, 6, 15), "M"),
        (with_check("43313020000229002").lower(), datetime.date(2000, 2, 29), "F"),
    ],
)
def test_a_valid_id_gives_birth_date_and_sex(number, birth_date, sex):
    parsed = rules.parse_resident_id(number)
    assert (parsed.birth_date, parsed.sex) == (birth_date, sex)
    assert parsed.number == number.upper()


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "check_digit"),  # right number, wrong check digit
        (with_check("43313019850615001")[:-1] + "0", "check_digit"),
        (with_check("43313019900230001"), "birth_date"),  # 30 February
        (with_check("43313020010229001"), "birth_date"),  # 29 February in a common year
        (with_check("43313019851315001"), "birth_date"),  # month 13
        (with_check("43313018800101001"), "birth_date"),  # before 1900
        ("4331301985061500", "length"),
        ("43313019850615001X1", "length"),
        ("43313019850615A01X", "characters"),
        ("", "length"),
    ],
)
def test_a_bad_id_is_refused_with_its_reason(number, code):
    with pytest.raises(rules.ResidentIdError) as error:
        rules.parse_resident_id(number)
    assert error.value.code == code


def test_a_birth_date_in_the_future_is_refused():
    number = with_check("43313020300101001")
    with pytest.raises(rules.ResidentIdError):
        rules.parse_resident_id(number, today=datetime.date(2026, 11, 26))


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (datetime.date(1968, 5, 10), datetime.date(2026, 5, 9), 57),  # the day before
        (datetime.date(1968, 5, 10), datetime.date(2026, 5, 10), 58),  # the birthday
        (datetime.date(2000, 2, 29), datetime.date(2025, 2, 28), 24),
        (datetime.date(2000, 2, 29), datetime.date(2025, 3, 1), 25),
        (datetime.date(2000, 2, 29), datetime.date(2028, 2, 29), 28),
    ],
)
def test_age_is_whole_years_on_a_date(birth, on, age):
    assert rules.age_on(birth, on) == age


@pytest.mark.parametrize(("population", "police"), [(4999, 1), (5000, 2), (12000, 2), (300, 1)])
def test_quota_gives_a_second_police_post_from_the_threshold(population, police):
    quota = rules.headcount_quota(population=population, extra_police_from_population=5000)
    assert (quota.secretary, quota.clerk, quota.auxiliary_police) == (1, 1, police)
    assert quota.total == 2 + police


def test_duty_minimum_depends_on_village_or_community():
    kwargs = {"village_hours": 6, "community_hours": 7}
    assert rules.duty_hours_minimum(is_community=False, **kwargs) == 6
    assert rules.duty_hours_minimum(is_community=True, **kwargs) == 7


@pytest.mark.parametrize(
    ("name", "pinyin", "initials"),
    [("张三", "zhangsan", "zs"), ("彭国华", "pengguohua", "pgh"), ("向 明", "xiangming", "xm")],
)
def test_search_keys_of_a_name(name, pinyin, initials):
    assert names.search_keys(name) == (pinyin, initials)
