"""Load run (`make load`): the month-end mix against gunicorn on loopback, with the demo data.

Migrates and loads the demo county into LOAD_DATABASE_URL (default: DATABASE_URL, else
var/load/longshan-load.sqlite3), starts gunicorn on 127.0.0.1:LOAD_PORT, runs locust
headless (LOAD_USERS users for LOAD_DURATION, bench/locustfile.py), stops the server and
merges the figures into bench/results.json under "load". Exits 1 if any request failed.
Everything is bounded: locust stops itself after the duration, the server is stopped after.
"""

import csv
import datetime
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var" / "load"
RESULTS = BASE_DIR / "bench" / "results.json"
PYTHON = sys.executable
BIN = Path(PYTHON).parent

USERS = int(os.environ.get("LOAD_USERS", "50"))
SPAWN_RATE = int(os.environ.get("LOAD_SPAWN_RATE", "10"))
DURATION = os.environ.get("LOAD_DURATION", "2m")
PORT = int(os.environ.get("LOAD_PORT", "8765"))
WORKERS = int(os.environ.get("LOAD_WORKERS", str(max(2, (os.cpu_count() or 1) + 1))))

TARGETS_SCRIPT = """
import json
from cadres.models import Cadre, User
secretary = User.objects.select_related("cadre").get(username="secretary")
village = secretary.cadre.village
from attendance.models import DutyLog
days = sorted({d.isoformat() for d in DutyLog.objects.filter(
    cadre__village=village).values_list("date", flat=True)})[-10:]
print(json.dumps({
    "village": village.pk,
    "village_cadres": list(Cadre.objects.filter(village=village, status="active")
        .values_list("pk", flat=True)),
    "township": village.township_id,
    "any_cadres": list(Cadre.objects.order_by("pk").values_list("pk", flat=True)[:300]),
    "duty_days": days,
}))
"""


def run(args, env, **kwargs):
    return subprocess.run(args, cwd=BASE_DIR, env=env, check=True, **kwargs)


def wait_until_up(url, server, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before it answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds} s")


def figures(stats_csv):
    """Return the aggregated and per-request figures of locust's stats csv."""
    with open(stats_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "requests_per_s": round(float(total["Requests/s"]), 1),
        "p50_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
        "p99_ms": float(total["99%"]),
        "max_ms": round(float(total["Max Response Time"]), 1),
        "by_request": {
            row["Name"]: {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p95_ms": float(row["95%"]),
            }
            for row in rows
            if row["Name"] != "Aggregated"
        },
    }


def merge_results(load):
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["load"] = load
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")


def main():
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    database_url = (
        os.environ.get("LOAD_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or f"sqlite:///{VAR_DIR / 'longshan-load.sqlite3'}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LONGSHAN_HTTPS": "0",
        "CELERY_BROKER_URL": "",  # no worker needed: anything queued runs in-process
        "LOG_LEVEL": "ERROR",
    }
    print(f"Database: {database_url.split('@')[-1]}", flush=True)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PYTHON, "manage.py", "load_longshan_demo"], env, stdout=subprocess.DEVNULL)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    targets = (
        run(
            [PYTHON, "manage.py", "shell", "-c", TARGETS_SCRIPT],
            env,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "longshan.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--timeout",
            "60",
            # Longer than a simulated user's pause: gunicorn's default of 2 s closes idle
            # connections just as a client reuses them (connection reset by peer).
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    prefix = VAR_DIR / "locust"
    mix_file = VAR_DIR / "mix.json"
    mix_file.unlink(missing_ok=True)
    try:
        wait_until_up(f"http://127.0.0.1:{PORT}/accounts/login/", server)
        print(f"Locust: {USERS} users for {DURATION} on http://127.0.0.1:{PORT}", flush=True)
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(BASE_DIR / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(USERS),
                "--spawn-rate",
                str(SPAWN_RATE),
                "--run-time",
                DURATION,
                "--stop-timeout",
                "10",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=BASE_DIR,
            env={**os.environ, "LOAD_TARGETS": targets, "LOAD_MIX_FILE": str(mix_file)},
            check=False,
            timeout=_seconds(DURATION) + 120,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    load = {
        "measured_at": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "users": USERS,
        "duration": DURATION,
        "server": f"gunicorn, {WORKERS} workers x 4 threads, 127.0.0.1",
        "database": database_url.split(":", 1)[0],
        **figures(f"{prefix}_stats.csv"),
    }
    # Sign-ins hash a password on purpose (slow): the p95 of the mix without them too.
    if mix_file.exists():
        load.update(json.loads(mix_file.read_text()))
    merge_results(load)
    print(
        f"requests {load['requests']}, failures {load['failures']}, "
        f"p50 {load['p50_ms']:.0f} ms, p95 {load['p95_ms']:.0f} ms "
        f"(without sign-ins {load.get('p95_ms_without_sign_in', 0):.0f} ms); "
        f"written to {RESULTS.relative_to(BASE_DIR)}"
    )
    return 1 if load["failures"] else 0


def _seconds(duration):
    units = {"s": 1, "m": 60, "h": 3600}
    return int(duration[:-1]) * units[duration[-1]] if duration[-1] in units else int(duration)


if __name__ == "__main__":
    sys.exit(main())
