"""County rules whose values change over time, and how to read the value in force on a date.

Each rule is declared here with its type and bounds; its values live in `RuleValue`
rows, the first of them seeded by a data migration. Code asks for the value in force on a
date (`rule_value`), or loads a `RuleBook` once for a job that needs many dates.
"""

import bisect
import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _


class RuleError(Exception):
    """Base of the errors of effective-dated rules."""


class UnknownRuleError(RuleError):
    pass


class RuleNotInForceError(RuleError):
    pass


class RuleValueError(RuleError):
    pass


@dataclass(frozen=True)
class RuleDefinition:
    key: str
    label: str
    policy: str
    kind: type  # int, Decimal or bool
    minimum: object = None
    maximum: object = None
    unit: str = ""

    def parse(self, text):
        """Return the typed value of a stored or entered text, or raise RuleValueError."""
        text = str(text).strip()
        try:
            if self.kind is bool:
                if text.lower() not in {"true", "false", "1", "0"}:
                    raise ValueError(text)
                value = text.lower() in {"true", "1"}
            elif self.kind is int:
                value = int(text)
            else:
                value = Decimal(text)
                if not value.is_finite():
                    raise ValueError(text)
        except (ValueError, InvalidOperation):
            raise RuleValueError(
                _("“%(value)s” is not a valid value for this rule.") % {"value": text}
            ) from None
        if self.minimum is not None and value < self.minimum:
            raise RuleValueError(
                _("The value may not be below %(minimum)s.") % {"minimum": self.minimum}
            )
        if self.maximum is not None and value > self.maximum:
            raise RuleValueError(
                _("The value may not be above %(maximum)s.") % {"maximum": self.maximum}
            )
        return value

    def format(self, value):
        if self.kind is bool:
            return "true" if value else "false"
        return str(value)


DUTY_HOURS_VILLAGE = "duty.min_hours.village"
DUTY_HOURS_COMMUNITY = "duty.min_hours.community"
QUOTA_EXTRA_POLICE_POPULATION = "quota.extra_police_from_population"
TRAINING_MIN_DAYS_PER_YEAR = "training.min_days_per_year"
DUTY_SELF_SIGN_IN = "duty.self_sign_in"
VIOLATION_FIRST_DEDUCTION_RATIO = "violation.first_deduction_ratio"
VIOLATION_SECOND_DEDUCTION_RATIO = "violation.second_deduction_ratio"
VIOLATION_THIRD_DEDUCTION_RATIO = "violation.third_deduction_ratio"
# Selection (POLICY §3.1) and the quota table's area column (§2.3): cadres app.
SELECTION_SECRETARY_NEW_MAX_AGE = "selection.secretary_new_max_age"
SELECTION_SECRETARY_REAPPOINTED_MAX_AGE = "selection.secretary_reappointed_max_age"
SELECTION_SECRETARY_MIN_PARTY_YEARS = "selection.secretary_min_party_years"
SELECTION_CLERK_MAX_AGE = "selection.clerk_max_age"
SELECTION_CLERK_EXCEPTIONAL_MAX_AGE = "selection.clerk_exceptional_max_age"
SELECTION_CLERK_MIN_EDUCATION = "selection.clerk_min_education"
SELECTION_POLICE_MAX_AGE = "selection.police_max_age"
SELECTION_POLICE_MIN_EDUCATION = "selection.police_min_education"
QUOTA_EXTRA_POLICE_AREA = "quota.extra_police_from_area_km2"

RULES = {
    rule.key: rule
    for rule in [
        RuleDefinition(
            DUTY_HOURS_VILLAGE,
            _("Minimum daily duty hours in a village"),
            "§4.1",
            Decimal,
            Decimal("0"),
            Decimal("24"),
            _("hours"),
        ),
        RuleDefinition(
            DUTY_HOURS_COMMUNITY,
            _("Minimum daily duty hours in a community"),
            "§4.1",
            Decimal,
            Decimal("0"),
            Decimal("24"),
            _("hours"),
        ),
        RuleDefinition(
            QUOTA_EXTRA_POLICE_POPULATION,
            _("Population from which a village has a second auxiliary police post"),
            "§2.3",
            int,
            1,
            1_000_000,
            _("people"),
        ),
        RuleDefinition(
            TRAINING_MIN_DAYS_PER_YEAR,
            _("Minimum days of training at county level or above a year"),
            "§6.1",
            Decimal,
            Decimal("0"),
            Decimal("365"),
            _("days"),
        ),
        RuleDefinition(
            DUTY_SELF_SIGN_IN,
            _("Cadres sign themselves in and out of duty"),
            "§4.1",
            bool,
        ),
        RuleDefinition(
            VIOLATION_FIRST_DEDUCTION_RATIO,
            _("Share of the month's performance pay deducted for a first violation"),
            "§4.4",
            Decimal,
            Decimal("0"),
            Decimal("1"),
        ),
        RuleDefinition(
            VIOLATION_SECOND_DEDUCTION_RATIO,
            _("Share of the month's performance pay deducted for a second violation"),
            "§4.4",
            Decimal,
            Decimal("0"),
            Decimal("1"),
        ),
        RuleDefinition(
            VIOLATION_THIRD_DEDUCTION_RATIO,
            _("Share of the quarter's performance pay deducted for a third violation"),
            "§4.4",
            Decimal,
            Decimal("0"),
            Decimal("1"),
        ),
        # ---- selection (cadres app, POLICY §3.1) and the quota's area column (§2.3)
        RuleDefinition(
            SELECTION_SECRETARY_NEW_MAX_AGE,
            _("Highest age of a newly appointed party secretary"),
            "§3.1",
            int,
            18,
            80,
            _("years"),
        ),
        RuleDefinition(
            SELECTION_SECRETARY_REAPPOINTED_MAX_AGE,
            _("Highest age of a re-appointed party secretary"),
            "§3.1",
            int,
            18,
            80,
            _("years"),
        ),
        RuleDefinition(
            SELECTION_SECRETARY_MIN_PARTY_YEARS,
            _("Fewest years of Party membership of a party secretary"),
            "§3.1",
            int,
            0,
            30,
            _("years"),
        ),
        RuleDefinition(
            SELECTION_CLERK_MAX_AGE,
            _("Highest age of a clerk"),
            "§3.1",
            int,
            18,
            80,
            _("years"),
        ),
        RuleDefinition(
            SELECTION_CLERK_EXCEPTIONAL_MAX_AGE,
            _("Highest age of a clerk judged exceptional, with an approved reason"),
            "§3.1",
            int,
            18,
            80,
            _("years"),
        ),
        RuleDefinition(
            SELECTION_CLERK_MIN_EDUCATION,
            _("Lowest education of a clerk, as a rule (2 senior high, 3 college, 4 bachelor)"),
            "§3.1",
            int,
            1,
            5,
        ),
        RuleDefinition(
            SELECTION_POLICE_MAX_AGE,
            _("Highest age of an auxiliary police officer, as a rule"),
            "§3.1",
            int,
            18,
            80,
            _("years"),
        ),
        RuleDefinition(
            SELECTION_POLICE_MIN_EDUCATION,
            _("Lowest education of an auxiliary police officer (2 senior high, 3 college)"),
            "§3.1",
            int,
            1,
            5,
        ),
        RuleDefinition(
            QUOTA_EXTRA_POLICE_AREA,
            _("Area from which a village has a second auxiliary police post"),
            "§2.3",
            Decimal,
            Decimal("1"),
            Decimal("100000"),
            _("km²"),
        ),
    ]
}

# ---------------------------------------------------------------- performance (POLICY §5)
# Seeded by performance/migrations/0002_seed_rule_values.py; formulas in performance/rules.py.
PERFORMANCE_SCORE_WITHOUT_ORDERS = "performance.score_without_orders"
PERFORMANCE_DUTY_DAY_PENALTY = "performance.duty_day_penalty"
PERFORMANCE_NO_PAY_BELOW_SCORE = "performance.no_pay_below_score"
MEASURE_REMINDER_SHARE = "measure.reminder_share"
MEASURE_ADMONISHMENT_SHARE = "measure.admonishment_share"
ASSESSMENT_EXCELLENT_FROM = "assessment.excellent_from"
ASSESSMENT_COMPETENT_FROM = "assessment.competent_from"
ASSESSMENT_BASIC_FROM = "assessment.basically_competent_from"
ASSESSMENT_EXCELLENT_QUOTA = "assessment.excellent_quota_share"
ASSESSMENT_DISSATISFIED_CAP = "assessment.dissatisfied_cap_share"


def _performance_rule(key, label, policy, low, high, unit=""):
    return RuleDefinition(key, label, policy, Decimal, Decimal(low), Decimal(high), unit)


RULES.update(
    (rule.key, rule)
    for rule in [
        _performance_rule(
            PERFORMANCE_SCORE_WITHOUT_ORDERS,
            _("Dispatch score of a month without any order to the cadre"),
            "§5.1",
            "0",
            "100",
            _("points"),
        ),
        _performance_rule(
            PERFORMANCE_DUTY_DAY_PENALTY,
            _("Points off the monthly score for each working day without compliant duty"),
            "§5.1",
            "0",
            "100",
            _("points"),
        ),
        _performance_rule(
            PERFORMANCE_NO_PAY_BELOW_SCORE,
            _("Monthly score below which no performance pay is earned"),
            "§5.1",
            "0",
            "100",
            _("points"),
        ),
        _performance_rule(
            MEASURE_REMINDER_SHARE,
            _("Share of the month's performance pay deducted for a reminder to rectify"),
            "§5.3",
            "0",
            "1",
        ),
        _performance_rule(
            MEASURE_ADMONISHMENT_SHARE,
            _("Share of the month's performance pay deducted for an admonishment talk"),
            "§5.3",
            "0",
            "1",
        ),
        _performance_rule(
            ASSESSMENT_EXCELLENT_FROM,
            _("Mean monthly score from which the annual grade is excellent"),
            "§5.2",
            "0",
            "100",
            _("points"),
        ),
        _performance_rule(
            ASSESSMENT_COMPETENT_FROM,
            _("Mean monthly score from which the annual grade is competent"),
            "§5.2",
            "0",
            "100",
            _("points"),
        ),
        _performance_rule(
            ASSESSMENT_BASIC_FROM,
            _("Mean monthly score from which the annual grade is basically competent"),
            "§5.2",
            "0",
            "100",
            _("points"),
        ),
        _performance_rule(
            ASSESSMENT_EXCELLENT_QUOTA,
            _("Largest share of a township's cadres graded excellent"),
            "§5.2",
            "0",
            "1",
        ),
        _performance_rule(
            ASSESSMENT_DISSATISFIED_CAP,
            _("Share of dissatisfied votes above which the grade is capped"),
            "§5.2",
            "0",
            "1",
        ),
    ]
)

# ---------------------------------------------------------------- ranks (POLICY §7)
# Seeded by ranks/migrations/0002_seed_rule_values.py; formulas in ranks/rules.py.
RANK_PAY_PER_LEVEL = "rank.pay_per_level"
RANK_INITIAL_LEVEL = "rank.initial_level"
RANK_SERVICE_YEARS_PER_LEVEL = "rank.service_years_per_level"
RANK_HIGHEST_INITIAL_LEVEL = "rank.highest_initial_level"
RANK_EXCELLENT_MOVE = "rank.excellent_move"
RANK_COMPETENT_YEARS_FOR_MOVE = "rank.competent_years_for_move"
RANK_BASICALLY_COMPETENT_MOVE = "rank.basically_competent_move"
RANK_INCOMPETENT_MOVE = "rank.incompetent_move"

RULES.update(
    (rule.key, rule)
    for rule in [
        RuleDefinition(
            RANK_PAY_PER_LEVEL,
            _("Monthly rank pay for each level above level 10"),
            "§7.3",
            Decimal,
            Decimal("0"),
            Decimal("10000"),
            _("yuan"),
        ),
        RuleDefinition(
            RANK_INITIAL_LEVEL, _("Level of a new cadre with no full years"), "§7.3", int, 1, 10
        ),
        RuleDefinition(
            RANK_SERVICE_YEARS_PER_LEVEL,
            _("Full years of service for each level up at first placement"),
            "§7.3",
            int,
            1,
            50,
            _("years"),
        ),
        RuleDefinition(
            RANK_HIGHEST_INITIAL_LEVEL,
            _("Highest level at first placement"),
            "§7.3",
            int,
            1,
            10,
        ),
        RuleDefinition(
            RANK_EXCELLENT_MOVE,
            _("Levels up for an excellent year (negative: down)"),
            "§7.2",
            int,
            -1,
            1,
        ),
        RuleDefinition(
            RANK_COMPETENT_YEARS_FOR_MOVE,
            _("Consecutive years at competent or better at the current level for one level up"),
            "§7.2",
            int,
            1,
            10,
            _("years"),
        ),
        RuleDefinition(
            RANK_BASICALLY_COMPETENT_MOVE,
            _("Levels up for a basically competent year (negative: down)"),
            "§7.2",
            int,
            -1,
            1,
        ),
        RuleDefinition(
            RANK_INCOMPETENT_MOVE,
            _("Levels up for an incompetent year (negative: down)"),
            "§7.2",
            int,
            -1,
            1,
        ),
    ]
)


# ---------------------------------------------------------------- compensation (POLICY §8)
# Seeded by compensation/migrations/0002_seed_rule_values.py; formulas in compensation/rules.py.
PAY_STANDARD_PREFIX = "pay.standard."  # + post: the post's annual standard (§8.1)
PAY_RANGE_MIN_PREFIX = "pay.range_min."  # + post: lowest own standard
PAY_RANGE_MAX_PREFIX = "pay.range_max."  # + post: highest own standard
PAY_POSTS = ("secretary", "clerk", "auxiliary_police")
PAY_BASE_SHARE = "pay.base_share"
PAY_ROUND_HALF_UP = "pay.round_half_up"
PAY_PENSION_CONTRIBUTION = "pay.pension_contribution_monthly"
PAY_MEDICAL_CONTRIBUTION = "pay.medical_contribution_monthly"
PAY_INSURANCE_SUBSIDY_SHARE = "pay.insurance_subsidy_share"
PAY_ACCIDENT_PREMIUM = "pay.accident_insurance_premium"
PAY_CHECKUP_AMOUNT = "pay.checkup_amount"
PAY_DEPARTURE_PER_YEAR = "pay.departure_allowance_per_year"
PAY_DEPARTURE_MIN_YEARS = "pay.departure_allowance_min_years"
PAY_COLLECTIVE_SHARE_ON = "pay.collective_share_on"
REWARD_HONOUR_PREFIX = "reward.honour."  # + level: national, provincial, prefecture, county
REWARD_HONOUR_LEVELS = ("national", "provincial", "prefecture", "county")
REWARD_TEN_NOS = "reward.ten_nos"
REWARD_FIRST_CLASS = "reward.first_class"
REWARD_FIRST_CLASS_SHARE = "reward.first_class_team_share"
REWARD_PERFORMANCE_SHARE = "reward.performance_pay_share"


def _pay_rule(key, label, low, high, unit=""):
    return RuleDefinition(key, label, "§8", Decimal, Decimal(low), Decimal(high), unit)


RULES.update(
    (rule.key, rule)
    for rule in [
        *[
            _pay_rule(prefix + post, label % {"post": post}, "0", "1000000", _("yuan"))
            for post in PAY_POSTS
            for prefix, label in (
                (PAY_STANDARD_PREFIX, _("Annual pay standard of the post %(post)s")),
                (PAY_RANGE_MIN_PREFIX, _("Lowest annual pay standard of the post %(post)s")),
                (PAY_RANGE_MAX_PREFIX, _("Highest annual pay standard of the post %(post)s")),
            )
        ],
        _pay_rule(PAY_BASE_SHARE, _("Share of the annual standard paid as base pay"), "0", "1"),
        RuleDefinition(
            PAY_ROUND_HALF_UP,
            _("Round pay lines half up to the fen (otherwise half to even)"),
            "§8.2",
            bool,
        ),
        _pay_rule(
            PAY_PENSION_CONTRIBUTION,
            _("A cadre's own monthly rural pension contribution"),
            "0",
            "10000",
            _("yuan"),
        ),
        _pay_rule(
            PAY_MEDICAL_CONTRIBUTION,
            _("A cadre's own monthly co-operative medical contribution"),
            "0",
            "10000",
            _("yuan"),
        ),
        _pay_rule(
            PAY_INSURANCE_SUBSIDY_SHARE,
            _("Share of the pension and medical contributions the county pays"),
            "0",
            "1",
        ),
        _pay_rule(
            PAY_ACCIDENT_PREMIUM,
            _("Yearly accident insurance premium per cadre"),
            "0",
            "100000",
            _("yuan"),
        ),
        _pay_rule(
            PAY_CHECKUP_AMOUNT, _("Cost of the yearly health check-up"), "0", "100000", _("yuan")
        ),
        _pay_rule(
            PAY_DEPARTURE_PER_YEAR,
            _("Departure living allowance for each full year served"),
            "0",
            "100000",
            _("yuan"),
        ),
        RuleDefinition(
            PAY_DEPARTURE_MIN_YEARS,
            _("Fewest full years served for a departure living allowance"),
            "§8.5",
            int,
            0,
            60,
            _("years"),
        ),
        RuleDefinition(
            PAY_COLLECTIVE_SHARE_ON,
            _("Pay the village collective-economy share as a pay line"),
            "§8.6",
            bool,
        ),
        *[
            _pay_rule(
                REWARD_HONOUR_PREFIX + level,
                _("Team reward for an honour of the level %(level)s") % {"level": level},
                "0",
                "1000000",
                _("yuan"),
            )
            for level in REWARD_HONOUR_LEVELS
        ],
        _pay_rule(REWARD_TEN_NOS, _("Team reward for the ten-nos target"), "0", "1000000"),
        _pay_rule(REWARD_FIRST_CLASS, _("Team reward of a first-class team"), "0", "1000000"),
        _pay_rule(
            REWARD_FIRST_CLASS_SHARE,
            _("Share of the village teams rated first-class each year"),
            "0",
            "1",
        ),
        _pay_rule(
            REWARD_PERFORMANCE_SHARE,
            _("Share of team reward money paid into the cadres' performance pay"),
            "0",
            "1",
        ),
    ]
)


# ---------------------------------------------------------------- dashboards (POLICY §9)
# Seeded by dashboards/migrations/0001_seed_public_ranking.py: off by default.
DASHBOARD_PUBLIC_RANKING = "dashboards.public_ranking"

RULES[DASHBOARD_PUBLIC_RANKING] = RuleDefinition(
    DASHBOARD_PUBLIC_RANKING,
    _("Dashboards rank villages and cadres by their monthly score"),
    "§9",
    bool,
)


def definition(key):
    try:
        return RULES[key]
    except KeyError:
        raise UnknownRuleError(key) from None


class RuleBook:
    """The values of some rules over time, loaded in one query, read for any date."""

    def __init__(self, rows):
        self._timelines = {}
        for key, effective_from, text in sorted(rows):
            dates, values = self._timelines.setdefault(key, ([], []))
            dates.append(effective_from)
            values.append(definition(key).parse(text))

    @classmethod
    def load(cls, keys=None):
        from .models import RuleValue

        rows = RuleValue.objects.all()
        if keys is not None:
            rows = rows.filter(key__in=list(keys))
        return cls(rows.values_list("key", "effective_from", "value"))

    def value(self, key, on):
        """Return the value of `key` in force on the date `on`."""
        definition(key)
        dates, values = self._timelines.get(key, ([], []))
        index = bisect.bisect_right(dates, on) - 1
        if index < 0:
            raise RuleNotInForceError(
                _("No value of the rule “%(rule)s” is in force on %(date)s.")
                % {"rule": key, "date": on.isoformat()}
            )
        return values[index]


def rule_value(key, on):
    """Return the value of one rule in force on a date (one query)."""
    if not isinstance(on, datetime.date):
        raise TypeError("on must be a date")
    return RuleBook.load([key]).value(key, on)
