"""Fixtures and helpers of the pay tests (POLICY §8)."""

import datetime

import pytest

from compensation import services
from performance import services as performance_services

from .performance_fixtures import at, rules_seeded  # noqa: F401


@pytest.fixture
def pay_rules(rules_seeded):  # noqa: F811
    """Put back the pay and rank rule defaults that a transactional test's flush removed
    (`rules_seeded` puts back every app's)."""


def next_month(month):
    return (month + datetime.timedelta(days=32)).replace(day=1)


def settle(month, *, lock=False, county=None):
    """Settle a month the day after it ends (and lock the settlement, if asked)."""
    day = next_month(month)
    period = performance_services.settlement_run(
        month, now=at(day.year, day.month, 1, 2), today=day
    )
    if lock:
        performance_services.settlement_lock(
            period, actor=county.users.county, now=at(*day.timetuple()[:3], 3)
        )
    return period


def run(month):
    day = next_month(month)
    return services.payroll_run(month, now=at(day.year, day.month, 2, 3))


def review_all(county, payroll):
    for key in ("official_a", "official_b"):
        user = getattr(county.users, key)
        township = county.townships["a" if key == "official_a" else "b"]
        services.payroll_review(payroll, township, actor=user, now=at(2026, 11, 3, 9))
    payroll.refresh_from_db()
    return payroll


def close_month(county, month):
    """Settle, lock the settlement, compute, review, approve and lock a month's payroll."""
    settle(month, lock=True, county=county)
    payroll = review_all(county, run(month))
    services.payroll_approve(payroll, actor=county.users.county, now=at(2026, 11, 4, 9))
    return services.payroll_lock(payroll, actor=county.users.county, now=at(2026, 11, 4, 10))


def absent(county, key, when):
    """Record township A's inspection of a cadre's village finding the cadre absent."""
    from attendance import services as attendance_services

    cadre = county.cadres[key]
    return attendance_services.inspection_record(
        actor=county.users.official_a,
        village=cadre.village,
        at=when,
        absent_cadre_ids=[cadre.pk],
        now=when + datetime.timedelta(hours=1),
    )


def lines_of(entry):
    return {line.kind: line.amount for line in entry.lines.all()}
