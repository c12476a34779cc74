"""The county's rules on people and places, as pure functions of plain values.

No ORM, no clock, no settings: callers pass dates and rule parameters.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# GB 11643-1999: weights of the first 17 digits and the check character by remainder.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"


class ResidentIdError(ValueError):
    """An 18-digit resident ID number that cannot be right."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ResidentId:
    """What an 18-digit resident ID number says about its holder."""

    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F", from the parity of the 17th digit


def id_check_character(first_17_digits):
    """Return the check character (0-9 or X) for the first 17 digits of an ID number."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_17_digits, ID_WEIGHTS, strict=True)
    )
    return ID_CHECK_CHARACTERS[total % 11]


def parse_resident_id(number, *, today=None):
    """Return the ResidentId of an 18-digit number, or raise ResidentIdError saying why.

    `today`, when given, refuses a birth date after it.
    """
    number = (number or "").strip().upper()
    if len(number) != 18:
        raise ResidentIdError(_("A resident ID number has 18 characters."), "length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ResidentIdError(
            _("A resident ID number is 17 digits followed by a digit or X."),
            "characters",
        )
    try:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ResidentIdError(
            _("The birth date in the resident ID number does not exist."), "birth_date"
        ) from None
    if birth_date.year < 1900 or (today is not None and birth_date > today):
        raise ResidentIdError(
            _("The birth date in the resident ID number is not possible."), "birth_date"
        )
    if id_check_character(number[:17]) != number[17]:
        raise ResidentIdError(
            _("The check digit of the resident ID number is wrong: please check the number."),
            "check_digit",
        )
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return ResidentId(number=number, birth_date=birth_date, sex=sex)


def age_on(birth_date, on):
    """Return the age in whole years on a date; a 29 February birthday falls on 1 March."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


@dataclass(frozen=True)
class HeadcountQuota:
    """Full-time posts a village is entitled to (POLICY §2.3)."""

    secretary: int
    clerk: int
    auxiliary_police: int

    @property
    def total(self):
        return self.secretary + self.clerk + self.auxiliary_police


def headcount_quota(*, population, extra_police_from_population):
    """Return the full-time headcount quota of a village (POLICY §1.2, §2.3).

    Transition-stage default: one secretary, one clerk and one auxiliary police officer per
    village; a village of at least `extra_police_from_population` people gets a second
    auxiliary police officer. `headcount_quota_from` adds the area column of the table.
    """
    police = 2 if population >= extra_police_from_population else 1
    return HeadcountQuota(secretary=1, clerk=1, auxiliary_police=police)


def duty_hours_minimum(*, is_community, village_hours, community_hours):
    """Return the daily hours a full-time cadre must sit at the service centre (POLICY §4.1)."""
    return community_hours if is_community else village_hours


# ---------------------------------------------------------------- eligibility (POLICY §3.1)

# Education levels, lowest first; a rule's minimum education is one of these numbers.
EDUCATION_LEVEL = {
    "junior_high": 1,
    "senior_high": 2,
    "vocational": 2,  # secondary vocational school ranks with senior high school
    "college": 3,
    "bachelor": 4,
    "postgraduate": 5,
}


@dataclass(frozen=True)
class EligibilityLimits:
    """The §3.1 parameters in force on the appointment date (county rules)."""

    secretary_new_max_age: int = 57
    secretary_reappointed_max_age: int = 60
    secretary_min_party_years: int = 1
    clerk_max_age: int = 35
    clerk_exceptional_max_age: int = 40
    clerk_min_education: int = 3  # college (大专)
    police_max_age: int = 45
    police_min_education: int = 2  # senior high school


@dataclass(frozen=True)
class Problem:
    """Why a person may not take a post; `waivable` when an approved exception lifts it."""

    code: str
    message: str
    waivable: bool = False


def check_eligibility(
    *,
    post,
    birth_date,
    on,
    education,
    party_join_date,
    limits,
    is_reappointment=False,
    exception_approved=False,
):
    """Return the problems that keep a person from a post on a date (POLICY §3.1).

    Age is in whole years on `on`. A waivable problem ("as a rule") is dropped when an
    exception with a written reason has been approved by the county.
    """
    age = age_on(birth_date, on)
    problems = []
    if post == "secretary":
        limit = (
            limits.secretary_reappointed_max_age
            if is_reappointment
            else limits.secretary_new_max_age
        )
        if age > limit:
            problems.append(
                Problem(
                    "age",
                    _("Aged %(age)s on %(date)s: a party secretary must be %(limit)s or younger.")
                    % {"age": age, "date": on.isoformat(), "limit": limit},
                )
            )
        years = limits.secretary_min_party_years
        if party_join_date is None or age_on(party_join_date, on) < years:
            problems.append(
                Problem(
                    "party_years",
                    _("A party secretary must have been a Party member for %(years)s year(s).")
                    % {"years": years},
                )
            )
    elif post == "clerk":
        if age > limits.clerk_exceptional_max_age:
            problems.append(
                Problem(
                    "age",
                    _("Aged %(age)s on %(date)s: a clerk must be %(limit)s or younger.")
                    % {
                        "age": age,
                        "date": on.isoformat(),
                        "limit": limits.clerk_exceptional_max_age,
                    },
                )
            )
        elif age > limits.clerk_max_age:
            problems.append(
                Problem(
                    "age",
                    _(
                        "Aged %(age)s on %(date)s: a clerk must be %(limit)s or younger, "
                        "%(exceptional)s if judged exceptional with an approved reason."
                    )
                    % {
                        "age": age,
                        "date": on.isoformat(),
                        "limit": limits.clerk_max_age,
                        "exceptional": limits.clerk_exceptional_max_age,
                    },
                    waivable=True,
                )
            )
        if EDUCATION_LEVEL.get(education, 0) < limits.clerk_min_education:
            problems.append(
                Problem(
                    "education",
                    _("A clerk has college education or above, as a rule."),
                    waivable=True,
                )
            )
    elif post == "auxiliary_police":
        if age > limits.police_max_age:
            problems.append(
                Problem(
                    "age",
                    _(
                        "Aged %(age)s on %(date)s: an auxiliary police officer is %(limit)s "
                        "or younger, as a rule."
                    )
                    % {"age": age, "date": on.isoformat(), "limit": limits.police_max_age},
                    waivable=True,
                )
            )
        if EDUCATION_LEVEL.get(education, 0) < limits.police_min_education:
            problems.append(
                Problem(
                    "education",
                    _("An auxiliary police officer must have senior high school or above."),
                )
            )
    if exception_approved:
        problems = [problem for problem in problems if not problem.waivable]
    return problems


def age_limit_for(post, limits, *, is_reappointment=False):
    """Return the highest age a post takes without an exception (for imports)."""
    if post == "secretary":
        if is_reappointment:
            return limits.secretary_reappointed_max_age
        return limits.secretary_new_max_age
    if post == "clerk":
        return limits.clerk_max_age
    return limits.police_max_age


# ---------------------------------------------------------------- history (POLICY §3.6)


class HistoryError(ValueError):
    """A sequence of appointment events that cannot have happened."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Step:
    """One confirmed event, as plain values."""

    kind: str
    on: datetime.date
    village_id: int | None = None
    post: str = ""


@dataclass(frozen=True)
class PostState:
    """Where a cadre stands after their events: what the roster shows."""

    village_id: int
    post: str
    status: str
    start_date: datetime.date


# status before -> event kinds allowed from it (None: before the first appointment)
EVENT_TRANSITIONS = {
    None: {"appointment"},
    "active": {"transfer", "suspension", "removal", "departure", "appointment"},
    "suspended": {"reinstatement", "removal", "departure", "transfer"},
    "removed": {"appointment", "departure"},
    "departed": {"appointment"},
}
# The words of cadres.models.EventKind and CadreStatus, for messages from these pure rules.
EVENT_LABELS = {
    "appointment": _("Appointment"),
    "transfer": _("Transfer"),
    "suspension": _("Suspension"),
    "reinstatement": _("Reinstatement"),
    "removal": _("Removal from post"),
    "departure": _("Departure"),
}
STATUS_LABELS = {
    None: _("not yet appointed"),
    "active": _("In post"),
    "suspended": _("Suspended"),
    "removed": _("Removed from post"),
    "departed": _("Departed"),
}
STATUS_AFTER = {
    "suspension": "suspended",
    "reinstatement": "active",
    "removal": "removed",
    "departure": "departed",
}


def state_after(steps):
    """Return the PostState that a date-ordered list of confirmed Steps leads to.

    Raise HistoryError when a step is not allowed from the status before it (POLICY §3.6:
    the roster follows from the history, so the history must make sense).
    """
    state = None
    for step in steps:
        status = state.status if state else None
        if step.kind not in EVENT_TRANSITIONS[status]:
            raise HistoryError(
                _("On %(date)s: “%(kind)s” cannot follow the status “%(status)s”.")
                % {
                    "date": step.on.isoformat(),
                    "kind": EVENT_LABELS[step.kind],
                    "status": STATUS_LABELS[status],
                }
            )
        if step.kind == "appointment":
            same_post = (
                state is not None
                and state.status == "active"
                and (state.village_id, state.post) == (step.village_id, step.post)
            )
            # A re-appointment to the post held (a new term) keeps the start date.
            start = state.start_date if same_post else step.on
            state = PostState(step.village_id, step.post, "active", start)
        elif step.kind == "transfer":
            # A transfer keeps the start date: service runs on (years count for §7.3).
            state = PostState(step.village_id, step.post, state.status, state.start_date)
        else:
            state = PostState(
                state.village_id, state.post, STATUS_AFTER[step.kind], state.start_date
            )
    if state is None:
        raise HistoryError(_("A cadre's history starts with an appointment."))
    return state


# ---------------------------------------------------------------- headcount (POLICY §2.3)


def headcount_quota_from(
    *, population, area_km2, extra_police_from_population, extra_police_from_area
):
    """Return the quota from the county table: population or area gives a second police post.

    A village as large in area as `extra_police_from_area` km² also gets a second auxiliary
    police officer (mountain villages spread far); otherwise as `headcount_quota`.
    """
    large = Decimal(str(area_km2)) >= Decimal(str(extra_police_from_area))
    police = 2 if population >= extra_police_from_population or large else 1
    return HeadcountQuota(secretary=1, clerk=1, auxiliary_police=police)
