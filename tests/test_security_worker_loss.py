"""A worker killed in the middle of a county settlement (issue 11): the month is finished by
another worker, with exactly the rows of a clean run, and no second run starts meanwhile.

Real Redis and PostgreSQL. The settlement tasks acknowledge late and are rejected (requeued)
when their worker is lost (`performance.tasks.TASK_OPTIONS`); a message taken by a worker
that died comes back on the queue after the broker's visibility timeout, shortened here.
"""

import datetime
import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from longshan.celery import app as celery_app
from longshan.models import AuditEvent
from performance import services, tasks
from performance.models import CadreMonth, SettlementMonth

from .conftest import BASE_DIR, database_url_of_test_database
from .performance_fixtures import order, report, rules_seeded, score  # noqa: F401
from .test_performance_worker import wait_until_the_worker_leaves_the_database

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("rules_seeded")]

MONTH = datetime.date(2026, 10, 1)
PAUSE_SECONDS = 3  # each township's part waits this long in the first worker
# The second worker puts back a message left unacknowledged for 2 s, checking every second.
FAST_RESTORE = {"visibility_timeout": 2, "unacked_restore_interval": 1}
FAST_RESTORE["unacked_restore_throttle"] = 1


def start_worker(redis_url, queue, **extra_env):
    """Start a worker in a process group of its own (so that SIGKILL takes all of it)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": redis_url,
        "DATABASE_CONN_MAX_AGE": "0",
        **extra_env,
    }
    command = [sys.executable, "-m", "celery", "-A", "longshan", "worker", "-Q", queue]
    command += ["--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=INFO"]
    return subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def stop(worker, sig=signal.SIGTERM):
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
    try:
        return worker.communicate(timeout=20)[0]
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        return worker.communicate(timeout=5)[0]


def wait_for(predicate, worker, what, *, seconds=45):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        if worker.poll() is not None:
            break
        time.sleep(0.1)
    output = stop(worker)
    pytest.fail(f"{what} did not happen; the worker's output:\n{output[-4000:]}")


def row_values(rows):
    """Return every settled value of rows (dicts), keyed by cadre (what a clean run would write)."""
    return {
        row["cadre_id"]: {column: row[column] for column in services.SETTLED_COLUMNS}
        for row in rows
    }


@pytest.fixture
def queue(redis_url, transactional_db):
    """A queue of this test's own; tasks sent meanwhile go to Redis, not in-process."""
    name = f"test-kill-{uuid.uuid4().hex[:8]}"
    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {key: celery_app.conf[key] for key in keys}
    celery_app.conf.update(broker_url=redis_url, task_always_eager=False, task_default_queue=name)
    yield name
    celery_app.conf.update(saved)


def test_a_worker_killed_mid_settlement_leaves_the_month_to_the_next_worker(
    county, redis_url, queue
):
    if connection.vendor != "postgresql":
        from conftest import missing_service

        missing_service("the worker-loss test needs PostgreSQL (DATABASE_URL)")
    # Given an October order of township A, scored for one village, and what a clean run would write
    x = order(county, villages=["a1", "a2"], deadline=datetime.date(2026, 10, 25))
    report(county, x, "a1", on=datetime.date(2026, 10, 24))
    score(county, x, "a1", 90)
    versions = services._rule_versions(services.SETTLEMENT_RULES, MONTH)
    clean = row_values(
        services.settlement_compute(MONTH, today=timezone.localdate(), versions=versions)
    )
    assert len(clean) == 12

    # When a worker that pauses before each township's part settles the month
    first = start_worker(redis_url, queue, LONGSHAN_TEST_SETTLEMENT_PART_PAUSE=str(PAUSE_SECONDS))
    second = None
    try:
        tasks.settle_month_task.delay("2026-10", split=True)

        def one_township_written():
            townships = set(CadreMonth.objects.values_list("township_id", flat=True))
            return len(townships) == 1

        wait_for(one_township_written, first, "the first township's part")
        # and is killed outright while it waits before the second township's part
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate(timeout=20)

        # Then the month is half-written and still claimed by its run
        period = SettlementMonth.objects.get(month=MONTH)
        assert period.is_running and len(period.pending_townships) == 1
        assert period.settled_at is None
        assert CadreMonth.objects.count() == 6
        # And a second settlement of the month, started now, is refused, not run
        answer = tasks.settle_month_task.apply(args=["2026-10"], kwargs={"split": True}).get()
        assert "refused" in answer

        # When a second worker starts, the lost part comes back to it from Redis
        second = start_worker(
            redis_url, queue, CELERY_BROKER_TRANSPORT_OPTIONS=json.dumps(FAST_RESTORE)
        )

        def settled():
            period.refresh_from_db()
            return period.settled_at is not None and not period.is_running

        wait_for(settled, second, "the settlement's end")
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        if second is not None:
            stop(second)

    # Then the month holds exactly the rows of a clean run: none twice, none missing
    rows = list(CadreMonth.objects.filter(period=period).values())
    assert len(rows) == len({row["cadre_id"] for row in rows}) == 12
    assert row_values(rows) == clean
    assert period.cadre_count == 12
    assert AuditEvent.objects.filter(action="settlement.run", object_id=str(period.pk)).count() == 1
    wait_until_the_worker_leaves_the_database()
