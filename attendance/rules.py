"""The county's duty rules (POLICY §4) as pure functions of plain values.

No ORM, no clock, no settings: callers pass the dates, the times and the rule values.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

HOURS = Decimal("0.01")


class AttendanceError(ValidationError):
    """Base of the duty rules' errors; the message is shown to the user as it is."""


class CalendarUnknownError(AttendanceError):
    """A date in a year whose working days nobody has entered."""

    def __init__(self, year):
        super().__init__(
            _(
                "The working-day calendar for %(year)s has not been entered; county staff "
                "must enter its holidays and make-up days."
            )
            % {"year": year},
            code="calendar_unknown",
        )
        self.year = year


class LeaveTransitionError(AttendanceError):
    """A move of a leave request's status that the transition map does not allow."""


# ---------------------------------------------------------------- working days (§4.1)


def is_working_day(day, *, overrides, library, entered_years=frozenset()):
    """Return whether `day` is a working day.

    `overrides` maps dates to the county's own answer, which always wins; `library(day)`
    answers from China's official calendar and raises NotImplementedError for a year it
    does not know. A year the county entered itself (`entered_years`) follows the plain
    week outside its overrides; any other unknown year raises CalendarUnknownError.
    """
    if day in overrides:
        return overrides[day]
    try:
        return bool(library(day))
    except NotImplementedError:
        if day.year in entered_years:
            return day.weekday() < 5
        raise CalendarUnknownError(day.year) from None


def parse_date_list(text):
    """Return the dates of a text of ISO dates separated by commas, spaces or new lines.

    A span "2027-10-01..2027-10-07" stands for every day from the first to the last.
    Raise ValueError naming the first entry that is not a date.
    """
    days = set()
    for entry in text.replace(",", " ").replace("，", " ").split():
        first, _sep, last = entry.partition("..")
        try:
            start = datetime.date.fromisoformat(first)
            end = datetime.date.fromisoformat(last) if last else start
        except ValueError:
            raise ValueError(entry) from None
        if end < start or (end - start).days > 366:
            raise ValueError(entry)
        days.update(start + datetime.timedelta(days=n) for n in range((end - start).days + 1))
    return sorted(days)


# ---------------------------------------------------------------- duty log (§4.1)


def span_minutes(time_in, time_out):
    """Return the whole minutes between sign-in and sign-out on the same day."""
    return (time_out.hour * 60 + time_out.minute) - (time_in.hour * 60 + time_in.minute)


def hours_of_minutes(minutes):
    """Return minutes as hours with two decimals (Decimal, rounded half up)."""
    return (Decimal(minutes or 0) / Decimal(60)).quantize(HOURS, rounding=ROUND_HALF_UP)


def spans_overlap(first, second):
    """Return whether two (time_in, time_out) spans share any time; an open end is day's end."""
    end_of_day = datetime.time.max
    first_in, first_out = first[0], first[1] or end_of_day
    second_in, second_out = second[0], second[1] or end_of_day
    return first_in < second_out and second_in < first_out


def duty_span_problem(*, day, time_in, time_out, now, others):
    """Return why a span may not be recorded, or None when it may.

    `now` is the local date and time of the request; `others` are the cadre's other
    spans of that day as (time_in, time_out) pairs (time_out None while signed in).
    """
    if day > now.date():
        return _("A duty log entry cannot be for a future date.")
    if day == now.date() and (time_in > now.time() or (time_out and time_out > now.time())):
        return _("A duty log entry cannot be for a future time.")
    if time_out is not None and time_out <= time_in:
        return _("The sign-out must be after the sign-in.")
    for other in others:
        if spans_overlap((time_in, time_out), other):
            return _("This time overlaps another entry of the same day.")
    return None


def duty_compliance(*, minutes, minimum_hours):
    """Return (hours, compliant) of a working day's duty against the minimum (§4.1)."""
    hours = hours_of_minutes(minutes)
    return hours, hours >= minimum_hours


# ---------------------------------------------------------------- roster (§4.2)


def roster_gap(*, planned, signed_in, day_has_passed):
    """Return whether a weekend or holiday at a village is a gap in the roster.

    Before the day: a gap when nobody is planned. Once it has passed: also when nobody
    of the village signed in.
    """
    return planned == 0 or (day_has_passed and signed_in == 0)


# ---------------------------------------------------------------- leave (§4.3)

PENDING, APPROVED, REJECTED, CANCELLED, CLOSED = (
    "pending",
    "approved",
    "rejected",
    "cancelled",
    "closed",
)

# Allowed moves of a leave request's status; any other raises LeaveTransitionError.
LEAVE_TRANSITIONS = {
    PENDING: {APPROVED, REJECTED, CANCELLED},
    APPROVED: {CANCELLED, CLOSED},
    REJECTED: set(),
    CANCELLED: set(),
    CLOSED: set(),
}


def check_leave_transition(current, new):
    """Raise LeaveTransitionError unless a leave request may move from `current` to `new`."""
    if new not in LEAVE_TRANSITIONS.get(current, set()):
        raise LeaveTransitionError(
            _("This leave request can no longer be changed that way."), code="transition"
        )


TOWNSHIP_PRINCIPAL, VILLAGE_SECRETARY = "township_principal", "village_secretary"


def leave_approver_kind(post):
    """Return who approves leave of a post: a secretary's the township principal (§4.3)."""
    return TOWNSHIP_PRINCIPAL if post == "secretary" else VILLAGE_SECRETARY


def periods_overlap(first_start, first_end, second_start, second_end):
    """Return whether two periods [start, end) share any time."""
    return first_start < second_end and second_start < first_end


# ---------------------------------------------------------------- violations (§4.4)

MONTH, QUARTER = "month", "quarter"
ADMONISHMENT, REMOVAL = "admonishment", "removal"


@dataclass(frozen=True)
class ViolationConsequence:
    """What the n-th unauthorised absence of a calendar year costs (§4.4)."""

    nth: int
    deduction_kind: str  # MONTH or QUARTER: whose performance pay the ratio applies to
    deduction_ratio: Decimal
    measure: str  # "", ADMONISHMENT or REMOVAL


def violation_consequence(nth, *, first_ratio, second_ratio, third_ratio):
    """Return the deduction and measure of the n-th violation of a cadre's year.

    1st: a share (default 30%) of that month's performance pay; 2nd: all of the month's
    and an admonishment talk; 3rd and later: all of the quarter's and removal from post.
    """
    if nth < 1:
        raise ValueError("nth starts at 1")
    if nth == 1:
        return ViolationConsequence(1, MONTH, first_ratio, "")
    if nth == 2:
        return ViolationConsequence(2, MONTH, second_ratio, ADMONISHMENT)
    return ViolationConsequence(nth, QUARTER, third_ratio, REMOVAL)


def absence_is_covered(at, leave_periods):
    """Return whether a moment falls inside one of the approved leave periods [start, end]."""
    return any(start <= at <= end for start, end in leave_periods)


def first_of_month(day):
    return day.replace(day=1)
