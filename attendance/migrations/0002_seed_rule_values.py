"""Seed the duty rules' defaults (POLICY §4.1, §4.4), in force from the pilot's start."""

import datetime

from django.db import migrations

PILOT_START = datetime.date(2018, 8, 1)
DEFAULTS = [
    (
        "duty.self_sign_in",
        "false",
        "Default: the village secretary records duty; cadres do not sign themselves in",
    ),
    (
        "violation.first_deduction_ratio",
        "0.30",
        "POLICY §4.4 default: a first violation costs 30% of that month's performance pay",
    ),
    (
        "violation.second_deduction_ratio",
        "1.00",
        "POLICY §4.4 default: a second violation costs all of that month's performance pay",
    ),
    (
        "violation.third_deduction_ratio",
        "1.00",
        "POLICY §4.4 default: a third violation costs all of that quarter's performance pay",
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
    dependencies = [
        ("attendance", "0001_initial"),
        ("longshan", "0002_seed_rule_values"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
