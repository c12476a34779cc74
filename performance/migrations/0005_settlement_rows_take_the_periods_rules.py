# A settlement row's rules used may be None: the period's. A run no longer writes the same
# versions into every row (at province scale 72,000 copies a month, a seventh of the run).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0004_settlement_rows_without_redundant_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="cadremonth",
            name="rule_versions",
            field=models.JSONField(blank=True, null=True, verbose_name="rules used"),
        ),
    ]
