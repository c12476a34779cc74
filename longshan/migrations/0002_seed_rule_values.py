"""Seed the county's default rule values (POLICY §2.3, §4.1), in force from the pilot's start."""

import datetime

from django.db import migrations

PILOT_START = datetime.date(2018, 8, 1)
DEFAULTS = [
    ("duty.min_hours.village", "6", "POLICY §4.1 default: 6 hours a working day in a village"),
    ("duty.min_hours.community", "7", "POLICY §4.1 default: 7 hours a working day in a community"),
    (
        "quota.extra_police_from_population",
        "5000",
        "POLICY §2.3 default: a second auxiliary police post from 5,000 people",
    ),
]


def seed(apps, schema_editor):
    RuleValue = apps.get_model("longshan", "RuleValue")
    for key, value, reason in DEFAULTS:
        RuleValue.objects.get_or_create(
            key=key, effective_from=PILOT_START, defaults={"value": value, "reason": reason}
        )


def unseed(apps, schema_editor):
    RuleValue = apps.get_model("longshan", "RuleValue")
    for key, _value, _reason in DEFAULTS:
        RuleValue.objects.filter(key=key, effective_from=PILOT_START).delete()


class Migration(migrations.Migration):
    dependencies = [("longshan", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
