"""Backup and restore (issue 11): a backup restored into an empty database holds every row."""

import sqlite3
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from conftest import missing_service
from longshan import audit, backup


def sqlite_rows(path):
    """Return {table: sorted rows} of every table of an SQLite file."""
    with sqlite3.connect(str(path)) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"'))) for t in tables}


def postgres_rows(settings_dict, name):
    """Return {table: sorted rows} of every table of the public schema of a database."""
    import psycopg2

    options = {
        "host": settings_dict.get("HOST") or "127.0.0.1",
        "port": settings_dict.get("PORT") or 5432,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "dbname": name,
    }
    with psycopg2.connect(**options) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [name for (name,) in cursor.fetchall()]
        rows = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')
            rows[table] = sorted(map(repr, cursor.fetchall()))
    db.close()
    return rows


def test_an_sqlite_backup_restored_into_an_empty_database_holds_every_row(
    county, transactional_db, tmp_path
):
    # Given a database with the test county and an audit event (committed: a real backup
    # reads only what is committed)
    audit.record("test.before_backup", actor=county.users.county, changes={"x": [1, 2]})
    if connection.vendor == "sqlite":
        source = {"ENGINE": "django.db.backends.sqlite3", "NAME": connection.settings_dict["NAME"]}
    else:  # on PostgreSQL the SQLite method is still checked, on a file of its own
        source = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "source.db")}
        with sqlite3.connect(source["NAME"]) as db:
            db.execute("CREATE TABLE cadre (id INTEGER PRIMARY KEY, name TEXT)")
            db.executemany("INSERT INTO cadre (name) VALUES (?)", [("张三",), ("彭国华",)])
    expected = sqlite_rows(source["NAME"])
    assert sum(len(rows) for rows in expected.values()) > 0

    # When it is backed up, and the backup restored into an empty database
    path = backup.backup(database=source, directory=tmp_path / "backups")
    target = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "empty.db")}
    backup.restore(path, database=target)

    # Then the backup is a timestamped file, and the restored database holds every row
    assert path.parent == tmp_path / "backups"
    assert path.name.startswith("longshan-") and path.suffix == ".sqlite3"
    assert sqlite_rows(target["NAME"]) == expected


def test_the_backup_command_writes_under_the_directory(db, tmp_path, capsys):
    if connection.vendor == "postgresql":
        import shutil

        if not shutil.which("pg_dump"):
            pytest.fail("pg_dump is missing: apt-get install postgresql-client", pytrace=False)
    call_command("backup_database", "--directory", str(tmp_path))
    written = capsys.readouterr().out.strip()
    assert list(tmp_path.iterdir()) == [tmp_path / written.split("/")[-1]]


def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(backup.BackupError):
        backup.restore(tmp_path / "nothing.sqlite3", database={"ENGINE": "x", "NAME": "y"})


def test_a_postgresql_backup_restored_into_an_empty_database_holds_every_row(
    county, transactional_db, tmp_path
):
    if connection.vendor != "postgresql":
        missing_service("DATABASE_URL does not point at PostgreSQL")
    import psycopg2

    # Given the test county and an audit event, committed
    audit.record("test.before_backup", actor=county.users.county, changes={"x": [1, 2]})
    source = connection.settings_dict
    expected = postgres_rows(source, source["NAME"])
    assert sum(len(rows) for rows in expected.values()) > 0

    # When it is backed up with pg_dump and restored into a new, empty database
    path = backup.backup(database=source, directory=tmp_path)
    scratch = f"scratch_restore_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(
        host=source.get("HOST") or "127.0.0.1",
        port=source.get("PORT") or 5432,
        user=source.get("USER") or None,
        password=source.get("PASSWORD") or None,
        dbname="postgres",
    )
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{scratch}"')
        backup.restore(path, database={**source, "NAME": scratch})

        # Then every table holds the same rows, and the audit trail is append-only again
        assert path.suffix == ".dump"
        assert postgres_rows(source, scratch) == expected
        restored = psycopg2.connect(
            host=source.get("HOST") or "127.0.0.1",
            port=source.get("PORT") or 5432,
            user=source.get("USER") or None,
            password=source.get("PASSWORD") or None,
            dbname=scratch,
        )
        try:
            with pytest.raises(psycopg2.Error), restored.cursor() as cursor:
                cursor.execute("DELETE FROM longshan_auditevent")
        finally:
            restored.close()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()
