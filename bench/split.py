"""What a split county payroll PDF would cost: one document per township, rendered by
parallel worker processes, then merged (poppler's `pdfunite`).

The compensation app renders the county-wide PDF as one document (see README,
"Benchmark"); this measures the split design beside it, so the gap to the target is known.
Workers are fresh processes (spawn), so each one's peak memory is its own, not a copy of
the benchmark's.
"""

import multiprocessing
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from django.db import connection, connections


def _worker_setup(database_name):
    import django
    from django.conf import settings

    django.setup()
    settings.DATABASES["default"]["NAME"] = database_name


def _render(job):
    """Render one township's sheet to a file; return (path, worker peak RSS in MiB)."""
    from compensation import reports, selectors
    from compensation.models import PayrollMonth

    payroll_id, township_id, path = job
    payroll = PayrollMonth.objects.get(pk=payroll_id)
    # The same rows, order and context as compensation.services.payroll_document_run.
    entries = list(
        payroll.entries.select_related("cadre__bank_account", "village", "township")
        .filter(township_id=township_id)
        .order_by("township__code", "village__code", "post", "cadre_id")
    )
    township = entries[0].township
    context = selectors.sheet_context(payroll, entries=entries, township=township)
    Path(path).write_bytes(reports.payroll_pdf(context))
    return path, _own_peak_mib()


def _own_peak_mib():
    """Return this process's peak resident memory (VmHWM), in MiB.

    Not getrusage's ru_maxrss: Linux keeps it across fork and exec, so a worker started by
    a big benchmark process would report the benchmark's size.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def county_pdf_split(payroll, *, workers=2):
    """Return the seconds, pages, worker peak and merge time of the split county PDF, or
    None when `pdfunite` is missing."""
    from compensation.models import PayrollEntry

    from .measure import pdf_pages

    if not shutil.which("pdfunite"):
        return None
    townships = list(
        PayrollEntry.objects.filter(payroll=payroll)
        .order_by("township__code")
        .values_list("township_id", flat=True)
        .distinct()
    )
    database_name = connection.settings_dict["NAME"]
    connections.close_all()
    with tempfile.TemporaryDirectory() as directory:
        jobs = [(payroll.pk, t, f"{directory}/{n:05d}.pdf") for n, t in enumerate(townships)]
        started = time.perf_counter()
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers, initializer=_worker_setup, initargs=(database_name,)) as pool:
            done = pool.map(_render, jobs, chunksize=1)
        rendered = time.perf_counter() - started
        merged = f"{directory}/county.pdf"
        subprocess.run(["pdfunite", *[path for path, _peak in done], merged], check=True)
        seconds = time.perf_counter() - started
        content = Path(merged).read_bytes()
    return {
        "seconds": round(seconds, 2),
        "render_seconds": round(rendered, 2),
        "merge_seconds": round(seconds - rendered, 2),
        "workers": workers,
        "documents": len(jobs),
        "pages": pdf_pages(content),
        "worker_peak_mib": round(max(peak for _path, peak in done), 1),
    }
