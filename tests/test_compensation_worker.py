"""The payroll on a real Celery worker (POLICY §8.2): the month task computes the payroll
and the county PDF is rendered by the worker, one part per township merged in order, with
its progress, ready for download; a part that fails fails the document."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from compensation import services, tasks
from compensation.models import PayrollDocument, PayrollDocumentPart, PayrollEntry, PayrollMonth

from .compensation_fixtures import pay_rules, settle  # noqa: F401
from .performance_fixtures import rules_seeded  # noqa: F401
from .test_compensation_exports import assert_titled_and_numbered, money_on, pdf_text
from .test_performance_worker import wait_for, wait_until_the_worker_leaves_the_database

pytestmark = [pytest.mark.services, pytest.mark.usefixtures("pay_rules")]
OCTOBER = datetime.date(2026, 10, 1)


@pytest.fixture
def one_part_per_township(monkeypatch):
    """A worker that renders the county PDF a township a part (the county's 12 rows would
    fit in one part of the usual size)."""
    monkeypatch.setenv("PAYROLL_PDF_PART_ROWS", "1")


def test_a_real_worker_computes_the_payroll_and_renders_the_county_pdf(
    county, one_part_per_township, celery_worker_process, settings, tmp_path
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
        content = handle.read()
    document.file.delete(save=False)
    # Then the two townships' parts are merged in order and removed
    assert not PayrollDocumentPart.objects.filter(document=document).exists()
    text, _fonts = pdf_text(content, tmp_path)
    # and every page has the title and "page / pages", numbered across the parts (at least
    # two pages: each part starts one, and the 12 rows would fit on a single page)
    assert_titled_and_numbered(text)
    assert text.index("里耶镇") < text.index("民安街道")
    rows = [re.match(r"\s*(\d+)\s+[^\W\d]", line) for line in text.splitlines()]
    assert [int(row[1]) for row in rows if row] == list(range(1, 13)), "numbered across parts"
    # and the total line is the database's net, after both subtotals
    total_line = next(line for line in text.splitlines() if f"{payroll.net_total:.2f}" in line)
    assert money_on(total_line)[-1] == payroll.net_total
    wait_until_the_worker_leaves_the_database()


@pytest.fixture
def tight_document_memory(monkeypatch):
    """A worker whose document renders may use far less memory than any render needs."""
    monkeypatch.setenv("DOCUMENT_TASK_MEMORY_LIMIT_MB", "64")


def test_a_render_past_the_memory_limit_fails_cleanly_and_the_worker_lives_on(
    county, tight_document_memory, celery_worker_process
):
    # Given October's payroll computed, and a worker that caps a render at 64 MiB
    settle(OCTOBER)
    payroll = services.payroll_run(OCTOBER, now=timezone.now())
    # When the county asks for the county PDF
    document = services.payroll_document_start(payroll, actor=county.users.county)

    def finished():
        return PayrollDocument.objects.filter(
            pk=document.pk, status__in=["done", "failed"]
        ).exists()

    wait_for(finished, celery_worker_process)
    # Then the document is marked failed with the reason, and no file is kept
    document.refresh_from_db()
    assert document.status == "failed"
    assert document.error, "the reason is kept for the user"
    assert not document.file
    # And the worker is still there for the next task
    assert celery_worker_process.poll() is None
    wait_until_the_worker_leaves_the_database()
