"""The payroll on a real Celery worker (POLICY §8.2): the month task computes the payroll
and the county PDF is rendered by the worker, with its progress, ready for download."""

import datetime
from decimal import Decimal

import pytest

from compensation import services, tasks
from compensation.models import PayrollDocument, PayrollEntry, PayrollMonth

from .compensation_fixtures import pay_rules, settle  # noqa: F401
from .performance_fixtures import rules_seeded  # noqa: F401
from .test_performance_worker import wait_for, wait_until_the_worker_leaves_the_database

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("pay_rules")]
OCTOBER = datetime.date(2026, 10, 1)


def test_a_real_worker_computes_the_payroll_and_renders_the_county_pdf(
    county, celery_worker_process, settings, tmp_path
):
    # Given October settled
    settle(OCTOBER)
    # When the month task is queued on Redis
    tasks.run_payroll_task.delay("2026-10")

    # Then the worker process computes every cadre's payslip
    def computed():
        return PayrollMonth.objects.filter(month=OCTOBER, cadre_count=12).exists()

    wait_for(computed, celery_worker_process)
    payroll = PayrollMonth.objects.get(month=OCTOBER)
    assert PayrollEntry.objects.filter(payroll=payroll).count() == 12
    assert PayrollEntry.objects.get(cadre=county.cadres["a1_clerk"]).net == Decimal("3031.67")
    # When the county asks for the county PDF, the worker renders it and stores the file
    document = services.payroll_document_start(payroll, actor=county.users.county)

    def rendered():
        return PayrollDocument.objects.filter(
            pk=document.pk, status__in=["done", "failed"]
        ).exists()

    wait_for(rendered, celery_worker_process)
    document.refresh_from_db()
    assert (document.status, document.progress) == ("done", 100), document.error
    with document.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    document.file.delete(save=False)
    wait_until_the_worker_leaves_the_database()
