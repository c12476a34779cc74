"""The annual assessment (POLICY §5.2): the proposal from the year's settlements, its caps,
the 15% quota of 优秀, and the county's confirmation."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from cadres.models import Cadre
from performance import rules, services
from performance.models import AnnualGrade, CadreMonth, SettlementMonth

from .factories import CadreFactory, VillageFactory
from .performance_fixtures import at, rules_seeded  # noqa: F401
from .training_factories import AttendanceFactory, TrainingEventFactory

pytestmark = pytest.mark.usefixtures("rules_seeded")
YEAR = 2026
NOW = at(2027, 1, 5, 9)


def settled_year(cadre, scores):
    """Give a cadre settled months of 2026 with the given monthly scores (the proposal's input)."""
    for number, score in enumerate(scores, start=1):
        period, _ = SettlementMonth.objects.get_or_create(month=datetime.date(YEAR, number, 1))
        values = dict.fromkeys(("orders", "orders_late", "orders_unscored"), 0)
        CadreMonth.objects.create(
            period=period,
            month=period.month,
            cadre=cadre,
            township=cadre.village.township,
            village=cadre.village,
            post=cadre.post,
            dispatch_score=score,
            noncompliant_duty_days=0,
            duty_penalty_per_day=2,
            monthly_score=score,
            performance_ratio=Decimal(score) / 100,
            violations=0,
            violation_month_share=0,
            violation_quarter_share=0,
            measure_share=0,
            deduction_share=0,
            days_in_month=31,
            suspension_days=0,
            dismissal_days=0,
            paid_day_share=1,
            payable_performance_ratio=Decimal(score) / 100,
            **values,
        )


@pytest.fixture
def township_a(county):
    """Township A with 21 cadres (quota of 优秀: 3), each with a year of scores, and five
    days of county training but for one."""
    for n in range(5):
        village = VillageFactory(township=county.townships["a"], code=f"43313010190{n}")
        for m, post in enumerate(("secretary", "clerk", "auxiliary_police")):
            CadreFactory(village=village, post=post, birth_date=datetime.date(1981, 1 + n, 1 + m))
    cadres = list(Cadre.objects.filter(village__township=county.townships["a"]).order_by("pk"))
    assert len(cadres) == 21
    event = TrainingEventFactory(days=Decimal("5"))
    for index, cadre in enumerate(cadres):
        # Mean scores 98, 97, ..., 78 in id order
        settled_year(cadre, [98 - index] * 3)
        if cadre != county.cadres["a1_auxiliary_police"]:
            AttendanceFactory(event=event, cadre=cadre)
    return cadres


def grade_of(cadre):
    return AnnualGrade.objects.get(cadre=cadre, year=YEAR)


def test_at_most_15_percent_of_a_township_are_excellent_highest_scores_first(county, township_a):
    # When the grades of 2026 are proposed
    services.grades_propose(YEAR, now=NOW)
    # Then 21 cadres have mean scores 98 down to 78, and seven of them (98-92) earn 优秀 by
    # score; the third (a1's police, 96) lacks training and is capped first; of the rest at
    # most floor(21 × 15%) = 3 keep 优秀: the three highest
    grades = {cadre.pk: grade_of(cadre) for cadre in township_a}
    excellent = [pk for pk, grade in grades.items() if grade.grade == rules.EXCELLENT]
    assert excellent == [township_a[0].pk, township_a[1].pk, township_a[3].pk]
    assert grades[township_a[2].pk].grade == rules.BASICALLY_COMPETENT
    fifth = grades[township_a[4].pk]
    assert (fifth.grade_by_score, fifth.grade) == (rules.EXCELLENT, rules.COMPETENT)
    assert fifth.caps == [rules.CAP_QUOTA]
    # And 78 is 称职 (≥ 75)
    assert grades[township_a[-1].pk].grade == rules.COMPETENT
    assert grades[township_a[0].pk].mean_score == Decimal("98.00")


def test_training_evaluation_and_removal_cap_the_grade(county, township_a):
    cadres = county.cadres
    # Given a1's clerk rated dissatisfied by 4 of 10 (more than a third), and a2's clerk
    # dismissed in the year (a1's police has no training: see the fixture)
    services.evaluation_record(
        county.villages["a1"],
        actor=county.users.official_a,
        year=YEAR,
        votes={cadres["a1_clerk"].pk: (4, 2, 4), cadres["a1_secretary"].pk: (6, 1, 3)},
    )
    services.measure_record(
        actor=county.users.county,
        cadre=cadres["a2_clerk"],
        kind="dismissal",
        decided_on=datetime.date(YEAR, 12, 1),
        reason="撤职查处",
    )
    # When the grades are proposed
    services.grades_propose(YEAR, now=NOW)
    # Then each is capped at 基本称职 with its reason
    assert grade_of(cadres["a1_clerk"]).grade == rules.BASICALLY_COMPETENT
    assert grade_of(cadres["a1_clerk"]).caps == [rules.CAP_EVALUATION]
    assert grade_of(cadres["a1_clerk"]).dissatisfied_share == Decimal("0.4000")
    assert grade_of(cadres["a1_auxiliary_police"]).caps == [rules.CAP_TRAINING]
    assert grade_of(cadres["a1_auxiliary_police"]).training_days == 0
    assert grade_of(cadres["a2_clerk"]).had_removal
    assert grade_of(cadres["a2_clerk"]).grade == rules.BASICALLY_COMPETENT
    # And exactly a third dissatisfied does not cap: a1's secretary keeps the score's grade
    assert grade_of(cadres["a1_secretary"]).caps in ([], [rules.CAP_QUOTA])


def test_the_county_confirms_or_overrides_with_a_reason(county, township_a):
    services.grades_propose(YEAR, now=NOW)
    staff = county.users.county
    first, fifth, last = (grade_of(township_a[i]) for i in (0, 4, 20))
    # When a proposal is changed without a reason, then it is refused
    with pytest.raises(ValidationError):
        services.grade_confirm(last, actor=staff, final_grade=rules.INCOMPETENT, now=NOW)
    # When it is changed with a reason, then it is confirmed as the county says
    services.grade_confirm(
        last, actor=staff, final_grade=rules.BASICALLY_COMPETENT, reason="年终考核复核", now=NOW
    )
    last.refresh_from_db()
    assert (last.status, last.grade, last.proposed_grade) == (
        "confirmed",
        "basically_competent",
        "competent",
    )
    assert last.overridden and last.override_reason == "年终考核复核"
    # And raising a fourth cadre to 优秀 is refused: the township's three places are taken
    with pytest.raises(ValidationError):
        services.grade_confirm(
            fifth, actor=staff, final_grade=rules.EXCELLENT, reason="表现突出", now=NOW
        )
    # And a township official may not confirm
    with pytest.raises(PermissionDenied):
        services.grade_confirm(first, actor=county.users.official_a, now=NOW)
    # When the rest are confirmed as proposed and the year is proposed again
    assert services.grades_confirm_as_proposed(YEAR, actor=staff, now=NOW) == 20
    assert services.grades_propose(YEAR, now=NOW) == 0
    # Then the confirmed grades are kept as they are
    assert AnnualGrade.objects.filter(year=YEAR, status="confirmed").count() == 21
    assert AnnualGrade.objects.filter(year=YEAR, grade=rules.EXCELLENT).count() == 3


def test_confirmed_excellent_grades_hold_their_places_when_proposing_again(county, township_a):
    # Given the top cadre's grade confirmed 优秀
    services.grades_propose(YEAR, now=NOW)
    services.grade_confirm(grade_of(township_a[0]), actor=county.users.county, now=NOW)
    # When new settlements lift the fifth cadre to 99 and the year is proposed again
    CadreMonth.objects.filter(cadre=township_a[4]).update(monthly_score=99)
    services.grades_propose(YEAR, now=NOW)
    # Then the fifth (now 99) and the second (97) take the two places left, not the fourth
    excellent = set(
        AnnualGrade.objects.filter(year=YEAR, grade=rules.EXCELLENT).values_list("cadre", flat=True)
    )
    assert excellent == {township_a[0].pk, township_a[4].pk, township_a[1].pk}


def test_the_command_proposes_the_years_grades(county, township_a):
    out = io.StringIO()
    call_command("propose_grades", str(YEAR), stdout=out)
    assert "21" in out.getvalue()
    assert AnnualGrade.objects.filter(year=YEAR, status="proposed").count() == 21


@pytest.mark.parametrize(
    ("mean", "grade"),
    [
        (95, "excellent"),
        (90, "excellent"),
        (89.99, "competent"),
        (75, "competent"),
        (74, "basically_competent"),
        (60, "basically_competent"),
        (59.99, "incompetent"),
    ],
)
def test_grade_bands(mean, grade):
    assert (
        rules.grade_from_score(
            Decimal(str(mean)), excellent_from=90, competent_from=75, basic_from=60
        )
        == grade
    )


@pytest.mark.parametrize(("cadres", "quota"), [(1, 0), (6, 0), (7, 1), (20, 3), (21, 3), (57, 8)])
def test_the_excellent_quota_rounds_down(cadres, quota):
    assert rules.excellent_quota(cadres, share=Decimal("0.15")) == quota


@pytest.mark.parametrize(
    ("votes", "capped"),
    [((2, 0, 1), False), ((6, 0, 4), True), ((0, 0, 0), False), ((3, 3, 3), False)],
)
def test_more_than_a_third_dissatisfied_caps(votes, capped):
    share = rules.dissatisfied_share(
        satisfied=votes[0], basically_satisfied=votes[1], dissatisfied=votes[2]
    )
    proposal = rules.propose_grade(
        mean_score=95,
        had_removal=False,
        training_days=5,
        training_minimum=5,
        dissatisfied=share,
        dissatisfied_cap=Decimal("0.3333"),
        excellent_from=90,
        competent_from=75,
        basic_from=60,
    )
    assert (proposal.grade == rules.BASICALLY_COMPETENT) is capped
