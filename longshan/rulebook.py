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
