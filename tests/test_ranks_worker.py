"""The yearly rank proposal on a real Celery worker (POLICY §7.2)."""

import datetime
import time

import pytest

from ranks import tasks
from ranks.models import RankProposal

from .ranks_fixtures import grade, place, rank_rules  # noqa: F401
from .test_performance_worker import wait_for, wait_until_the_worker_leaves_the_database

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("rank_rules")]


def test_a_real_worker_proposes_the_years_moves(county, celery_worker_process):
    # Given a clerk at level 8 graded 优秀 in 2025
    cadre = county.cadres["a1_clerk"]
    place(cadre, 8, on=datetime.date(2019, 3, 1))
    grade(cadre, 2025, "excellent")
    # When the task is queued on Redis, twice (a redelivery)
    tasks.propose_ranks_task.delay(2025)
    tasks.propose_ranks_task.delay(2025)
    # Then the worker writes one proposal: up to level 7
    wait_for(lambda: RankProposal.objects.exists(), celery_worker_process)
    time.sleep(1)
    proposal = RankProposal.objects.get()
    assert (proposal.level_before, proposal.proposed_level, proposal.reason) == (8, 7, "excellent")
    wait_until_the_worker_leaves_the_database()
