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

import functools
import io
import json

from django.db import connection
from django.utils import timezone

# Rows a statement: COPY streams take any number, this only bounds the memory of the text.
CHUNK = 100_000


def _copy_text(value):
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _plain_text(value):
    """COPY text of a number or a date: nothing in it to escape."""
    if value is None:
        return "\\N"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


PLAIN_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "DateField",
    "DateTimeField",
    "DecimalField",
    "FloatField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallAutoField",
    "SmallIntegerField",
}


def _converter(field):
    """Return the function that writes a value of the field as COPY text."""
    kind = field.get_internal_type()
    if field.is_relation:
        kind = field.target_field.get_internal_type()
    if kind in PLAIN_TYPES or (kind == "CharField" and _plain_choices(field)):
        return _plain_text
    return _copy_text


def _plain_choices(field):
    """Whether a text field holds only choice codes with nothing in them to escape."""
    return bool(field.choices) and all(
        isinstance(code, str) and code.isascii() and code.isidentifier()
        for code, _label in field.flatchoices
    )


def _copy_line(row, converters, plain):
    """Return a row as a line of COPY text, without its end."""
    if plain and None not in row:
        # Numbers, dates and choice codes: str() is their COPY text (the common case).
        return "\t".join(map(str, row))
    return "\t".join([convert(value) for convert, value in zip(converters, row, strict=True)])


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
            tail = "".join("\t" + _copy_text(value) for value in constants.values()) + "\n"
            converters = [_converter(field) for field in fields[: len(columns)]]
            plain = all(convert is _plain_text for convert in converters)
            sql = f"COPY {table} ({column_sql}) FROM STDIN"
            for start in range(0, len(rows), CHUNK):
                buffer = io.StringIO()
                buffer.writelines(
                    _copy_line(row, converters, plain) + tail for row in rows[start : start + CHUNK]
                )
                buffer.seek(0)
                _through_wrappers(cursor, sql, functools.partial(cursor.copy_expert, sql, buffer))
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
