"""The county's rules on people and places, as pure functions of plain values.

No ORM, no clock, no settings: callers pass dates and rule parameters.
"""

import datetime
from dataclasses import dataclass

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
    auxiliary police officer. Area enters the county table with the selection issue.
    """
    police = 2 if population >= extra_police_from_population else 1
    return HeadcountQuota(secretary=1, clerk=1, auxiliary_police=police)


def duty_hours_minimum(*, is_community, village_hours, community_hours):
    """Return the daily hours a full-time cadre must sit at the service centre (POLICY §4.1)."""
    return community_hours if is_community else village_hours
