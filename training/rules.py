"""The county's training rules (POLICY §5.2, §6) as pure functions of plain values.

No ORM, no clock, no settings: callers pass the year, the days and the rule values.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from cadres import rules as cadre_rules

COUNTY_OR_ABOVE = "county_or_above"
BELOW_COUNTY = "below_county"
ONE_DECIMAL = Decimal("0.1")
ZERO = Decimal("0.0")

# Annual assessment grades (POLICY §5.2), best first: 优秀, 称职, 基本称职, 不称职.
EXCELLENT = "excellent"
COMPETENT = "competent"
BASICALLY_COMPETENT = "basically_competent"
INCOMPETENT = "incompetent"
GRADES = (EXCELLENT, COMPETENT, BASICALLY_COMPETENT, INCOMPETENT)


class DaysError(ValueError):
    """A number of days that cannot be right; `message` says why, for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def counts_toward_requirement(*, level):
    """Return whether days at an event of this level count toward §6.1's yearly minimum.

    Only events held at county level or above count, whatever their type: a study tour
    (§6.2) counts when the county holds it, a township's own session never does.
    """
    return level == COUNTY_OR_ABOVE


def requirement_date(year):
    """Return the date whose rules judge a year's training: its 31 December."""
    return datetime.date(year, 12, 31)


def year_bounds(year):
    """Return the first and last day of a calendar year."""
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def meets_training_requirement(days, *, minimum):
    """Return whether a year's counting days reach the minimum (§6.1: 5 days by default)."""
    return Decimal(days) >= Decimal(minimum)


def training_shortfall(days, *, minimum):
    """Return the days still missing to reach the minimum, never below zero."""
    return max(ZERO, Decimal(minimum) - Decimal(days)).quantize(ONE_DECIMAL)


def cap_grade_for_training(grade, *, days, minimum):
    """Return the annual grade after §5.2's training cap.

    Fewer training days than §6.1 asks caps the grade at 基本称职 (basically competent):
    优秀 and 称职 become 基本称职; 基本称职 and 不称职 stay as they are.
    """
    if grade not in GRADES:
        raise ValueError(f"unknown grade {grade!r}; expected one of {', '.join(GRADES)}")
    if meets_training_requirement(days, minimum=minimum):
        return grade
    if GRADES.index(grade) < GRADES.index(BASICALLY_COMPETENT):
        return BASICALLY_COMPETENT
    return grade


def parse_days(value):
    """Return a number of days as a Decimal with one decimal place, or raise DaysError.

    Accepts what a form or a spreadsheet gives: text, an int, a float (Excel's 0.5).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DaysError(_("Enter the days attended."))
    text = str(value).strip()
    try:
        days = Decimal(text)
    except InvalidOperation:
        raise DaysError(_("“%(value)s” is not a number of days.") % {"value": text}) from None
    if not days.is_finite():
        raise DaysError(_("“%(value)s” is not a number of days.") % {"value": text})
    if days != days.quantize(ONE_DECIMAL):
        raise DaysError(_("Days have at most one decimal place (a half day is 0.5)."))
    return days.quantize(ONE_DECIMAL)


def attendance_days_problem(days, *, event_days):
    """Return why days attended cannot be recorded for an event of `event_days`, or None."""
    if days <= 0:
        return _("Days attended must be more than zero.")
    if days > event_days:
        return _("%(days)s days is more than the event's %(event_days)s days.") % {
            "days": days,
            "event_days": event_days,
        }
    return None


def event_problems(*, level, has_township, start_date, end_date, days):
    """Return {field: message} of what is wrong with a training event's facts."""
    problems = {}
    if level == BELOW_COUNTY and not has_township:
        problems["township"] = _("A session below county level names the township holding it.")
    if level == COUNTY_OR_ABOVE and has_township:
        problems["township"] = _("An event at county level or above has no township.")
    if start_date and end_date:
        if end_date < start_date:
            problems["end_date"] = _("The last day cannot be before the first day.")
        elif end_date.year != start_date.year:
            # Days count toward one year's minimum, so an event stays within a year.
            problems["end_date"] = _("An event starts and ends in the same calendar year.")
    if days is not None:
        if days <= 0:
            problems["days"] = _("An event lasts more than zero days.")
        elif days != days.quantize(ONE_DECIMAL):
            problems["days"] = _("Days have at most one decimal place (a half day is 0.5).")
        elif start_date and end_date and end_date >= start_date:
            calendar_days = (end_date - start_date).days + 1
            if days > calendar_days:
                problems["days"] = _(
                    "%(days)s days do not fit between the first and last day (%(calendar)s)."
                ) % {"days": days, "calendar": calendar_days}
    return problems


# ---------------------------------------------------------------- attendance sheets


@dataclass(frozen=True)
class SheetRow:
    """One data row of an attendance sheet as read from the file."""

    row_number: int  # as the spreadsheet numbers it: the header is row 1
    id_number: str
    name: str
    days: object  # text or number as read; parsed by check_attendance_sheet


@dataclass(frozen=True)
class RosterEntry:
    """What the roster says about an ID number, for the importing user."""

    cadre_id: int
    name: str
    in_scope: bool


@dataclass(frozen=True)
class CheckedRow:
    row_number: int
    id_number: str
    name: str
    days_text: str
    days: Decimal | None = None
    cadre_id: int | None = None
    previous_days: Decimal | None = None
    errors: tuple = field(default_factory=tuple)  # messages for the user
    codes: tuple = field(default_factory=tuple)  # one stable code per message

    @property
    def ok(self):
        return not self.errors

    @property
    def change(self):
        """Return "new", "changed" or "unchanged" for a good row."""
        if self.previous_days is None:
            return "new"
        return "unchanged" if self.previous_days == self.days else "changed"


def _normalised_id(id_number):
    return str(id_number or "").strip().upper()


def normalised_name(name):
    """Return a name without any whitespace: "张 三" in a sheet is the roster's "张三"."""
    return "".join(str(name or "").split())


def check_attendance_sheet(rows, *, roster, event_days, recorded):
    """Return every row of a sheet checked, each with its errors (none for a good row).

    `roster` maps a resident ID number to its RosterEntry, `recorded` a cadre id to the
    days already recorded for this event. A file is saved only if no row has an error.
    """
    first_row_of = {}
    checked = []
    for row in rows:
        errors = []
        id_number = _normalised_id(row.id_number)
        name = normalised_name(row.name)
        entry = None
        if not id_number:
            errors.append(("id_missing", _("Enter the resident ID number.")))
        else:
            try:
                cadre_rules.parse_resident_id(id_number)
            except cadre_rules.ResidentIdError as error:
                errors.append(("id_invalid", error.message))
            else:
                entry = roster.get(id_number)
                if entry is None:
                    errors.append(
                        ("id_unknown", _("No cadre on the roster has this resident ID number."))
                    )
                elif not entry.in_scope:
                    errors.append(("out_of_scope", _("This cadre is outside your scope.")))
                    entry = None
                elif not name:
                    errors.append(("name_missing", _("Enter the name.")))
                elif name != normalised_name(entry.name):
                    errors.append(
                        (
                            "name_mismatch",
                            _("The name does not match the roster, which has %(name)s.")
                            % {"name": entry.name},
                        )
                    )
            if id_number in first_row_of:
                errors.append(
                    (
                        "duplicate",
                        _("This ID number is already on row %(row)s.")
                        % {"row": first_row_of[id_number]},
                    )
                )
            else:
                first_row_of[id_number] = row.row_number
        days = None
        try:
            days = parse_days(row.days)
        except DaysError as error:
            errors.append(("days_invalid", error.message))
        else:
            problem = attendance_days_problem(days, event_days=event_days)
            if problem:
                code = "days_not_positive" if days <= 0 else "days_over_event"
                errors.append((code, problem))
        cadre_id = entry.cadre_id if entry else None
        checked.append(
            CheckedRow(
                row_number=row.row_number,
                id_number=id_number,
                name=name,
                days_text="" if row.days is None else str(row.days).strip(),
                days=days,
                cadre_id=cadre_id,
                previous_days=recorded.get(cadre_id) if cadre_id else None,
                errors=tuple(str(message) for _code, message in errors),
                codes=tuple(code for code, _message in errors),
            )
        )
    return checked
