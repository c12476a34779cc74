"""Celery tasks of the rank ladder: thin, take plain values, safe to deliver twice."""

from celery import shared_task
from django.utils import timezone

from . import services

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="ranks.propose", **TASK_OPTIONS)
def propose_ranks_task(year=None):
    """Propose the rank moves of a year (beat sends none: the year before today, §7.2).

    A second delivery recomputes the waiting proposals to the same result; approved ones
    never change.
    """
    year = int(year) if year else timezone.localdate().year - 1
    cycle, counts = services.ranks_propose(year, now=timezone.now())
    return {"year": year, "cycle": cycle.pk, **counts}
