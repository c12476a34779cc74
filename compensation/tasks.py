"""Celery tasks of pay: thin wrappers that take plain values and call one service.

Each may be delivered twice: a run of an open month replaces its entries, a frozen month
refuses (an answer, not a failure to retry), a document already rendered is left alone.
"""

import contextlib
import resource

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from performance import rules as performance_rules

from . import rules, services

TASK_OPTIONS = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="compensation.run_payroll", **TASK_OPTIONS)
def run_payroll_task(month_string=None):
    """Compute a month's payroll (YYYY-MM; beat sends none: the month before today)."""
    today = timezone.localdate()
    month = (
        performance_rules.parse_month(month_string)
        if month_string
        else performance_rules.previous_month(today)
    )
    try:
        payroll = services.payroll_run(month, now=timezone.now())
    except rules.PayError as error:
        return {"month": month.isoformat()[:7], "refused": error.messages[0]}
    return {"month": month.isoformat()[:7], "payroll": payroll.pk, "cadres": payroll.cadre_count}


@contextlib.contextmanager
def address_space_limit(limit_bytes):
    """Cap this worker process's memory while the block runs (a render past it gets a
    MemoryError and the document is marked failed), then lift the cap again."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = limit_bytes if hard == resource.RLIM_INFINITY else min(limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _queue_of(request):
    """The queue a task came from: the parts and the merge it sends go to the same one."""
    return (request.delivery_info or {}).get("routing_key")


def _document_memory_limit(request):
    """The memory cap of a document task in a worker process, never in-process (eager)."""
    if request.is_eager:
        return contextlib.nullcontext()
    return address_space_limit(settings.DOCUMENT_TASK_MEMORY_LIMIT_MB * 1024 * 1024)


DOCUMENT_TASK_OPTIONS = {
    "bind": True,
    "soft_time_limit": settings.DOCUMENT_TASK_SOFT_TIME_LIMIT,
    "time_limit": settings.DOCUMENT_TASK_SOFT_TIME_LIMIT + 30,
    # A render whose worker was lost comes back (reject_on_worker_lost) while it still
    # looks running: the task looks again once that render would have been stopped.
    "max_retries": 2 * services.DOCUMENT_RENDER_ATTEMPTS,
    **TASK_OPTIONS,
}


@contextlib.contextmanager
def _again_when_busy(task):
    """Retry the task after the time limit when its document or part is busy elsewhere."""
    try:
        yield
    except services.DocumentBusyError as busy:
        raise task.retry(countdown=settings.DOCUMENT_TASK_SOFT_TIME_LIMIT + 90) from busy


@shared_task(name="compensation.payroll_document", **DOCUMENT_TASK_OPTIONS)
def payroll_document_task(self, document_id):
    """Render one payroll PDF by id and store it for download, within the time and memory
    limits of settings; the county's is split into parts of whole townships rendered in
    parallel."""
    with _again_when_busy(self), _document_memory_limit(self.request):
        document = services.payroll_document_run(
            document_id, now=timezone.now(), queue=_queue_of(self.request)
        )
    return {"document": document_id, "status": document.status if document else None}


@shared_task(name="compensation.payroll_document_part", **DOCUMENT_TASK_OPTIONS)
def payroll_document_part_task(self, part_id):
    """Render one part (a run of whole townships) of the county payroll PDF by id (the last
    one queues the merge)."""
    with _again_when_busy(self), _document_memory_limit(self.request):
        part = services.payroll_document_part_run(
            part_id, now=timezone.now(), queue=_queue_of(self.request)
        )
    return {"part": part_id, "status": part.status if part else None}


@shared_task(name="compensation.payroll_document_merge", **DOCUMENT_TASK_OPTIONS)
def payroll_document_merge_task(self, document_id):
    """Merge the rendered parts of the county payroll PDF by id and mark it done."""
    with _document_memory_limit(self.request):
        document = services.payroll_document_merge(document_id, now=timezone.now())
    return {"document": document_id, "status": document.status}


@shared_task(name="compensation.resend_lost_documents")
def resend_lost_documents_task():
    """Send again the task of each payroll PDF whose worker fell silent (beat, every few
    minutes); see services.payroll_documents_resend."""
    return services.payroll_documents_resend(now=timezone.now())
