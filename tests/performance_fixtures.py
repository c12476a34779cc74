"""Fixtures and helpers of the performance tests (POLICY §5)."""

import datetime

import pytest
from django.utils import timezone

from attendance import services as attendance_services
from attendance.models import DutyLog
from cadres.models import Cadre, User
from performance import services

from .conftest import seed_rules_again


@pytest.fixture
def rules_seeded(db):
    """Put back the seeded rule defaults that an earlier transactional test's flush removed."""
    seed_rules_again()


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


def order(
    county, *, official="official_a", villages=(), named=(), weight=1, deadline, title="任务"
):
    """Dispatch an order of township A (or B) for the deadline's month."""
    user = getattr(county.users, official)
    township = county.townships["a" if official == "official_a" else "b"]
    return services.dispatch_order_create(
        actor=user,
        township=township,
        month=deadline.replace(day=1),
        title=title,
        content="按要求完成并上报",
        weight=weight,
        deadline=deadline,
        villages=[county.villages[key] for key in villages],
        named_cadres=[county.cadres[key] for key in named],
    )


def assignment_of(order_, village):
    return order_.assignments.get(village=village)


def report(county, order_, village_key, *, on, secretary=None):
    """The village secretary reports the order at noon of a date."""
    from cadres import services as cadre_services

    village = county.villages[village_key]
    user = secretary
    if user is None and village_key == "a1":
        user = county.users.secretary_a1
    if user is None:
        user = User.objects.filter(cadre=county.cadres[f"{village_key}_secretary"]).first()
    if user is None:
        user = cadre_services.user_create(
            actor=None,
            username=f"secretary_{village_key}",
            password="Longshan2026",
            role="village_secretary",
            cadre=county.cadres[f"{village_key}_secretary"],
        )
    return services.dispatch_report(
        assignment_of(order_, village), actor=user, text="已完成", now=at(*on.timetuple()[:3], 12)
    )


def score(county, order_, village_key, value, *, official="official_a"):
    assignment = assignment_of(order_, county.villages[village_key])
    return services.dispatch_score(
        assignment,
        actor=getattr(county.users, official),
        score=value,
        comment="",
        now=at(2026, 11, 2, 9),
    )


def duty_day(day, *, hours_by_cadre, default_minutes=480):
    """Log duty for every cadre in post on a day (8 h unless given), then run the day's check."""
    logs = []
    for cadre in Cadre.objects.filter(status="active"):
        minutes = hours_by_cadre.get(cadre.pk, default_minutes)
        if minutes is None:
            continue
        start = datetime.time(8, 0)
        end_minutes = 8 * 60 + minutes
        logs.append(
            DutyLog(
                cadre=cadre,
                date=day,
                time_in=start,
                time_out=datetime.time(end_minutes // 60, end_minutes % 60),
                minutes=minutes,
                source=DutyLog.Source.SECRETARY,
            )
        )
    DutyLog.objects.bulk_create(logs)
    return attendance_services.duty_check_run(day, now=at(day.year, day.month, day.day, 23, 30))
