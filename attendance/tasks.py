"""Celery tasks of full-time duty: thin wrappers that take plain values and call one service."""

import datetime

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="attendance.check_duty", acks_late=True, max_retries=3, default_retry_delay=60)
def check_duty_task(date_string=None):
    """Compute the daily duty check of a date (YYYY-MM-DD; beat sends none: today).

    Safe to deliver twice: the service replaces the day's findings.
    """
    day = datetime.date.fromisoformat(date_string) if date_string else timezone.localdate()
    check = services.duty_check_run(day, now=timezone.now())
    return {"date": day.isoformat(), "items": check.items.count()}
