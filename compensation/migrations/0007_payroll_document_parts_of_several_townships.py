"""A part of the county payroll PDF holds a run of whole townships, not one (issue 10).

A part in flight while this runs (they live only while their document renders) holds one
township, so its last township is its first.
"""

import django.db.models.deletion
from django.db import migrations, models


def _township(verbose_name, **options):
    return models.ForeignKey(
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="cadres.township",
        verbose_name=verbose_name,
        **options,
    )


def _last_is_first(apps, schema_editor):
    part = apps.get_model("compensation", "PayrollDocumentPart")
    part.objects.update(last_township=models.F("first_township"))


class Migration(migrations.Migration):
    dependencies = [("compensation", "0006_frozen_payroll_guard")]

    operations = [
        migrations.RenameField(
            model_name="payrolldocumentpart", old_name="township", new_name="first_township"
        ),
        migrations.AlterField(
            model_name="payrolldocumentpart",
            name="first_township",
            field=_township("first township"),
        ),
        migrations.AddField(
            model_name="payrolldocumentpart",
            name="last_township",
            field=_township("last township", null=True),
        ),
        migrations.RunPython(_last_is_first, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="payrolldocumentpart",
            name="last_township",
            field=_township("last township"),
        ),
    ]
