"""Build a synthetic county at scale N and measure the heavy work against its floors.

`python manage.py bench --scale N` runs on the configured database, which must hold no
county yet; `make bench` gives it a fresh one (var/bench/ or a `bench` PostgreSQL
database), never the developer's. Prints a table and merges the run into
bench/results.json under "bench" (other keys are kept).
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from bench import county, measure, report


class Command(BaseCommand):
    help = "Build a synthetic county at scale N (1 = Longshan) and benchmark it against floors."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="N: 1 is Longshan.")
        parser.add_argument(
            "--samples", type=int, default=measure.PAGE_SAMPLES, help="Requests per page."
        )
        parser.add_argument(
            "--pdf-max-rows",
            type=int,
            default=measure.PDF_MAX_ROWS,
            help="Skip the county payroll PDF above this many rows.",
        )
        parser.add_argument("--results", default=None, help="Results file (bench/results.json).")
        parser.add_argument(
            "--split-workers",
            type=int,
            default=2,
            help="Render the county payroll PDF on a real Celery worker of this many processes "
            "when a broker is configured (0: eagerly in this process, part after part).",
        )
        parser.add_argument(
            "--phase",
            choices=["all", "build", "measure"],
            default="all",
            help="Only build the county, or only measure one already built (`make bench` "
            "does each in its own process, so the generator's memory is not counted).",
        )

    def handle(self, *args, scale, samples, pdf_max_rows, results, phase, split_workers, **options):
        log = self.stdout.write
        if phase == "build":
            build_county(scale, log=log)
            return
        data = build_county(scale, log=log) if phase == "all" else county.built()
        run = bench_run(
            scale=scale,
            data=data,
            samples=samples,
            pdf_max_rows=pdf_max_rows,
            split_workers=split_workers,
            results=results,
            log=log,
        )
        self.stdout.write("")
        self.stdout.write(run["table"])


def build_county(scale, *, log=print):
    """Build the county at `scale`; return its counts and the seconds it took."""
    if scale <= 0:
        raise CommandError("The scale must be above 0.")
    log(f"Building the county at N={scale:g} on {connection.vendor} …")
    started = time.perf_counter()
    try:
        data = county.build(scale, log=log)
    except county.BenchDataError as error:
        raise CommandError(str(error)) from error
    data["generate_seconds"] = round(time.perf_counter() - started, 1)
    county.remember_build(data)
    log(f"  built in {data['generate_seconds']:.1f} s")
    # The tables as a server running autovacuum would have them after a bulk load (outside
    # the build's time): planner statistics, without which PostgreSQL guesses row counts,
    # and on PostgreSQL a vacuum too, which sets the hint bits and visibility map that the
    # first reads of freshly copied rows would otherwise pay for (and that index-only
    # scans need). VACUUM cannot run inside a transaction (the benchmark's own test).
    started = time.perf_counter()
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    statement = "VACUUM ANALYZE" if vacuum else "ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(statement)
    log(f"  {statement} in {time.perf_counter() - started:.1f} s")
    return data


def bench_run(
    *,
    scale,
    data=None,
    samples=measure.PAGE_SAMPLES,
    pdf_max_rows=measure.PDF_MAX_ROWS,
    split_workers=0,
    results=None,
    log=print,
):
    """Build (unless `data` says it is built), measure, judge and save one run; return it
    with its verdicts and table."""
    if data is None:
        data = build_county(scale, log=log)
    user = county.User.objects.get(username=county.BENCH_USER)
    log("Measuring the monthly and yearly jobs …")
    jobs, payroll = measure.measure_jobs(log=log)
    log("Measuring the documents …")
    documents = measure.measure_documents(
        payroll, user, log=log, max_rows=pdf_max_rows, split_workers=split_workers
    )
    log("Measuring the pages …")
    pages = measure.measure_pages(payroll, user, samples=samples, log=log)
    run = {
        "measured_at": timezone.now().replace(microsecond=0).isoformat(),
        "scale": scale,
        "database": connection.vendor,
        "machine": report.machine(),
        "pages_measured_with": "Django test Client, in-process (no network, no gunicorn)",
        "data": data,
        "generate_seconds": data["generate_seconds"],
        "jobs": jobs,
        "documents": documents,
        "pages": pages,
    }
    others = report.other_runs(report.load_results(results), run)
    rows = report.verdicts(run, others)
    run["table"] = report.table(run, rows)
    report.save(run, rows, path=results)
    run["verdicts"] = rows
    return run
