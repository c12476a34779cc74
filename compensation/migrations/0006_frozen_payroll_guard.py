"""On PostgreSQL, the database itself refuses to change an approved or locked payroll.

The services refuse it first (compensation.services.FROZEN); these triggers also stop a
script, a console session or a bug that writes to the tables directly. Payslips and lines
are checked once a statement, over the rows it changed (transition tables), so a payroll
run's COPY of a province's 340,000 rows pays one join, not a check a row. A frozen month
itself may only go from approved to locked; it cannot be deleted. SQLite (a developer's
machine, the demo) has no such guard.
"""

from django.db import migrations

FROZEN = "('approved', 'locked')"

FORWARD = f"""
CREATE FUNCTION compensation_refuse_frozen_payslips() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM changed JOIN compensation_payrollmonth AS payroll
      ON payroll.id = changed.payroll_id
    WHERE payroll.status IN {FROZEN}
  ) THEN
    RAISE EXCEPTION 'the payroll is approved or locked: its payslips cannot change'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION compensation_refuse_frozen_lines() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM changed
      JOIN compensation_payrollentry AS entry ON entry.id = changed.entry_id
      JOIN compensation_payrollmonth AS payroll ON payroll.id = entry.payroll_id
    WHERE payroll.status IN {FROZEN}
  ) THEN
    RAISE EXCEPTION 'the payroll is approved or locked: its payslip lines cannot change'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION compensation_refuse_frozen_month() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status NOT IN {FROZEN} THEN
    RETURN COALESCE(NEW, OLD);
  END IF;
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'the payroll of % is approved or locked: it cannot be deleted', OLD.month
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (NEW.month, NEW.computed_at, NEW.computed_by_id, NEW.cadre_count, NEW.gross_total,
      NEW.deduction_total, NEW.net_total, NEW.rule_versions, NEW.approved_at,
      NEW.approved_by_id)
     IS DISTINCT FROM
     (OLD.month, OLD.computed_at, OLD.computed_by_id, OLD.cadre_count, OLD.gross_total,
      OLD.deduction_total, OLD.net_total, OLD.rule_versions, OLD.approved_at,
      OLD.approved_by_id)
     OR NOT (NEW.status = OLD.status OR (OLD.status = 'approved' AND NEW.status = 'locked'))
     OR (OLD.status = 'locked'
         AND (NEW.locked_at, NEW.locked_by_id) IS DISTINCT FROM (OLD.locked_at, OLD.locked_by_id))
  THEN
    RAISE EXCEPTION 'the payroll of % is approved or locked: it can only be locked', OLD.month
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER payroll_month_frozen BEFORE UPDATE OR DELETE ON compensation_payrollmonth
  FOR EACH ROW EXECUTE FUNCTION compensation_refuse_frozen_month();
"""

# The statement triggers of payslips and lines: one a change of rows, each over the rows
# it changed (an UPDATE twice: the rows as they were, and as they are).
STATEMENT_TRIGGERS = [
    (f"{rows}_{name}", table, event, transition, function)
    for rows, table, function in [
        ("payslips", "compensation_payrollentry", "compensation_refuse_frozen_payslips"),
        ("lines", "compensation_payrollline", "compensation_refuse_frozen_lines"),
    ]
    for name, event, transition in [
        ("inserted_frozen", "INSERT", "NEW"),
        ("updated_frozen_before", "UPDATE", "OLD"),
        ("updated_frozen_after", "UPDATE", "NEW"),
        ("deleted_frozen", "DELETE", "OLD"),
    ]
]
FORWARD += "".join(
    f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {transition} TABLE AS changed"
    f" FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n"
    for name, table, event, transition, function in STATEMENT_TRIGGERS
)
BACKWARD = (
    "DROP TRIGGER IF EXISTS payroll_month_frozen ON compensation_payrollmonth;\n"
    + "".join(
        f"DROP TRIGGER IF EXISTS {name} ON {table};\n" for name, table, *_rest in STATEMENT_TRIGGERS
    )
    + "".join(
        f"DROP FUNCTION IF EXISTS {function}();\n"
        for function in (
            "compensation_refuse_frozen_month",
            "compensation_refuse_frozen_lines",
            "compensation_refuse_frozen_payslips",
        )
    )
)


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, None)  # no parameters: the % of RAISE stay

    return run


class Migration(migrations.Migration):
    dependencies = [("compensation", "0005_payroll_document_attempts")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
