"""Celery tasks of pay: thin wrappers that take plain values and call one service.

Each may be delivered twice: a run of an open month replaces its entries, a frozen month
refuses (an answer, not a failure to retry), a document already rendered is left alone.
"""

from celery import shared_task
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


@shared_task(name="compensation.payroll_document", **TASK_OPTIONS)
def payroll_document_task(document_id):
    """Render one payroll PDF by id and store it for download."""
    document = services.payroll_document_run(document_id, now=timezone.now())
    return {"document": document_id, "status": document.status if document else None}
