"""`make bench`: the benchmark on a fresh database of its own, never the developer's.

The database: BENCH_DATABASE_URL if set; else, when DATABASE_URL names a PostgreSQL
server, a database `bench` on that server (dropped and created again); else the SQLite
file var/bench/bench-N<scale>.sqlite3 (deleted first). Migrates it, then runs
`manage.py bench --scale BENCH_SCALE` (default 1) against it: the build in one process,
the measurements in another. BENCH_SAMPLES changes the requests per page.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var" / "bench"
PYTHON = sys.executable
BENCH_DATABASE = "bench"


def database_url(scale):
    """Return the benchmark's database URL, never the one the developer works on."""
    explicit = os.environ.get("BENCH_DATABASE_URL")
    main = os.environ.get("DATABASE_URL", "")
    if explicit:
        same = urlsplit(explicit)[1:3] == urlsplit(main)[1:3]
        if main and same:
            raise SystemExit("BENCH_DATABASE_URL must not be DATABASE_URL: the benchmark wipes it.")
        return explicit
    if main.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(main)
        if parts.path.strip("/") == BENCH_DATABASE:
            return main
        return urlunsplit(parts._replace(path="/" + BENCH_DATABASE))
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / f'bench-N{scale:g}.sqlite3'}"


def recreate(url):
    """Drop and create the benchmark's database, so the run starts empty."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = Path(parts.path if not parts.path.startswith("//") else parts.path[1:])
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg2

    name = parts.path.strip("/")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def main():
    scale = float(os.environ.get("BENCH_SCALE") or (sys.argv[1] if len(sys.argv) > 1 else 1))
    url = database_url(scale)
    print(f"Benchmark database: {url}")
    recreate(url)
    env = {**os.environ, "DATABASE_URL": url}
    manage = [PYTHON, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)
    bench = [*manage, "bench", "--scale", f"{scale:g}"]
    if os.environ.get("BENCH_SAMPLES"):
        bench += ["--samples", os.environ["BENCH_SAMPLES"]]
    # Build and measure in two processes: the generator's memory is not the jobs'.
    subprocess.run([*bench, "--phase", "build"], cwd=BASE_DIR, env=env, check=True)
    subprocess.run([*bench, "--phase", "measure"], cwd=BASE_DIR, env=env, check=True)


if __name__ == "__main__":
    main()
