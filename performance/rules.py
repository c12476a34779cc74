"""The county's performance rules (POLICY §4.4, §5) as pure functions of plain values.

No ORM, no clock, no settings: callers pass the month, the scores, the counts and the
rule values (from `longshan.rulebook`, in force on the first day of the settled month).

Where POLICY is silent, the choices below are the portal's defaults, each a county rule:

- **Monthly score** (§5.1): the weighted mean of the scores of the month's dispatch
  orders that reach the cadre (an order not reported by its deadline scores 0; an order
  reported in time but not yet scored is left out, so that the township's delay never
  costs the village), less `performance.duty_day_penalty` points (default 2) for each
  working day without compliant duty found by the daily duty check (§4.1), never below
  0. A month without any order to the cadre starts from `performance.score_without_orders`
  (default 100): the cadre cannot be blamed for tasks nobody gave.
- **Performance ratio** (§5.1): the share of the month's performance pay earned, score ÷
  100; below `performance.no_pay_below_score` (default 0, i.e. never) it is 0.
- **Deductions** (§4.4, §5.3) are shares of the month's performance pay: the month
  shares of the month's violations, the quarter share of a third violation anywhere in
  the same quarter, and the shares of reminders and admonishment talks decided in the
  month (`measure.reminder_share`, `measure.admonishment_share`, default 0: POLICY names
  no amount). They add up, never beyond 1.
- **Unpaid days** (§5.3): calendar days of the month under suspension without pay, or
  after a dismissal's effective date, earn neither base nor performance pay.
- **Annual grade** (§5.2): from the mean monthly score, capped at 基本称职 by a removal,
  by too few training days (§6.1) or by more than a third 不满意 in the democratic
  evaluation; then 优秀 is held to 15% of a township's cadres, highest scores first (ties:
  the lower cadre id first, so that a proposal is reproducible).
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SCORE_PLACES = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")
SHARE_PLACES = Decimal("0.0001")
ZERO = Decimal("0")
ONE = Decimal("1")
HUNDRED = Decimal("100")


class PerformanceError(ValidationError):
    """Base of the performance rules' errors; the message is shown to the user as it is."""


# ---------------------------------------------------------------- months


def first_of_month(day):
    return day.replace(day=1)


def last_of_month(month):
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def parse_month(text):
    """Return the first day of a "YYYY-MM" month, or raise ValueError."""
    text = (text or "").strip()
    year, sep, month = text.partition("-")
    if not sep or len(year) != 4 or not (1 <= len(month) <= 2):
        raise ValueError(text)
    return datetime.date(int(year), int(month), 1)


def previous_month(day):
    """Return the first day of the month before the one of `day`."""
    return (first_of_month(day) - datetime.timedelta(days=1)).replace(day=1)


def quarter_months(month):
    """Return the first days of the three months of the quarter of `month`."""
    first = (month.month - 1) // 3 * 3 + 1
    return [datetime.date(month.year, first + n, 1) for n in range(3)]


def days_in_month(month):
    return calendar.monthrange(month.year, month.month)[1]


def days_within(month, start, end):
    """Return the set of days of `month` from start to end (end None: open-ended)."""
    first, last = month, last_of_month(month)
    start = max(start, first)
    end = min(end or last, last)
    if end < start:
        return set()
    return {start + datetime.timedelta(days=n) for n in range((end - start).days + 1)}


# ---------------------------------------------------------------- dispatch orders (§5.1)

OPEN, REPORTED, SCORED = "open", "reported", "scored"

# Allowed moves of an assignment's status: a report may be corrected until it is scored;
# a score may be corrected while the month is open.
ASSIGNMENT_TRANSITIONS = {
    OPEN: {REPORTED},
    REPORTED: {REPORTED, SCORED},
    SCORED: {SCORED},
}


def check_assignment_transition(current, new):
    if new not in ASSIGNMENT_TRANSITIONS.get(current, set()):
        raise PerformanceError(
            _("This dispatch order can no longer be changed that way."), code="transition"
        )


def reported_on_time(*, reported_on, deadline):
    """Return whether a report made on `reported_on` meets the deadline (the whole day)."""
    return reported_on <= deadline


def is_late(*, status, deadline, today):
    """Return whether an assignment is late: still open after its deadline's day."""
    return status == OPEN and today > deadline


def effective_order_score(*, score, on_time):
    """Return the score an order counts with: 0 unless reported by its deadline (§5.1)."""
    if not on_time:
        return ZERO
    return None if score is None else Decimal(score)


def validate_score(score):
    score = Decimal(score)
    if not (ZERO <= score <= HUNDRED):
        raise PerformanceError(_("A score is from 0 to 100."), code="score")
    return score.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class DispatchResult:
    orders: int  # orders reaching the cadre in the month
    counted: int  # of which counted in the mean (scored, or late and so 0)
    late: int  # not reported by the deadline
    unscored: int  # reported in time, waiting for the township's score
    weight: Decimal  # sum of the counted orders' weights
    score: Decimal  # the weighted mean, or the no-order default


def dispatch_score(orders, *, score_without_orders):
    """Return the weighted mean of a cadre's month of orders (§5.1).

    `orders` are (weight, score or None, on_time) triples. A late order counts as 0; an
    unscored order reported in time is left out; no counted order gives the default.
    """
    total_weight = ZERO
    weighted = ZERO
    late = unscored = counted = 0
    for weight, score, on_time in orders:
        effective = effective_order_score(score=score, on_time=on_time)
        if not on_time:
            late += 1
        if effective is None:
            unscored += 1
            continue
        counted += 1
        total_weight += Decimal(weight)
        weighted += Decimal(weight) * effective
    if counted == 0 or total_weight == 0:
        mean = Decimal(score_without_orders)
    else:
        mean = weighted / total_weight
    return DispatchResult(
        orders=len(orders),
        counted=counted,
        late=late,
        unscored=unscored,
        weight=total_weight,
        score=mean.quantize(SCORE_PLACES, rounding=ROUND_HALF_UP),
    )


def monthly_score(*, dispatch, noncompliant_days, penalty_per_day):
    """Return the month's score: dispatch score less the duty penalty, never below 0."""
    score = Decimal(dispatch) - Decimal(noncompliant_days) * Decimal(penalty_per_day)
    return max(ZERO, score).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def performance_ratio(score, *, no_pay_below):
    """Return the share of the month's performance pay the score earns (score ÷ 100)."""
    score = Decimal(score)
    if score < Decimal(no_pay_below):
        return ZERO.quantize(RATIO_PLACES)
    return min(ONE, score / HUNDRED).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def deduction_share(*, violation_month, violation_quarter, measures):
    """Return the share of the month's performance pay deducted (§4.4, §5.3), at most 1."""
    total = Decimal(violation_month) + Decimal(violation_quarter) + Decimal(measures)
    return min(ONE, total).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


def paid_day_share(*, days, unpaid_days):
    """Return the share of the month's days that earn pay (§5.3 suspension, dismissal)."""
    return (Decimal(days - unpaid_days) / Decimal(days)).quantize(
        SHARE_PLACES, rounding=ROUND_HALF_UP
    )


def payable_performance_ratio(*, ratio, deduction, paid_days):
    """Return the share of the nominal monthly performance pay finally payable."""
    return (Decimal(ratio) * (ONE - Decimal(deduction)) * Decimal(paid_days)).quantize(
        RATIO_PLACES, rounding=ROUND_HALF_UP
    )


# ---------------------------------------------------------------- measures (§5.3)

REMINDER, ADMONISHMENT, SUSPENSION, DISMISSAL = (
    "reminder",
    "admonishment",
    "suspension",
    "dismissal",
)


def measure_problems(*, kind, starts_on, ends_on, reason):
    """Return {field: message} of what is wrong with a measure's facts."""
    problems = {}
    if not (reason or "").strip():
        problems["reason"] = _("Give the reason for the measure.")
    if kind == SUSPENSION:
        if starts_on is None or ends_on is None:
            problems["ends_on"] = _("A suspension has a first and a last day.")
        elif ends_on < starts_on:
            problems["ends_on"] = _("The last day cannot be before the first day.")
    elif kind != DISMISSAL and ends_on is not None:
        problems["ends_on"] = _("Only a suspension has a last day.")
    return problems


# ---------------------------------------------------------------- annual grade (§5.2)

EXCELLENT = "excellent"
COMPETENT = "competent"
BASICALLY_COMPETENT = "basically_competent"
INCOMPETENT = "incompetent"
GRADES = (EXCELLENT, COMPETENT, BASICALLY_COMPETENT, INCOMPETENT)

CAP_REMOVAL = "removal"
CAP_TRAINING = "training"
CAP_EVALUATION = "evaluation"
CAP_QUOTA = "excellent_quota"


def grade_from_score(mean, *, excellent_from, competent_from, basic_from):
    """Return the grade a mean monthly score earns: ≥90 优秀, ≥75 称职, ≥60 基本称职."""
    mean = Decimal(mean)
    if mean >= Decimal(excellent_from):
        return EXCELLENT
    if mean >= Decimal(competent_from):
        return COMPETENT
    if mean >= Decimal(basic_from):
        return BASICALLY_COMPETENT
    return INCOMPETENT


def cap_grade(grade, cap=BASICALLY_COMPETENT):
    """Return the grade no better than `cap`."""
    return grade if GRADES.index(grade) >= GRADES.index(cap) else cap


def dissatisfied_share(*, satisfied, basically_satisfied, dissatisfied):
    """Return the share rated 不满意, to four places (None without any vote)."""
    total = satisfied + basically_satisfied + dissatisfied
    if total == 0:
        return None
    return (Decimal(dissatisfied) / Decimal(total)).quantize(SHARE_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class GradeProposal:
    grade: str
    by_score: str
    caps: tuple


def propose_grade(
    *,
    mean_score,
    had_removal,
    training_days,
    training_minimum,
    dissatisfied,
    dissatisfied_cap,
    excellent_from,
    competent_from,
    basic_from,
):
    """Return the grade proposed for a cadre's year before the township quota (§5.2)."""
    by_score = grade_from_score(
        mean_score,
        excellent_from=excellent_from,
        competent_from=competent_from,
        basic_from=basic_from,
    )
    grade, caps = by_score, []
    if had_removal:
        caps.append(CAP_REMOVAL)
    if Decimal(training_days) < Decimal(training_minimum):
        caps.append(CAP_TRAINING)
    if dissatisfied is not None and Decimal(dissatisfied) > Decimal(dissatisfied_cap):
        caps.append(CAP_EVALUATION)
    if caps:
        grade = cap_grade(grade)
    return GradeProposal(grade=grade, by_score=by_score, caps=tuple(caps))


def excellent_quota(cadres, *, share):
    """Return how many cadres of a township may be 优秀: at most `share`, rounded down."""
    return int((Decimal(cadres) * Decimal(share)).to_integral_value(rounding=ROUND_FLOOR))


def apply_excellent_quota(candidates, *, quota, taken=0):
    """Return the ids that keep 优秀 among (id, mean score) candidates of one township.

    Highest mean first, ties by the lower id; `taken` places are already held (confirmed).
    """
    ranked = sorted(candidates, key=lambda pair: (-Decimal(pair[1]), pair[0]))
    free = max(0, quota - taken)
    return {cadre_id for cadre_id, _mean in ranked[:free]}


def mean_score(scores):
    scores = [Decimal(score) for score in scores]
    if not scores:
        return None
    return (sum(scores) / Decimal(len(scores))).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------- report attachments (§5.1)

# What a village may attach to a report: documents and photos, recognised by their first
# bytes as well as by their name, so that a renamed program is refused.
ATTACHMENT_SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
}


def attachment_problem(*, name, size, head, max_bytes):
    """Return why an attachment is refused (type by name and first bytes, size), or None."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_SIGNATURES:
        return _("Attach a PDF, JPG, PNG, DOCX or XLSX file.")
    if not any(head.startswith(signature) for signature in ATTACHMENT_SIGNATURES[extension]):
        return _("The file's content is not what its name says.")
    if size > max_bytes:
        return _("The file is larger than %(mb)s MB.") % {"mb": max_bytes // (1024 * 1024)}
    if size == 0:
        return _("The file is empty.")
    return None
