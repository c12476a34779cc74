"""The benchmark (`make bench`) keeps working: a tiny county, every figure produced.

Times are never asserted here: they belong to the machine. Only that each figure and
its floor were measured, and that results.json keeps the keys of other runs.
"""

import json

import pytest

from bench import run as bench_runner
from compensation.models import PayrollMonth
from longshan.management.commands.bench import bench_run

pytestmark = pytest.mark.django_db


def test_the_benchmark_produces_every_figure_at_a_tiny_scale(tmp_path):
    # Given a results file that already holds the load run's figures
    results = tmp_path / "results.json"
    results.write_text(json.dumps({"load": {"p95_ms": 1.0}}))
    # When the benchmark runs at N=0.05 (one township, twenty villages)
    run = bench_run(scale=0.05, samples=2, results=results, log=lambda message: None)
    # Then the county was built with a year of duty and the work around it
    for table in ("cadres", "duty_logs", "leave", "violations", "dispatch_assignments"):
        assert run["data"][table] > 0, table
    # and every job was measured beside its floor
    for name in (
        "settlement",
        "payroll",
        "payroll_rerun",
        "payroll_rows_write",
        "rank_proposal",
        "month_aggregate_floor",
        "month_aggregate_floor_rerun",
        "grades_aggregate_floor",
    ):
        figure = run["jobs"][name]
        assert figure["seconds"] >= 0 and figure["queries"] > 0, name
    assert run["jobs"]["settlement"]["peak_mib"] > 0
    assert run["jobs"]["settlement"]["cadres"] == run["data"]["cadres"]
    assert run["jobs"]["payroll"]["cadres"] == run["data"]["cadres"]
    assert run["jobs"]["payroll_rerun"]["cadres"] == run["data"]["cadres"]
    # and the copy of the payroll's rows written to measure their writing is gone again
    assert PayrollMonth.objects.count() == 1
    assert "payroll against writing its own rows (s)" in run["table"]
    # and both documents beside a plain table of the same rows
    documents = run["documents"]
    for name in (
        "county_payroll_pdf",
        "payroll_plain_table_floor",
        "leave_ledger_pdf",
        "ledger_plain_table_floor",
    ):
        assert documents[name]["pages"] >= 1, name
        assert documents[name]["seconds"] > 0, name
    assert documents["county_payroll_pdf"]["status"] == "done"
    # and every page answered, or is reported as not present (the county dashboard)
    for label, page in run["pages"].items():
        if page["status"] == "not present":
            assert label == "county dashboard"
            continue
        assert page["status"] == 200, label
        assert page["p95_ms"] >= page["median_ms"] > 0, label
        assert label == "minimal view (floor)" or page["queries"] > 0, label
    # and every verdict row is filled, the table printed, the load figures kept
    assert all(row["value"] and row["floor"] and row["target"] for row in run["verdicts"])
    assert "| figure | value | floor | target | met? |" in run["table"]
    saved = json.loads(results.read_text())
    assert saved["load"] == {"p95_ms": 1.0}
    assert saved["bench"]["latest"] in saved["bench"]["runs"]


def test_make_bench_never_uses_the_developers_database(monkeypatch):
    # Given a developer working on a PostgreSQL database
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/longshan")
    # Then the benchmark uses a `bench` database on the same server
    assert bench_runner.database_url(1) == "postgres://postgres@127.0.0.1:5432/bench"
    # and without a server, an SQLite file of its own under var/bench/
    monkeypatch.delenv("DATABASE_URL")
    assert "/var/bench/bench-N1.sqlite3" in bench_runner.database_url(1)
    # and refuses to be pointed at the developer's database
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/longshan")
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/longshan")
    with pytest.raises(SystemExit):
        bench_runner.database_url(1)
