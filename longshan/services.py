"""Writes of the shared base: county rule values and background jobs."""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, rulebook, scoping
from .models import Job, RuleValue

logger = logging.getLogger(__name__)


@transaction.atomic
def rule_value_set(key, *, actor, value, effective_from, reason, today):
    """Put a new value of a county rule in force from a date (county staff).

    The date may not be before `today`: a past date keeps the value it had, so that a
    past period recomputes exactly as it was.
    """
    if not scoping.may_edit_rules(actor):
        raise PermissionDenied(_("Only county staff may change the county's rules."))
    definition = rulebook.definition(key)
    errors = {}
    try:
        typed = definition.parse(value)
    except rulebook.RuleValueError as error:
        errors["value"] = str(error)
    if effective_from < today:
        errors["effective_from"] = _(
            "A new value cannot start in the past: past dates keep the rules they had."
        )
    elif RuleValue.objects.filter(key=key, effective_from=effective_from).exists():
        errors["effective_from"] = _("This rule already has a value starting on that date.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for the change.")
    if errors:
        raise ValidationError(errors)
    previous = RuleValue.objects.filter(key=key, effective_from__lte=effective_from).first()
    row = RuleValue.objects.create(
        key=key,
        value=definition.format(typed),
        effective_from=effective_from,
        reason=reason.strip(),
        created_by=actor,
    )
    audit.record(
        "rule.value_set",
        actor=actor,
        target=row,
        changes={
            "key": [None, key],
            "value": [previous.value if previous else None, row.value],
            "effective_from": [None, str(effective_from)],
        },
    )
    return row


# Allowed moves of a job's status; any other is a bug or a duplicate delivery.
JOB_TRANSITIONS = {
    Job.Status.QUEUED: {Job.Status.RUNNING},
    Job.Status.RUNNING: {Job.Status.DONE, Job.Status.FAILED},
    Job.Status.FAILED: {Job.Status.QUEUED},
    Job.Status.DONE: set(),
}


class JobStateError(Exception):
    pass


def _move(job, status):
    if status not in JOB_TRANSITIONS[job.status]:
        raise JobStateError(f"job {job.pk}: {job.status} -> {status} is not allowed")
    job.status = status


def job_start(kind, *, actor):
    """Queue a background job; the task is sent only once the job row is committed."""
    from .tasks import run_job_task

    with transaction.atomic():
        job = Job.objects.create(kind=kind, created_by=actor)
        audit.record("job.queued", actor=actor, target=job, changes={"kind": [None, kind]})
        transaction.on_commit(lambda: run_job_task.delay(job.pk))
    return job


def _job_handlers():
    from cadres.services import cadre_search_keys_rebuild

    return {
        Job.Kind.REBUILD_SEARCH_KEYS: lambda job: {"changed": cadre_search_keys_rebuild()},
    }


def job_run(job_id):
    """Run a queued job and store its result; a job already finished is left as it is."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status != Job.Status.QUEUED:
            return job
        _move(job, Job.Status.RUNNING)
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        result = _job_handlers()[job.kind](job)
    except Exception as error:  # noqa: BLE001 - any failure is stored for the user to see
        _move(job, Job.Status.FAILED)
        job.error = str(error)[:2000]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        raise
    _move(job, Job.Status.DONE)
    job.result = result
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "result", "finished_at"])
    return job


def _job_lost_before(now):
    # The job's worker process is killed at JOB_TASK_TIME_LIMIT (tasks.py): one running a
    # minute past it has lost its worker.
    return now - datetime.timedelta(seconds=settings.JOB_TASK_TIME_LIMIT + 60)


def jobs_fail_lost(*, now):
    """Mark failed, saying why, the jobs whose worker was lost; return how many.

    A job's task is taken up once (a second delivery finds it running and leaves it), so
    a job whose worker process was killed (its time limit, out of memory, a restart)
    would show "running" for good. Beat calls this every few minutes; the user starts
    the job again from its page. One conditional UPDATE (running → failed, an allowed
    move): a job that finished meanwhile is left as it is.
    """
    failed = Job.objects.filter(
        status=Job.Status.RUNNING, started_at__lt=_job_lost_before(now)
    ).update(
        status=Job.Status.FAILED,
        error=_(
            "The worker running it stopped before it finished (time limit, memory or a "
            "restart); start it again."
        ),
        finished_at=now,
    )
    if failed:
        logger.warning("Background jobs whose worker was lost, marked failed: %s", failed)
    return failed
