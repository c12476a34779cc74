"""Rank pay for payroll (POLICY §7.3): the level and the rule in force on a date."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from longshan.models import RuleValue
from ranks import selectors, services

from .ranks_fixtures import at, grade, place, rank_rules  # noqa: F401

pytestmark = pytest.mark.usefixtures("rank_rules")


def test_level_10_earns_no_rank_pay_and_each_level_above_earns_100(county):
    # Given three placed cadres and one without a rank
    place(county.cadres["a1_clerk"], 10)
    place(county.cadres["a1_secretary"], 7)
    place(county.cadres["b1_clerk"], 1)
    unranked = county.cadres["b2_clerk"]
    ids = [county.cadres[key].pk for key in ("a1_clerk", "a1_secretary", "b1_clerk")]
    # When payroll asks for their rank pay in two queries at most
    with CaptureQueriesContext(connection) as queries:
        pay = selectors.rank_pay_by_cadre([*ids, unranked.pk], on=datetime.date(2026, 3, 31))
    # Then level 10 → 0, level 7 → 300.00, level 1 → 900.00, and no rank → absent
    assert pay == {ids[0]: Decimal("0.00"), ids[1]: Decimal("300.00"), ids[2]: Decimal("900.00")}
    assert str(pay[ids[1]]) == "300.00"
    assert len(queries) <= 2
    assert selectors.level_by_cadre(None, on=datetime.date(2026, 3, 31)) == {
        ids[0]: 10,
        ids[1]: 7,
        ids[2]: 1,
    }


def test_rank_pay_follows_the_level_and_the_rule_in_force_on_the_date(county):
    # Given a cadre at level 9 moved up to 8 from 2026-01-01 by the 2025 adjustment
    cadre = county.cadres["a1_clerk"]
    place(cadre, 9, on=datetime.date(2019, 3, 1))
    grade(cadre, 2025, "excellent")
    cycle, _counts = services.ranks_propose(2025, now=at(2026, 1, 5))
    services.proposals_approve(
        cycle,
        actor=county.users.county,
        effective_from=datetime.date(2026, 1, 1),
        now=at(2026, 1, 10),
    )
    # and the county raising the amount per level to 150 from 2026-07-01
    RuleValue.objects.create(
        key="rank.pay_per_level", effective_from=datetime.date(2026, 7, 1), value="150", reason="x"
    )

    def pay_on(day):
        return selectors.rank_pay_by_cadre([cadre.pk], on=day)[cadre.pk]

    # Then the day before the move pays level 9, the move's day level 8, July the new rate
    assert pay_on(datetime.date(2025, 12, 31)) == Decimal("100.00")
    assert pay_on(datetime.date(2026, 1, 1)) == Decimal("200.00")
    assert pay_on(datetime.date(2026, 6, 30)) == Decimal("200.00")
    assert pay_on(datetime.date(2026, 7, 1)) == Decimal("300.00")
    # and before the placement there is no rank at all
    assert selectors.rank_pay_by_cadre([cadre.pk], on=datetime.date(2019, 2, 28)) == {}
