"""Seed the performance rules' defaults (POLICY §5), in force from the pilot's start."""

import datetime

from django.db import migrations

PILOT_START = datetime.date(2018, 8, 1)
DEFAULTS = [
    (
        "performance.score_without_orders",
        "100",
        "Portal default (§5.1 is silent): a month without orders starts from full marks",
    ),
    (
        "performance.duty_day_penalty",
        "2",
        "POLICY §5.1 default: 2 points off for each working day without compliant duty",
    ),
    (
        "performance.no_pay_below_score",
        "0",
        "POLICY §5.1 default: performance pay is the share × score ÷ 100 at every score",
    ),
    (
        "measure.reminder_share",
        "0",
        "Portal default (§5.3 names no amount): a reminder to rectify costs no pay",
    ),
    (
        "measure.admonishment_share",
        "0",
        "Portal default (§5.3 names no amount): an admonishment talk costs no further pay",
    ),
    ("assessment.excellent_from", "90", "POLICY §5.2 default: mean score 90 or more"),
    ("assessment.competent_from", "75", "POLICY §5.2 default: mean score 75 or more"),
    ("assessment.basically_competent_from", "60", "POLICY §5.2 default: mean score 60 or more"),
    (
        "assessment.excellent_quota_share",
        "0.15",
        "POLICY §5.2 default: at most 15% of a township's cadres are excellent",
    ),
    (
        "assessment.dissatisfied_cap_share",
        "0.3333",
        "POLICY §5.2 default: more than a third dissatisfied caps the grade",
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
        ("performance", "0001_initial"),
        ("longshan", "0002_seed_rule_values"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
