# The settlement's foreign keys cadre, period and township lose their own indexes: the
# (cadre, month), unique (period, cadre) and (township, month) indexes lead with them, and a
# province's monthly settlement writes 72,000 rows through every index it keeps.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0004_initial_appointment_events"),
        ("performance", "0003_dispatch_order_list_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="cadremonth",
            name="cadre",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="settled_months",
                to="cadres.cadre",
                verbose_name="cadre",
            ),
        ),
        migrations.AlterField(
            model_name="cadremonth",
            name="period",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rows",
                to="performance.settlementmonth",
                verbose_name="monthly settlement",
            ),
        ),
        migrations.AlterField(
            model_name="cadremonth",
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
