"""Seed the public-ranking switch of the dashboards (POLICY §9): off from the pilot's start."""

import datetime

from django.db import migrations

PILOT_START = datetime.date(2018, 8, 1)
KEY = "dashboards.public_ranking"


def seed(apps, schema_editor):
    RuleValue = apps.get_model("longshan", "RuleValue")
    RuleValue.objects.get_or_create(
        key=KEY,
        effective_from=PILOT_START,
        defaults={
            "value": "false",
            "reason": "Default: no public ranking of villages or cadres on the dashboards",
        },
    )


def unseed(apps, schema_editor):
    RuleValue = apps.get_model("longshan", "RuleValue")
    RuleValue.objects.filter(key=KEY, effective_from=PILOT_START).delete()


class Migration(migrations.Migration):
    dependencies = [("longshan", "0002_seed_rule_values")]

    operations = [migrations.RunPython(seed, unseed)]
