"""The county's pay rules (POLICY §8) as pure functions of plain values.

No ORM, no clock: callers pass the amounts, shares and rule values in force on the first
day of the payroll month. Where POLICY is silent, the portal's defaults below are county
rules (`longshan.rulebook`, seeded from 2018-08-01 by migration 0002):

- **Standard** (§8.1): the post's standard (`pay.standard.<post>`, default the bottom of
  the range: secretary 40,000, clerk 35,600, auxiliary police 40,000 CNY a year) or the
  cadre's own, within `pay.range_min.<post>`–`pay.range_max.<post>` (the police range
  has no top in POLICY: the portal's default cap is 60,000).
- **Monthly pay** (§8.2): base B = standard × `pay.base_share` (0.70) ÷ 12; nominal
  performance N = standard × (1 − base share) ÷ 12; earned performance P = N × the
  settlement's performance ratio; each deduction (§4.4 month share, third-violation
  quarter share, §5.3 measures) is P × its share, taken in that order up to the
  settlement's total share; days without pay take (B + rank pay + what is left of P) ×
  (1 − paid-day share).
- **Rounding**: every line is rounded to the fen on its own, half up
  (`pay.round_half_up`; false: half to even); totals are sums of rounded lines, so that
  a payslip, the PDF, the xlsx and the database add up to the fen.
- **Net never below zero**: when a month's lines add up to less than zero, a
  "carried to the next month" line brings it to 0 and the next payroll takes it back.
- **Insurance subsidy** (§8.4): `pay.insurance_subsidy_share` (0.5) × (own monthly
  pension contribution `pay.pension_contribution_monthly` 100 + medical
  `pay.medical_contribution_monthly` 30) = 65.00 a month; auxiliary police have social
  insurance by regulation instead and get no subsidy line.
- **Rewards** (§8.3): honours 3,000 (county) / 10,000 (prefecture) / 30,000 (provincial)
  / 50,000 (national); ten nos 10,000; first-class team 10,000 for the top
  `reward.first_class_team_share` (10%) of village teams by the mean monthly score of the
  year. `reward.performance_pay_share` (1.0) of the money goes into the performance pay
  of the team's cadres on the payroll, in equal parts (the first cadres get the odd fen).
- **Death on duty** (§8.5): one year's base pay. **Departure**: full years served ×
  `pay.departure_allowance_per_year` (1,000), from `pay.departure_allowance_min_years`
  (10) years.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FEN = Decimal("0.01")
ZERO = Decimal("0")
ONE = Decimal("1")
TWELVE = Decimal("12")


class PayError(ValidationError):
    """A pay rule refuses a value or a move; the message is shown to the user."""


def to_fen(amount, *, half_up=True):
    """Return a Decimal amount rounded to the fen: THE rounding rule of the payroll."""
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP if half_up else ROUND_HALF_EVEN)


def check_standard(amount, *, minimum, maximum):
    """Raise PayError unless an own standard is within the post's range (§8.1)."""
    if amount < minimum or amount > maximum:
        raise PayError(
            _("The standard must be between %(minimum)s and %(maximum)s yuan a year.")
            % {"minimum": minimum, "maximum": maximum},
            code="out_of_range",
        )


@dataclass(frozen=True)
class Line:
    kind: str
    amount: Decimal
    source: str = ""
    note: str = ""
    refers_to_month: datetime.date | None = None


@dataclass(frozen=True)
class SettledMonth:
    """The settlement figures of a month that pay depends on (performance.CadreMonth)."""

    performance_ratio: Decimal
    violation_month_share: Decimal
    violation_quarter_share: Decimal
    measure_share: Decimal
    deduction_share: Decimal
    paid_day_share: Decimal


def monthly_amounts(standard, *, base_share):
    """Return (base B, nominal performance N) of a month, unrounded."""
    return standard * base_share / TWELVE, standard * (ONE - base_share) / TWELVE


def pay_lines(*, standard, base_share, rank_pay, settled, half_up=True, notes=None):
    """Return the month's lines of base, rank, performance, deductions and unpaid days,
    and the performance pay paid (for a later quarter take-back, §4.4)."""
    notes = notes or {}
    base, nominal = monthly_amounts(standard, base_share=base_share)
    earned = nominal * settled.performance_ratio
    lines = [
        Line("base", to_fen(base, half_up=half_up)),
        Line("rank", to_fen(rank_pay, half_up=half_up)),
        Line("performance", to_fen(earned, half_up=half_up), source="performance.settlement"),
    ]
    left = settled.deduction_share
    taken = ZERO
    for kind, share, source in (
        ("violation_month", settled.violation_month_share, "attendance.violation"),
        ("violation_quarter", settled.violation_quarter_share, "attendance.violation"),
        ("measure", settled.measure_share, "performance.measure"),
    ):
        share = min(share, left)
        left -= share
        if share > 0:
            taken += share
            lines.append(
                Line(kind, -to_fen(earned * share, half_up=half_up), source, notes.get(kind, ""))
            )
    unpaid_share = ONE - settled.paid_day_share
    performance_left = earned * (ONE - taken)
    if unpaid_share > 0:
        unpaid = (base + rank_pay + performance_left) * unpaid_share
        lines.append(
            Line(
                "unpaid_days",
                -to_fen(unpaid, half_up=half_up),
                "performance.measure",
                notes.get("unpaid_days", ""),
            )
        )
    performance_paid = to_fen(performance_left * settled.paid_day_share, half_up=half_up)
    return [line for line in lines if line.amount or line.kind == "base"], performance_paid


def insurance_subsidy(*, post, pension, medical, share, half_up=True):
    """Return the monthly pension and medical subsidy (§8.4); none for auxiliary police."""
    if post == "auxiliary_police":
        return ZERO
    return to_fen((pension + medical) * share, half_up=half_up)


def quarter_takeback(*, quarter_share, paid, already_taken, half_up=True):
    """Return the (negative) amount to take back of an earlier month's performance pay."""
    owed = to_fen(paid * quarter_share, half_up=half_up)
    return -max(ZERO, owed - already_taken)


def split_evenly(amount, parts):
    """Split an amount into `parts` amounts to the fen that add up to it exactly."""
    if parts <= 0:
        return []
    each = (amount / parts).quantize(FEN, rounding=ROUND_DOWN)
    remainder = int((amount - each * parts) / FEN)
    return [each + FEN if index < remainder else each for index in range(parts)]


def totals(amounts):
    """Return (gross, deductions, net) of line amounts: gross the positive lines, deductions
    the negative ones (≤ 0), net their sum."""
    gross = sum((a for a in amounts if a > 0), ZERO)
    deductions = sum((a for a in amounts if a < 0), ZERO)
    return gross, deductions, gross + deductions


def close_lines(lines, *, month):
    """Return (lines, gross, deductions, net) of a payslip whose net is never below zero.

    When the lines add up to less than zero, a "carried to the next month" line brings
    the net to 0; it counts against the deductions, and the next payroll takes it back.
    """
    lines = list(lines)
    gross, deductions, net = totals([line.amount for line in lines if line.kind != "carried_out"])
    if net < 0:
        lines.append(Line("carried_out", -net, "compensation", "", month))
        deductions -= net
        net = ZERO
    return lines, gross, deductions, net


def death_on_duty_payment(standard, *, base_share, half_up=True):
    """Return the death-on-duty payment: one year's base pay (§8.5)."""
    return to_fen(standard * base_share, half_up=half_up)


def full_years(start, end):
    years = end.year - start.year
    if (end.month, end.day) < (start.month, start.day):
        years -= 1
    return max(0, years)


def departure_allowance(years_served, *, per_year, min_years):
    """Return the departure living allowance of a regular departure (§8.5)."""
    if years_served < min_years:
        return ZERO
    return to_fen(per_year * years_served)


def first_class_count(team_count, *, share):
    """Return how many teams are first-class: the top share, at least one if any team."""
    if team_count <= 0:
        return 0
    return max(1, int((Decimal(team_count) * share).to_integral_value(rounding=ROUND_DOWN)))


# Allowed moves of a payroll month (§8.2); any other raises PayError.
COMPUTED, REVIEWED, APPROVED, LOCKED = "computed", "reviewed", "approved", "locked"
PAYROLL_TRANSITIONS = {
    COMPUTED: {REVIEWED},
    REVIEWED: {APPROVED},
    APPROVED: {LOCKED},
    LOCKED: set(),
}
RERUNNABLE = {COMPUTED, REVIEWED}


def check_move(current, target):
    if target not in PAYROLL_TRANSITIONS[current]:
        raise PayError(
            _("A payroll cannot move from “%(current)s” to “%(target)s”.")
            % {"current": current, "target": target},
            code="transition",
        )
