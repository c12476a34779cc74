"""Celery tasks of the shared base: thin wrappers that take ids and call one service."""

from celery import shared_task

from . import services


@shared_task(name="longshan.run_job", acks_late=True, max_retries=3, default_retry_delay=30)
def run_job_task(job_id):
    """Run one background job by id; safe to deliver twice (a finished job is left alone)."""
    services.job_run(job_id)
