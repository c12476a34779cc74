"""Seed §6.1's default: at least 5 days a year of training at county level or above."""

import datetime

from django.db import migrations

PILOT_START = datetime.date(2018, 8, 1)
KEY = "training.min_days_per_year"
VALUE = "5"
REASON = "POLICY §6.1 default: at least 5 days a year of training at county level or above"


def seed(apps, schema_editor):
    RuleValue = apps.get_model("longshan", "RuleValue")
    RuleValue.objects.get_or_create(
        key=KEY, effective_from=PILOT_START, defaults={"value": VALUE, "reason": REASON}
    )


def unseed(apps, schema_editor):
    RuleValue = apps.get_model("longshan", "RuleValue")
    RuleValue.objects.filter(key=KEY, effective_from=PILOT_START).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0002_attendance_days_within_event"),
        ("longshan", "0002_seed_rule_values"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
