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
from django.db import connection
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

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
        if sql.lstrip()[:6].upper() in ("INSERT", "COPY \"", "COPY "):
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
    """Settle the month, run its payroll and propose the year's ranks; each with its floor."""
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
    with probe() as floor:
        bare_month_aggregate(county.MONTH)
    figures["month_aggregate_floor_again"] = _figure(floor)
    with probe() as payroll:
        computed = payroll_run(county.MONTH, now=now)
    figures["payroll"] = _figure(payroll, cadres=computed.cadre_count)
    log(f"  payroll: {payroll.seconds:.2f} s, {payroll.queries} queries")
    with probe() as floor:
        rows = bare_grades_aggregate(county.YEAR)
    figures["grades_aggregate_floor"] = _figure(floor, rows=len(rows))
    with probe() as ranks:
        _cycle, counts = ranks_propose(county.YEAR, now=now)
    figures["rank_proposal"] = _figure(ranks, proposed=counts["proposed"])
    log(f"  rank proposal: {ranks.seconds:.2f} s, {ranks.queries} queries")
    return figures, computed


def measure_documents(payroll, user, log=print, *, max_rows=PDF_MAX_ROWS, split_workers=0):
    """Render the county payroll PDF and a township leave ledger, each beside a plain table."""
    from attendance import reports as attendance_reports
    from attendance import selectors as attendance_selectors
    from cadres.models import Township
    from compensation import reports, selectors
    from compensation.models import PayrollDocument
    from compensation.services import payroll_document_run

    figures = {}
    if payroll.cadre_count > max_rows:
        reason = f"not rendered: {payroll.cadre_count} rows in one document (limit {max_rows})"
        figures["county_payroll_pdf"] = {"skipped": reason}
        figures["payroll_plain_table_floor"] = {"skipped": reason}
    else:
        document = PayrollDocument.objects.create(payroll=payroll, created_by=user)
        with probe() as pdf:
            document = payroll_document_run(document.pk, now=timezone.now())
        with document.file.open("rb") as handle:
            content = handle.read()
        document.file.delete(save=False)
        figures["county_payroll_pdf"] = _figure(
            pdf, pages=pdf_pages(content), rows=payroll.cadre_count, status=document.status
        )
        pages = figures["county_payroll_pdf"]["pages"]
        log(f"  county payroll PDF: {pdf.seconds:.1f} s, {pages} pages")
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
        if split_workers:
            from .split import county_pdf_split

            figures["county_payroll_pdf_split"] = county_pdf_split(
                payroll, workers=split_workers
            ) or {"skipped": "pdfunite (poppler-utils) is not installed"}
            log(f"  split per township: {figures['county_payroll_pdf_split']}")
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


def pages_to_measure(payroll):
    """Return [(label, url or None)] of the main list pages and the county dashboard."""
    pages = [
        ("minimal view (floor)", reverse("bench_minimal")),
        ("cadre list", reverse("cadres:cadre_list")),
        ("leave list", reverse("attendance:leave_list")),
        ("dispatch orders", reverse("performance:orders")),
        ("training compliance", reverse("training:compliance")),
        ("payroll list", reverse("compensation:payroll_list")),
        ("payroll page", reverse("compensation:payroll_detail", args=[payroll.pk])),
    ]
    try:
        pages.append(("county dashboard", reverse("dashboards:county")))
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
