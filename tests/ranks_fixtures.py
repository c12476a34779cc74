"""Fixtures and helpers of the rank tests (POLICY §7)."""

import datetime

import pytest
from django.utils import timezone

from performance.models import AnnualGrade
from ranks.models import RankStep

from .conftest import seed_rules_again


@pytest.fixture
def rank_rules(db):
    """Put back the rank rule defaults that an earlier transactional test's flush removed."""
    seed_rules_again()


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


def grade(cadre, year, value, *, confirmed=True):
    """Give a cadre an annual grade of a year (confirmed by the county unless told)."""
    return AnnualGrade.objects.create(
        cadre=cadre,
        year=year,
        township_id=cadre.village.township_id,
        status=AnnualGrade.Status.CONFIRMED if confirmed else AnnualGrade.Status.PROPOSED,
        proposed_grade=value,
        grade_by_score=value,
        grade=value,
        mean_score="80.00",
        months_settled=12,
        training_days="5.0",
        training_minimum="5.0",
        had_removal=False,
        proposed_at=at(year + 1, 1, 2),
        confirmed_at=at(year + 1, 1, 3) if confirmed else None,
    )


def place(cadre, level, *, on=datetime.date(2019, 3, 1), first_counted_year=None):
    """Give a cadre a placement at a level (as the rule's, for the test's given state)."""
    return RankStep.objects.create(
        cadre=cadre,
        kind=RankStep.Kind.PLACEMENT,
        level=level,
        rule_level=level,
        effective_from=on,
        first_counted_year=first_counted_year or on.year,
        service_years=0,
        reason="placement_by_rule",
    )
