"""Hold attendance days to the event's days in the database itself (POLICY §6.1).

The check spans two tables, which a CHECK constraint cannot: triggers refuse an attendance
longer than its event, and an event shortened below an attendance already recorded.
"""

from django.db import migrations

POSTGRESQL_CREATE = """
CREATE OR REPLACE FUNCTION training_attendance_within_event() RETURNS trigger AS $$
BEGIN
    IF NEW.days > (SELECT days FROM training_trainingevent WHERE id = NEW.event_id) THEN
        RAISE EXCEPTION 'training_attendance_days_within_event: % days exceed the event', NEW.days
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER training_attendance_days_within_event
    BEFORE INSERT OR UPDATE OF days, event_id ON training_trainingattendance
    FOR EACH ROW EXECUTE FUNCTION training_attendance_within_event();

CREATE OR REPLACE FUNCTION training_event_covers_attendance() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM training_trainingattendance
               WHERE event_id = NEW.id AND days > NEW.days) THEN
        RAISE EXCEPTION 'training_event_days_cover_attendance: % days is less than recorded', NEW.days
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER training_event_days_cover_attendance
    BEFORE UPDATE OF days ON training_trainingevent
    FOR EACH ROW EXECUTE FUNCTION training_event_covers_attendance();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS training_event_days_cover_attendance ON training_trainingevent;
DROP FUNCTION IF EXISTS training_event_covers_attendance();
DROP TRIGGER IF EXISTS training_attendance_days_within_event ON training_trainingattendance;
DROP FUNCTION IF EXISTS training_attendance_within_event();
"""

SQLITE_CREATE = [
    """
    CREATE TRIGGER training_attendance_days_within_event_insert
    BEFORE INSERT ON training_trainingattendance
    WHEN NEW.days > (SELECT days FROM training_trainingevent WHERE id = NEW.event_id)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: training_attendance_days_within_event');
    END
    """,
    """
    CREATE TRIGGER training_attendance_days_within_event_update
    BEFORE UPDATE OF days, event_id ON training_trainingattendance
    WHEN NEW.days > (SELECT days FROM training_trainingevent WHERE id = NEW.event_id)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: training_attendance_days_within_event');
    END
    """,
    """
    CREATE TRIGGER training_event_days_cover_attendance
    BEFORE UPDATE OF days ON training_trainingevent
    WHEN EXISTS (SELECT 1 FROM training_trainingattendance
                 WHERE event_id = NEW.id AND days > NEW.days)
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: training_event_days_cover_attendance');
    END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS training_attendance_days_within_event_insert",
    "DROP TRIGGER IF EXISTS training_attendance_days_within_event_update",
    "DROP TRIGGER IF EXISTS training_event_days_cover_attendance",
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_CREATE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, params=None)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
