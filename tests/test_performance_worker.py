"""The monthly settlement on a real Celery worker (POLICY §5.1): the month task splits the
county per township on the worker's own queue, and the worker writes every row."""

import datetime
import time

import pytest
from django.db import connection

from performance import services, tasks
from performance.models import CadreMonth, SettlementMonth

from .performance_fixtures import at, order, report, rules_seeded, score  # noqa: F401

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("rules_seeded")]


def wait_for(predicate, worker, *, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        if worker.poll() is not None:
            break
        time.sleep(0.5)
    worker.terminate()
    output = worker.communicate(timeout=20)[0]
    pytest.fail(f"the worker did not finish; its output:\n{output[-4000:]}")


def test_a_real_worker_settles_a_month_township_by_township(county, celery_worker_process):
    # Given an order of township A scored 90 for 长春村
    x = order(county, villages=["a1"], deadline=datetime.date(2026, 10, 25))
    report(county, x, "a1", on=datetime.date(2026, 10, 24))
    score(county, x, "a1", 90)
    # When the month task is queued on Redis, split per township
    tasks.settle_month_task.delay("2026-10", split=True)

    # Then the worker process settles both townships and closes the run
    def settled():
        period = SettlementMonth.objects.filter(month=datetime.date(2026, 10, 1)).first()
        return period is not None and period.settled_at is not None and not period.is_running

    wait_for(settled, celery_worker_process)
    assert CadreMonth.objects.count() == 12
    assert CadreMonth.objects.get(cadre=county.cadres["a1_clerk"]).monthly_score == 90
    assert set(CadreMonth.objects.values_list("township_id", flat=True)) == {
        county.townships["a"].pk,
        county.townships["b"].pk,
    }
    # And a second run while the month is locked is refused, not retried
    period = SettlementMonth.objects.get(month=datetime.date(2026, 10, 1))
    services.settlement_lock(period, actor=county.users.county, now=at(2026, 11, 2, 9))
    with pytest.raises(services.SettlementLockedError):
        services.settlement_run(period.month, now=at(2026, 11, 2, 10))
    wait_until_the_worker_leaves_the_database()


def wait_until_the_worker_leaves_the_database(seconds=10):
    """Let the worker close its last connection, so that the test database can be dropped."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.2)
