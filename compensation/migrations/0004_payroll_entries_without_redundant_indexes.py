# The payslip's foreign keys payroll, cadre and township lose their own indexes: the unique
# (payroll, cadre), (cadre, month) and (township, month) indexes lead with them, and a
# province's monthly payroll writes 72,000 payslips through every index it keeps.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0004_initial_appointment_events"),
        ("compensation", "0003_payroll_document_parts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="payrollentry",
            name="cadre",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="payroll_entries",
                to="cadres.cadre",
                verbose_name="cadre",
            ),
        ),
        migrations.AlterField(
            model_name="payrollentry",
            name="payroll",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="entries",
                to="compensation.payrollmonth",
                verbose_name="payroll",
            ),
        ),
        migrations.AlterField(
            model_name="payrollentry",
            name="township",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="cadres.township",
                verbose_name="township",
            ),
        ),
    ]
