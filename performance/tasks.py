"""Celery tasks of the monthly settlement and the annual grades: thin, take plain values.

Each may be delivered twice (acks_late, and redelivered when a worker dies mid-task):
the services refuse a running or locked month, and a township's part of a run is
written once.
"""

import datetime
import os
import time

from celery import shared_task
from django.utils import timezone

from . import rules, services

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


def send_township_parts(period, *, today, queue=None):
    """Send one task per township of a claimed split run (to `queue`, if given)."""
    options = {"queue": queue} if queue else {}
    for township_id in period.pending_townships:
        settle_township_task.apply_async(
            (period.pk, township_id, period.run_id, today.isoformat()), **options
        )


@shared_task(name="performance.settle_month", bind=True, **TASK_OPTIONS)
def settle_month_task(self, month_string=None, split=True):
    """Settle a month (YYYY-MM; beat sends none: the month before today).

    With `split`, each township's part goes to its own task on the same queue, so that
    the workers share the county.
    """
    now = timezone.now()
    today = timezone.localdate()
    month = rules.parse_month(month_string) if month_string else rules.previous_month(today)
    try:
        period = services.settlement_run(month, now=now, today=today, split=split)
    except (services.SettlementLockedError, services.SettlementRunningError) as error:
        # A refused run is an answer, not a failure to retry.
        return {"month": month.isoformat()[:7], "refused": error.messages[0]}
    if split:
        queue = (self.request.delivery_info or {}).get("routing_key")
        send_township_parts(period, today=today, queue=queue)
    return {"month": month.isoformat()[:7], "period": period.pk}


# Test-only: seconds a township's part waits before it computes, so that the worker-loss
# test can kill a worker between two townships' parts. Unset (production) it waits nothing.
TEST_PART_PAUSE_VARIABLE = "LONGSHAN_TEST_SETTLEMENT_PART_PAUSE"


def _pause_for_tests():
    seconds = float(os.environ.get(TEST_PART_PAUSE_VARIABLE) or 0)
    if seconds > 0:
        time.sleep(min(seconds, 30))


@shared_task(name="performance.settle_township", **TASK_OPTIONS)
def settle_township_task(period_id, township_id, run_id, today_string):
    """Write one township's part of a split settlement run."""
    _pause_for_tests()
    services.settlement_part_run(
        period_id,
        township_id,
        run_id,
        now=timezone.now(),
        today=datetime.date.fromisoformat(today_string),
    )


@shared_task(name="performance.propose_grades", **TASK_OPTIONS)
def propose_grades_task(year):
    """Propose the annual grades of a year from its settlements (§5.2)."""
    return {"year": year, "proposed": services.grades_propose(int(year), now=timezone.now())}
