"""Seed the rank rules' defaults (POLICY §7), in force from the pilot's start."""

import datetime

from django.db import migrations

PILOT_START = datetime.date(2018, 8, 1)
DEFAULTS = [
    ("rank.pay_per_level", "100", "POLICY §7.3 default: 100 CNY a month for each level above 10"),
    ("rank.initial_level", "10", "POLICY §7.3 default: a new cadre starts at level 10"),
    (
        "rank.service_years_per_level",
        "3",
        "POLICY §7.3 default: one level up for every full three years of service",
    ),
    ("rank.highest_initial_level", "5", "POLICY §7.3 default: never above level 5 at first"),
    ("rank.excellent_move", "1", "POLICY §7.2 default: 优秀 moves up one level"),
    (
        "rank.competent_years_for_move",
        "2",
        "POLICY §7.2 default: 称职 moves up after two consecutive years at the current level",
    ),
    ("rank.basically_competent_move", "0", "POLICY §7.2 default: 基本称职 stays"),
    ("rank.incompetent_move", "-1", "POLICY §7.2 default: 不称职 moves down one level"),
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
    dependencies = [("ranks", "0001_initial"), ("longshan", "0002_seed_rule_values")]

    operations = [migrations.RunPython(seed, unseed)]
