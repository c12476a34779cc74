"""Celery tasks of the shared base: thin wrappers that take ids and call one service."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services


@shared_task(
    name="longshan.run_job",
    acks_late=True,
    max_retries=3,
    default_retry_delay=30,
    time_limit=settings.JOB_TASK_TIME_LIMIT,
)
def run_job_task(job_id):
    """Run one background job by id; safe to deliver twice (a finished job is left alone)."""
    services.job_run(job_id)


@shared_task(name="longshan.fail_lost_jobs")
def fail_lost_jobs_task():
    """Mark failed the jobs whose worker was lost (beat, every few minutes)."""
    return services.jobs_fail_lost(now=timezone.now())
