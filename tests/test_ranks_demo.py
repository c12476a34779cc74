"""The rank part of the demo county (POLICY §7): placement, the 2025 moves approved from
2026-01-01, proposals only from confirmed grades; deterministic and repeatable."""

import datetime

import pytest

from longshan.models import AuditEvent
from ranks import demo, selectors
from ranks.models import RankProposal, RankStep

from .ranks_fixtures import grade, rank_rules  # noqa: F401

pytestmark = pytest.mark.usefixtures("rank_rules")


def test_demo_places_everyone_and_approves_the_confirmed_2025_moves_once(county):
    c = county.cadres
    grade(c["a1_clerk"], 2025, "excellent")
    grade(c["b1_clerk"], 2025, "incompetent")
    grade(c["a2_clerk"], 2025, "competent")
    grade(c["b2_clerk"], 2025, "excellent", confirmed=False)
    # When the demo is loaded
    created = demo.demo_load()
    # Then the 12 cadres are placed at 10 (fewer than three years), three proposals are
    # approved from 2026-01-01, and one moves: 不称职 at level 10 stays at the bottom
    assert created == {
        "rank_placements": 12,
        "rank_proposals": 3,
        "rank_proposals_approved": 3,
        "rank_moves": 1,
    }
    on = datetime.date(2026, 1, 1)
    levels = selectors.level_by_cadre(None, on=on)
    assert (levels[c["a1_clerk"].pk], levels[c["b1_clerk"].pk], levels[c["a2_clerk"].pk]) == (
        9,
        10,
        10,
    )
    # and the grade still waiting for the county gets no proposal yet
    assert not RankProposal.objects.filter(cadre=c["b2_clerk"]).exists()
    assert AuditEvent.objects.get(action="ranks.demo_loaded").changes[
        "grades_waiting_left_out"
    ] == [None, 1]
    # When loaded again, nothing is written
    steps, events = RankStep.objects.count(), AuditEvent.objects.count()
    assert demo.demo_load() == {}
    assert (RankStep.objects.count(), AuditEvent.objects.count()) == (steps, events)
