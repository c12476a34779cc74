"""The county's statistics as pure functions of plain values (POLICY §9): no ORM, no clock.

Education groups and age bands are those of the county's own reports (§9.1: "92 bachelor
or above, 295 college, 10 senior high school"; the share under 35).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

EDUCATION_GROUPS = (
    ("bachelor_or_above", ("postgraduate", "bachelor")),
    ("college", ("college",)),
    # Secondary vocational school (中专) is the same level as senior high school (高中).
    ("senior_high", ("senior_high", "vocational")),
    ("junior_high_or_below", ("junior_high",)),
)

# Age bands: (key, youngest age, oldest age or None); the first is "under 35" of §9.1.
AGE_BANDS = (
    ("under_35", None, 34),
    ("age_35_44", 35, 44),
    ("age_45_54", 45, 54),
    ("age_55_up", 55, None),
)

PERCENT_PLACES = Decimal("0.0001")
SCORE_PLACES = Decimal("0.01")


def years_before(on, years):
    """Return the date `years` whole years before `on`; 29 February falls on 28 February."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def born_after_for_age_below(age, *, on):
    """Return the date D such that a cadre is younger than `age` on `on` exactly when born
    after D (the same whole years as `cadres.rules.age_on`)."""
    return years_before(on, age)


def age_band_birth_ranges(on):
    """Return {band key: (born after, born on or before)} with None for an open end."""
    ranges = {}
    for key, youngest, oldest in AGE_BANDS:
        born_after = born_after_for_age_below(oldest + 1, on=on) if oldest is not None else None
        born_by = born_after_for_age_below(youngest, on=on) if youngest is not None else None
        ranges[key] = (born_after, born_by)
    return ranges


def share(part, whole):
    """Return part ÷ whole as a Decimal fraction to four places, or None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def money(value):
    """Return an amount in yuan to the fen (a database sum may carry more places)."""
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def score(value):
    """Return a mean score to two places, or None when there is none."""
    if value is None:
        return None
    return Decimal(value).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def month_bounds(month):
    """Return the first and last day of the month of a date."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def default_month(today):
    """Return the first day of the month before `today`'s: the last month settled and paid."""
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def ranked(rows, *, value_of):
    """Return [(rank, row)] highest value first; equal values share a rank; None last."""
    present = sorted((row for row in rows if value_of(row) is not None), key=value_of, reverse=True)
    result = []
    previous = object()
    rank = 0
    for position, row in enumerate(present, start=1):
        value = value_of(row)
        if value != previous:
            rank = position
            previous = value
        result.append((rank, row))
    result.extend((None, row) for row in rows if value_of(row) is None)
    return result
