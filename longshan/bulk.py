"""Write many rows at once without building a model instance per row.

The monthly jobs write a row per cadre (the settlement) or several (the payroll): at
province scale some 72,000 and 350,000 rows. `Model.objects.bulk_create` spends most of
its time building and preparing model instances, so the jobs and the benchmark's
generator write plain tuples here instead: PostgreSQL's `COPY … FROM STDIN`, SQLite's
`executemany`. The statements go through the connection's execute wrappers and its query
log, so whatever counts or logs queries sees them as it sees any other.

No model `save()`, no signals and no field defaults beyond those `insert` fills in: it is
for rows the caller computed whole.
"""

import csv
import functools
import io
import itertools
import json

from django.db import connection
from django.utils import timezone

# Rows a statement: COPY streams take any number, this only bounds the memory of the text.
CHUNK = 100_000
NULL = "\\N"


def _text(value):
    """COPY text (the fallback format) of a value, escaped."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _json_text(row, json_columns):
    """Return a row with its JSON values as their JSON text."""
    return tuple(
        json.dumps(value, ensure_ascii=False) if i in json_columns and value is not None else value
        for i, value in enumerate(row)
    )


def _is_text(field):
    return field.get_internal_type() in TEXT_TYPES


TEXT_TYPES = {"CharField", "TextField", "SlugField", "EmailField", "URLField", "JSONField"}


def _with_defaults(model, columns, constants):
    """Add to the constants the fields left out that the database needs: their
    defaults, '' or now."""
    constants = dict(constants)
    now = timezone.now()
    for field in model._meta.concrete_fields:
        named = {field.attname, field.name}
        if named & set(columns) or named & set(constants) or field.primary_key:
            continue
        if field.has_default():
            constants[field.attname] = field.get_default()
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            constants[field.attname] = now
        elif field.null:
            continue
        elif field.blank and field.get_internal_type() in ("CharField", "TextField", "FileField"):
            constants[field.attname] = ""
    return constants


def _through_wrappers(cursor, sql, run):
    """Run `run()` as the statement `sql` through the connection's execute wrappers.

    (Django's own debug cursor logs a COPY already, for DEBUG and CaptureQueriesContext.)
    """

    def execute(sql, params, many, context):
        return run()

    executor = execute
    for wrapper in reversed(connection.execute_wrappers):
        executor = functools.partial(wrapper, executor)
    return executor(sql, None, True, {"connection": connection, "cursor": cursor})


def _copy(cursor, table, column_sql, fields, columns, rows, constants):
    """Stream rows into PostgreSQL with COPY: CSV written by the csv module (C), where a
    quoted empty field of a nullable column is NULL; the escaped text format when a
    nullable text column could not tell NULL from an empty text in CSV."""
    json_columns = {i for i, field in enumerate(fields) if field.get_internal_type() == "JSONField"}
    tail = _json_text(tuple(constants.values()), {i - len(columns) for i in json_columns})
    if json_columns & set(range(len(columns))):
        rows = [_json_text(row, json_columns) for row in rows]
    if any(field.null and _is_text(field) for field in fields):
        tail = "".join("\t" + _text(value) for value in tail) + "\n"
        sql = f"COPY {table} ({column_sql}) FROM STDIN"
        lines = ("\t".join([_text(value) for value in row]) + tail for row in rows)
    else:
        nullable = ", ".join(
            connection.ops.quote_name(field.column) for field in fields if field.null
        )
        sql = f"COPY {table} ({column_sql}) FROM STDIN WITH (FORMAT csv" + (
            f", FORCE_NULL ({nullable}))" if nullable else ")"
        )
        lines = None
    for start in range(0, len(rows), CHUNK):
        buffer = io.StringIO()
        if lines is None:
            # Texts and dates quoted, numbers not; None is a quoted empty field.
            writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
            writer.writerows([(*row, *tail) for row in rows[start : start + CHUNK]])
        else:
            buffer.writelines(itertools.islice(lines, CHUNK))
        buffer.seek(0)
        _through_wrappers(cursor, sql, functools.partial(cursor.copy_expert, sql, buffer))


def insert(model, columns, rows, *, constants=None):
    """Write rows (tuples in the order of `columns`, field attnames) in bulk.

    `constants` ({attname: value}) are the same in every row: they are prepared once.
    Fields named neither in `columns` nor in `constants` get their default. Returns the
    number of rows written; ids are the database's (read them back if needed).
    """
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    constants = _with_defaults(model, columns, constants or {})
    names = [*columns, *constants]
    fields = [model._meta.get_field(name) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    column_sql = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, table, column_sql, fields, columns, rows, constants)
        else:
            prepared_constants = tuple(
                field.get_db_prep_save(value, connection)
                for field, value in zip(fields[len(columns) :], constants.values(), strict=True)
            )
            own = fields[: len(columns)]
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({column_sql}) VALUES ({marks})"
            for start in range(0, len(rows), CHUNK):
                prepared = [
                    (
                        *(
                            field.get_db_prep_save(value, connection)
                            for field, value in zip(own, row, strict=True)
                        ),
                        *prepared_constants,
                    )
                    for row in rows[start : start + CHUNK]
                ]
                cursor.executemany(sql, prepared)
    return len(rows)


def delete(queryset):
    """Delete a queryset's rows in one statement and return how many there were.

    No cascade and no signals, unlike `QuerySet.delete()`, which reads every row first
    when other rows may refer to it: for rows nothing refers to any more (the caller
    deletes the referring rows first, in the same transaction).
    """
    model = queryset.model
    ids_sql, params = queryset.order_by().values("pk").query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    key = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {key} IN ({ids_sql})", params)  # noqa: S608
        return cursor.rowcount
