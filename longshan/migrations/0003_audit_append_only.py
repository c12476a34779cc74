"""Make the audit trail append-only in the database itself, on PostgreSQL.

A row-level trigger refuses UPDATE and DELETE; TRUNCATE (used only by test teardown) is
not a row operation and stays possible for the database owner. SQLite relies on the
model's own refusal.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION longshan_audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER longshan_auditevent_append_only
    BEFORE UPDATE OR DELETE ON longshan_auditevent
    FOR EACH ROW EXECUTE FUNCTION longshan_audit_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS longshan_auditevent_append_only ON longshan_auditevent;
DROP FUNCTION IF EXISTS longshan_audit_refuse_change();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("longshan", "0002_seed_rule_values")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
