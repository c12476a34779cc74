"""Measure the portal's heavy work against floors measured in the same run, on the same data.

Each figure is paired with a floor: what the same work costs with nothing of the portal
around it (one bare SQL aggregate; WeasyPrint rendering one plain table of the same rows;
a minimal Django view behind the same middleware). Pages are requested in-process with
Django's test Client (no network, no gunicorn), signed in as a county staff user.
"""

import datetime
import gc
import statistics
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from html import escape

import psutil
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from longshan import backup

from . import county

MIB = 1024 * 1024
PAGE_SAMPLES = 25
PAGE_WARMUP = 3
# One document of more rows than this is not rendered: WeasyPrint needs about 160 s and
# 2.5 GB for 12,000 rows in one document (DESIGN.md), which the benchmark must not risk.
PDF_MAX_ROWS = 3000


class Probe:
    seconds = None
    queries = None
    insert_queries = None
    peak_mib = None
    start_mib = None


class QueryCounter:
    """Count the statements sent to the database (a connection execute wrapper).

    Not CaptureQueriesContext: a request's `request_started` signal empties the log it
    reads, so it would count nothing for a page.
    """

    def __init__(self):
        self.queries = 0
        self.inserts = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        if sql.lstrip()[:6].upper() in ("INSERT", 'COPY "', "COPY "):
            self.inserts += 1
        return execute(sql, params, many, context)


@contextmanager
def probe(*, memory=True):
    """Time a block, count its queries and sample the process's peak resident memory."""
    result = Probe()
    gc.collect()
    process = psutil.Process()
    peak = [process.memory_info().rss]
    result.start_mib = round(peak[0] / MIB, 1)
    stop = threading.Event()

    def sample():
        while not stop.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        yield result
        result.seconds = time.perf_counter() - started
    stop.set()
    if memory:
        sampler.join()
        peak[0] = max(peak[0], process.memory_info().rss)
        result.peak_mib = round(peak[0] / MIB, 1)
    result.queries = counter.queries
    result.insert_queries = counter.inserts


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def bare_month_aggregate(month):
    """Return the rows of one SQL aggregate per cadre over a month's duty logs, dispatch
    scores and violations: the floor of the settlement and the payroll."""
    from attendance.models import DutyLog, Violation
    from cadres.models import Cadre
    from performance.models import DispatchAssignment, DispatchOrder

    last = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    sql = f"""
        SELECT cadre_id, SUM(n), SUM(total) FROM (
            SELECT cadre_id, COUNT(*) AS n, SUM(minutes) AS total FROM {_table(DutyLog)}
            WHERE date BETWEEN %s AND %s GROUP BY cadre_id
          UNION ALL
            SELECT c.id, COUNT(*), SUM(a.score) FROM {_table(DispatchAssignment)} a
            JOIN {_table(DispatchOrder)} o ON o.id = a.order_id
            JOIN {_table(Cadre)} c ON c.village_id = a.village_id
            WHERE o.month = %s GROUP BY c.id
          UNION ALL
            SELECT cadre_id, COUNT(*), SUM(deduction_ratio) FROM {_table(Violation)}
            WHERE year = %s AND month = %s GROUP BY cadre_id
        ) AS parts GROUP BY cadre_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [month, last, month, month.year, month])
        return cursor.fetchall()


def bare_grades_aggregate(year):
    """Return one SQL aggregate per cadre over the confirmed grades up to a year: the floor
    of the yearly rank proposal."""
    from performance.models import AnnualGrade

    sql = f"""
        SELECT cadre_id, COUNT(*), MAX(year), MIN(grade) FROM {_table(AnnualGrade)}
        WHERE year <= %s AND status = 'confirmed' GROUP BY cadre_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [year])
        return cursor.fetchall()


def bare_payroll_write(payroll):
    """Write a payroll's own payslips and lines again, under the month after it, by one
    INSERT … SELECT each, and commit: what storing the rows costs with no pay rule worked
    out (the same indexes, checks, triggers and foreign keys). Return the copy's month.

    Reported beside the payroll, not a target's floor: the issue's floor is the bare
    aggregate. `bare_payroll_write_remove` takes the copy away.
    """
    from compensation.models import PayrollEntry, PayrollLine, PayrollMonth
    from compensation.services import ENTRY_COLUMNS, LINE_COLUMNS

    month = (payroll.month + datetime.timedelta(days=32)).replace(day=1)
    entries, lines = _table(PayrollEntry), _table(PayrollLine)
    entry_columns = ", ".join(ENTRY_COLUMNS)
    line_columns = ", ".join(LINE_COLUMNS[1:])
    with transaction.atomic():
        copy = PayrollMonth.objects.create(month=month, computed_at=payroll.computed_at)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {entries} (payroll_id, month, {entry_columns}) "
                f"SELECT %s, %s, {entry_columns} FROM {entries} WHERE payroll_id = %s",
                [copy.pk, month, payroll.pk],
            )
            cursor.execute(
                f"INSERT INTO {lines} (entry_id, {line_columns}) "
                f"SELECT dst.id, {', '.join(f'line.{c}' for c in LINE_COLUMNS[1:])} "
                f"FROM {lines} line JOIN {entries} src ON src.id = line.entry_id "
                f"JOIN {entries} dst ON dst.payroll_id = %s AND dst.cadre_id = src.cadre_id "
                f"WHERE src.payroll_id = %s",
                [copy.pk, payroll.pk],
            )
    return month


def bare_payroll_write_remove(month):
    """Delete the copy bare_payroll_write made."""
    from compensation.models import PayrollEntry, PayrollLine, PayrollMonth
    from longshan import bulk

    with transaction.atomic():
        bulk.delete(PayrollLine.objects.filter(entry__payroll__month=month))
        bulk.delete(PayrollEntry.objects.filter(payroll__month=month))
        PayrollMonth.objects.filter(month=month).delete()


def plain_table_pdf(title, header, rows):
    """Return (PDF bytes, pages) of one plain auto-layout table of the rows: the PDF floor."""
    from weasyprint import HTML

    from longshan.pdf import CJK_FONT_FAMILY

    cells = "".join(
        "<tr>" + "".join(f"<td>{escape(str(value))}</td>" for value in row) + "</tr>"
        for row in rows
    )
    heading = "".join(f"<th>{escape(str(value))}</th>" for value in header)
    html = (
        f"<html><head><meta charset='utf-8'><style>"
        f"@page {{ size: A4 landscape; margin: 12mm; font-family: {CJK_FONT_FAMILY}; }}"
        f"body {{ font-family: {CJK_FONT_FAMILY}; font-size: 9pt; }}"
        f"table {{ border-collapse: collapse; }} td, th {{ border: 0.5pt solid #666; }}"
        f"</style></head><body><h1>{escape(title)}</h1><table><thead><tr>{heading}</tr>"
        f"</thead><tbody>{cells}</tbody></table></body></html>"
    )
    document = HTML(string=html).render()
    return document.write_pdf(), len(document.pages)


def pdf_pages(content):
    """Return the page count of PDF bytes (poppler's pdfinfo)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(content)
        handle.flush()
        output = subprocess.run(
            ["pdfinfo", handle.name], capture_output=True, text=True, check=True
        ).stdout
    for line in output.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def _figure(result, **extra):
    return {
        "seconds": round(result.seconds, 4),
        "queries": result.queries,
        "queries_without_inserts": result.queries - result.insert_queries,
        **(
            {"peak_mib": result.peak_mib, "rss_before_mib": result.start_mib}
            if result.peak_mib is not None
            else {}
        ),
        **extra,
    }


def measure_jobs(log=print):
    """Settle the month, run its payroll (twice) and propose the year's ranks; each with its
    floor."""
    from compensation.services import payroll_run
    from performance.services import settlement_run
    from ranks.services import ranks_propose

    now = county.aware(county.TODAY, 8)
    figures = {}
    with probe() as floor:
        rows = bare_month_aggregate(county.MONTH)
    figures["month_aggregate_floor"] = _figure(floor, rows=len(rows))
    with probe() as settlement:
        period = settlement_run(county.MONTH, now=now, today=county.TODAY)
    figures["settlement"] = _figure(settlement, cadres=period.cadre_count)
    log(f"  settlement: {settlement.seconds:.2f} s, {settlement.queries} queries")
    # The payroll, then again, as the county does while it corrects a month: the rerun
    # replaces the payslips, in the same process (and database session) as the first run.
    for name, floor_name in (
        ("payroll", "month_aggregate_floor_again"),
        ("payroll_rerun", "month_aggregate_floor_rerun"),
    ):
        with probe() as floor:
            bare_month_aggregate(county.MONTH)
        figures[floor_name] = _figure(floor)
        with probe() as payroll:
            computed = payroll_run(county.MONTH, now=now)
        figures[name] = _figure(payroll, cadres=computed.cadre_count)
        log(f"  {name.replace('_', ' ')}: {payroll.seconds:.2f} s, {payroll.queries} queries")
    # What writing the payroll's own rows costs, with no rule worked out (reported only).
    with probe() as write:
        copied = bare_payroll_write(computed)
    figures["payroll_rows_write"] = _figure(write, cadres=computed.cadre_count)
    bare_payroll_write_remove(copied)
    log(f"  writing the payroll's rows: {write.seconds:.2f} s")
    with probe() as floor:
        rows = bare_grades_aggregate(county.YEAR)
    figures["grades_aggregate_floor"] = _figure(floor, rows=len(rows))
    with probe() as ranks:
        _cycle, counts = ranks_propose(county.YEAR, now=now)
    figures["rank_proposal"] = _figure(ranks, proposed=counts["proposed"])
    log(f"  rank proposal: {ranks.seconds:.2f} s, {ranks.queries} queries")
    return figures, computed


def measure_documents(payroll, user, log=print, *, max_rows=PDF_MAX_ROWS, split_workers=2):
    """Render the county payroll PDF and a township leave ledger, each beside a plain table.

    The county PDF is the app's own (`payroll_document_start`: parts of whole townships,
    then the merge). With a broker configured it runs on a real Celery worker started here
    (prefork, `split_workers` processes), timed from the request to the document done,
    with the peak RSS of each worker process; without one it runs eagerly, part after
    part, in this process. Its queries are counted in an eager run in this process.
    """
    from django.conf import settings

    from attendance import reports as attendance_reports
    from attendance import selectors as attendance_selectors
    from cadres.models import Township
    from compensation import reports, selectors

    figures = {}
    if payroll.cadre_count > max_rows:
        reason = f"not rendered: {payroll.cadre_count} rows in one document (limit {max_rows})"
        figures["county_payroll_pdf"] = {"skipped": reason}
        figures["payroll_plain_table_floor"] = {"skipped": reason}
    else:
        # Eager first: it counts the queries and warms WeasyPrint in this process, so
        # that the floor below does not pay its first-use costs alone.
        with probe() as eager:
            content = _county_pdf_eager(payroll, user)
        serial = _figure(eager, pages=pdf_pages(content), status="done")
        log(f"  county payroll PDF, eager in-process: {eager.seconds:.1f} s, {eager.queries} q")
        if settings.CELERY_BROKER_URL and split_workers:
            figure = _county_pdf_on_worker(payroll, user, workers=split_workers)
            figure["queries"] = eager.queries
            figure["queries_without_inserts"] = eager.queries - eager.insert_queries
            figure["serial_in_process"] = serial
        else:
            figure = {
                **serial,
                "how": "eager (no broker): every part in this process, one after another",
                "worker_peak_mib": [serial["peak_mib"]],
            }
        figure.update(rows=payroll.cadre_count)
        figures["county_payroll_pdf"] = figure
        log(
            f"  county payroll PDF: {figure['seconds']:.1f} s, {figure['pages']} pages, "
            f"{figure['status']}, worker peaks {figure['worker_peak_mib']} MiB ({figure['how']})"
        )
        entries = payroll.entries.select_related("cadre", "village", "township").order_by(
            "township__code", "village__code", "post", "cadre_id"
        )
        context = selectors.sheet_context(payroll, entries=entries)
        rows = [
            [
                row["number"],
                group["township"].name,
                row["entry"].village.name,
                row["entry"].cadre.name,
                row["entry"].get_post_display(),
                *row["money_list"],
            ]
            for group in context["groups"]
            for row in group["rows"]
        ]
        header = ["No.", "Township", "Village", "Name", "Post", *reports.column_headers()]
        with probe() as plain:
            _content, pages = plain_table_pdf(reports.sheet_title(context), header, rows)
        figures["payroll_plain_table_floor"] = _figure(plain, pages=pages, rows=len(rows))
        log(f"  plain table: {plain.seconds:.1f} s, {pages} p")
    month = county.MONTH
    township = max(
        Township.objects.all(),
        key=lambda t: len(
            attendance_selectors.ledger_context(t, year=month.year, month=month.month)["rows"]
        ),
    )
    context = attendance_selectors.ledger_context(township, year=month.year, month=month.month)
    with probe() as ledger:
        content = attendance_reports.leave_ledger_pdf(township, year=month.year, month=month.month)
    figures["leave_ledger_pdf"] = _figure(
        ledger, pages=pdf_pages(content), rows=len(context["rows"]), township=township.name
    )
    rows = [
        [
            row["number"],
            row["leave"].cadre.village.name,
            row["leave"].cadre.name,
            row["leave"].get_kind_display(),
            timezone.localtime(row["leave"].starts_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(row["leave"].ends_at).strftime("%Y-%m-%d %H:%M"),
            row["days"],
            row["leave"].get_status_display(),
        ]
        for row in context["rows"]
    ]
    header = ["No.", "Village", "Name", "Kind", "From", "To", "Days", "Status"]
    with probe() as plain:
        _content, pages = plain_table_pdf(township.name, header, rows)
    figures["ledger_plain_table_floor"] = _figure(plain, pages=pages, rows=len(rows))
    return figures


def _county_pdf_eager(payroll, user):
    """Return the bytes of the county payroll PDF produced with every task run in-process."""
    from compensation.models import PayrollDocument
    from compensation.services import payroll_document_start
    from longshan.celery import app as celery_app

    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        # Queued work runs on commit; inside a transaction (the benchmark's own test) the
        # callbacks are run when the block ends instead.
        with TestCase.captureOnCommitCallbacks(execute=True):
            document = payroll_document_start(payroll, actor=user)
    finally:
        celery_app.conf.task_always_eager = saved
    document.refresh_from_db()
    if document.status != PayrollDocument.Status.DONE:
        raise RuntimeError(f"the county payroll PDF failed: {document.error}")
    with document.file.open("rb") as handle:
        content = handle.read()
    document.file.delete(save=False)
    return content


@contextmanager
def celery_worker(*, workers, ready_timeout=120):
    """Start a Celery worker (prefork, `workers` processes) on a queue of its own against
    this database; yield its psutil.Process while tasks sent from here go to it."""
    import os
    import sys
    import uuid
    from pathlib import Path

    from django.conf import settings

    from longshan.celery import app as celery_app

    queue = f"bench-{uuid.uuid4().hex[:8]}"
    log_path = Path(tempfile.gettempdir()) / f"{queue}.log"
    env = {
        **os.environ,
        "DATABASE_URL": backup.database_url(connection),
        "DATABASE_CONN_MAX_AGE": "0",
    }
    command = [sys.executable, "-m", "celery", "-A", "longshan", "worker", "-Q", queue]
    command += [f"--concurrency={workers}", "--pool=prefork", "--without-gossip"]
    command += ["--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
    with open(log_path, "w") as log_file:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    saved = celery_app.conf.task_default_queue, celery_app.conf.task_always_eager
    celery_app.conf.update(task_default_queue=queue, task_always_eager=False)
    try:
        deadline = time.monotonic() + ready_timeout
        while " ready." not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield psutil.Process(process.pid)
    finally:
        celery_app.conf.update(task_default_queue=saved[0], task_always_eager=saved[1])
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        if not os.environ.get("BENCH_KEEP_WORKER_LOG"):  # set it to read the worker's log
            log_path.unlink(missing_ok=True)


def _worker_peaks(worker, peaks):
    """Record in `peaks` (pid: MiB) the largest RSS seen of each worker child process."""
    for child in worker.children():
        try:
            rss = child.memory_info().rss
            with open(f"/proc/{child.pid}/status") as status:
                high = next((int(line.split()[1]) * 1024 for line in status if "VmHWM" in line), 0)
        except (psutil.Error, OSError):
            continue
        peaks[child.pid] = max(peaks.get(child.pid, 0), rss, high)


def _county_pdf_on_worker(payroll, user, *, workers, timeout=600):
    """Return the figure of the county payroll PDF produced by a real Celery worker."""
    from compensation.models import PayrollDocument
    from compensation.services import payroll_document_start

    with celery_worker(workers=workers) as worker:
        peaks = {}
        _worker_peaks(worker, peaks)
        started = time.perf_counter()
        document = payroll_document_start(payroll, actor=user)
        finished = PayrollDocument.objects.filter(pk=document.pk, status__in=["done", "failed"])
        while not finished.exists():
            _worker_peaks(worker, peaks)
            if time.perf_counter() - started > timeout:
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        _worker_peaks(worker, peaks)
    document.refresh_from_db()
    pages = None
    if document.status == PayrollDocument.Status.DONE:
        with document.file.open("rb") as handle:
            pages = pdf_pages(handle.read())
        document.file.delete(save=False)
    return {
        "seconds": round(seconds, 4),
        "pages": pages,
        "status": document.status,
        "error": document.error[:300],
        "parts": payroll.entries.values("township_id").distinct().count(),
        "workers": workers,
        "worker_peak_mib": [round(peak / MIB, 1) for _pid, peak in sorted(peaks.items())],
        "how": f"a real Celery worker, prefork, {workers} processes; request to done",
    }


def pages_to_measure(payroll):
    """Return [(label, url or None)] of the main list pages and the county dashboard.

    Pages that show a year or a month by default (this year, last month) are asked for
    the benchmark's own, which the county was built and settled for: the real clock's
    would be empty.
    """
    month = f"?year={county.MONTH.year}&month={county.MONTH.month}"
    pages = [
        ("minimal view (floor)", reverse("bench_minimal")),
        ("cadre list", reverse("cadres:cadre_list")),
        ("leave list", reverse("attendance:leave_list")),
        ("dispatch orders", reverse("performance:orders")),
        ("training compliance", reverse("training:compliance") + f"?year={county.YEAR}"),
        ("payroll list", reverse("compensation:payroll_list")),
        ("payroll page", reverse("compensation:payroll_detail", args=[payroll.pk])),
    ]
    try:
        pages.append(("county dashboard", reverse("dashboards:county") + month))
    except NoReverseMatch:
        pages.append(("county dashboard", None))
    return pages


def measure_pages(payroll, user, *, samples=PAGE_SAMPLES, log=print):
    """Request each page `samples` times in-process; return median, p95 and queries."""
    figures = {}
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(user)
        for label, url in pages_to_measure(payroll):
            if url is None:
                figures[label] = {"status": "not present"}
                log(f"  {label}: not present")
                continue
            for _n in range(PAGE_WARMUP):
                response = client.get(url)
            counter = QueryCounter()
            with connection.execute_wrapper(counter):
                response = client.get(url)
            times = []
            for _n in range(samples):
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            figures[label] = {
                "url": url,
                "status": response.status_code,
                "median_ms": round(statistics.median(times), 1),
                "p95_ms": round(p95, 1),
                "queries": counter.queries,
                "samples": samples,
            }
            log(f"  {label}: p95 {p95:.0f} ms, {counter.queries} queries")
    return figures
