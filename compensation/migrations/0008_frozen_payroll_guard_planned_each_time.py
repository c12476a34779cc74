"""The frozen-payroll guard's statement triggers plan their check at each statement.

A PL/pgSQL query without parameters is planned once a session and the plan kept until
the statistics of its tables change. The first payroll run of a session deletes no line,
so the check over the changed lines was planned for an empty transition table and, on a
new database or one whose autovacuum has not analyzed the payslips yet, a payslips table
the statistics said empty: a loop reading every payslip for each changed line. Kept for
the session, it made each rerun slower (on the benchmark's county, deleting the old lines
went from 15 ms to 140-160 ms at the second run and on, the rerun from 0.17 to 0.33 s; for
a province's 272,000 lines against 72,000 payslips it is quadratic). Run with EXECUTE, the
check is planned for the rows each statement changed and the tables as they are.
"""

from django.db import migrations

FROZEN = "('approved', 'locked')"


def _guard(function, check, message):
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  frozen boolean;
BEGIN
  EXECUTE $check$ SELECT EXISTS ({check}) $check$ INTO frozen;
  IF frozen THEN
    RAISE EXCEPTION '{message}'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END $$;
"""


def _cached(function, check, message):
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS ({check}) THEN
    RAISE EXCEPTION '{message}'
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NULL;
END $$;
"""


GUARDS = [
    (
        "compensation_refuse_frozen_payslips",
        f"""
    SELECT 1 FROM changed JOIN compensation_payrollmonth AS payroll
      ON payroll.id = changed.payroll_id
    WHERE payroll.status IN {FROZEN}
  """,
        "the payroll is approved or locked: its payslips cannot change",
    ),
    (
        "compensation_refuse_frozen_lines",
        f"""
    SELECT 1 FROM changed
      JOIN compensation_payrollentry AS entry ON entry.id = changed.entry_id
      JOIN compensation_payrollmonth AS payroll ON payroll.id = entry.payroll_id
    WHERE payroll.status IN {FROZEN}
  """,
        "the payroll is approved or locked: its payslip lines cannot change",
    ),
]
FORWARD = "".join(_guard(*guard) for guard in GUARDS)
BACKWARD = "".join(_cached(*guard) for guard in GUARDS)


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("compensation", "0007_payroll_document_parts_of_several_townships")]

    operations = [migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD))]
