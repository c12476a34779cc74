"""Back up and restore the portal's database: pg_dump/pg_restore, or SQLite's backup API.

A backup is one file under var/backups/ named with its time: `longshan-<stamp>.dump`
(PostgreSQL custom format) or `longshan-<stamp>.sqlite3`. A restore replaces the whole
content of the target database with the backup's. The functions take a connection's
settings dictionary, so a test can restore into a scratch database.
"""

import datetime
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    """A backup or restore could not be made."""


def backup_directory():
    return Path(settings.VAR_DIR) / "backups"


def _vendor(database):
    engine = database["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        return "sqlite"
    if engine.startswith("django.db.backends.postgresql"):
        return "postgresql"
    raise BackupError(f"no backup method for the database engine {engine}")


def _pg_arguments(database):
    """Return the connection options and environment of the PostgreSQL client tools."""
    arguments = []
    if database.get("HOST"):
        arguments += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        arguments += ["--port", str(database["PORT"])]
    if database.get("USER"):
        arguments += ["--username", str(database["USER"])]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])  # never on the command line
    return arguments, env


def _pg_tool(name):
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is missing: apt-get install postgresql-client")
    return path


def _run(command, env=None):
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def backup(*, database=None, directory=None, now=None):
    """Write a backup of the database and return its path."""
    database = database or connections["default"].settings_dict
    directory = Path(directory or backup_directory())
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S")
    vendor = _vendor(database)
    if vendor == "postgresql":
        path = directory / f"longshan-{stamp}.dump"
        arguments, env = _pg_arguments(database)
        command = [_pg_tool("pg_dump"), *arguments, "--format=custom", "--no-owner"]
        _run([*command, "--file", str(path), str(database["NAME"])], env)
    else:
        path = directory / f"longshan-{stamp}.sqlite3"
        source = sqlite3.connect(str(database["NAME"]))
        target = sqlite3.connect(str(path))
        try:
            source.backup(target)  # consistent even while the portal writes
        finally:
            target.close()
            source.close()
    path.chmod(0o600)  # personal data: readable by the portal's account only
    return path


def restore(path, *, database=None):
    """Replace the content of the database with the backup at path."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such backup file: {path}")
    database = database or connections["default"].settings_dict
    if _vendor(database) == "postgresql":
        arguments, env = _pg_arguments(database)
        command = [_pg_tool("pg_restore"), *arguments, "--clean", "--if-exists", "--no-owner"]
        command += ["--single-transaction", "--exit-on-error", "--dbname", str(database["NAME"])]
        _run([*command, str(path)], env)
        return
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    target = sqlite3.connect(str(database["NAME"]))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def database_url(connection):
    """Return a DATABASE_URL naming the database a connection uses, for a process started
    from this one (a Celery worker of a test or of the benchmark)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or ""
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings['NAME']}"
