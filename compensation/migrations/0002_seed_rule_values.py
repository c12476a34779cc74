"""Seed the pay rules' defaults (POLICY §8), in force from the pilot's start."""

import datetime

from django.db import migrations

PILOT_START = datetime.date(2018, 8, 1)
DEFAULTS = [
    ("pay.standard.secretary", "40000", "POLICY §8.1 default: the bottom of 40,000–45,000"),
    ("pay.standard.clerk", "35600", "POLICY §8.1 default: the bottom of 35,600–42,300"),
    ("pay.standard.auxiliary_police", "40000", "POLICY §8.1 default: at least 40,000"),
    ("pay.range_min.secretary", "40000", "POLICY §8.1: secretary 40,000–45,000"),
    ("pay.range_max.secretary", "45000", "POLICY §8.1: secretary 40,000–45,000"),
    ("pay.range_min.clerk", "35600", "POLICY §8.1: clerk 35,600–42,300"),
    ("pay.range_max.clerk", "42300", "POLICY §8.1: clerk 35,600–42,300"),
    ("pay.range_min.auxiliary_police", "40000", "POLICY §8.1: auxiliary police at least 40,000"),
    (
        "pay.range_max.auxiliary_police",
        "60000",
        "Portal default (§8.1 names no top for the police): 60,000",
    ),
    ("pay.base_share", "0.70", "POLICY §8.1 default: 70% base pay, 30% performance pay"),
    ("pay.round_half_up", "true", "Portal default (§8 is silent): each line half up to the fen"),
    (
        "pay.pension_contribution_monthly",
        "100",
        "Portal default (§8.4 names no amount): 1,200 CNY a year rural pension tier",
    ),
    (
        "pay.medical_contribution_monthly",
        "30",
        "Portal default (§8.4 names no amount): 360 CNY a year co-operative medical",
    ),
    ("pay.insurance_subsidy_share", "0.5", "POLICY §8.4 default: the county pays 50%"),
    (
        "pay.accident_insurance_premium",
        "150",
        "Portal default (§8.4 names no amount): 150 CNY a year per cadre",
    ),
    ("pay.checkup_amount", "300", "Portal default (§8.4 names no amount): 300 CNY a check-up"),
    (
        "pay.departure_allowance_per_year",
        "1000",
        "Portal default (§8.5 names no amount): 1,000 CNY for each full year served",
    ),
    (
        "pay.departure_allowance_min_years",
        "10",
        "Portal default (§8.5 says long service): from 10 full years",
    ),
    ("pay.collective_share_on", "false", "POLICY §8.6: the future pay structure, off by default"),
    ("reward.honour.national", "50000", "POLICY §8.3: 3,000–50,000 by level; national"),
    ("reward.honour.provincial", "30000", "Portal default within §8.3's range: provincial"),
    ("reward.honour.prefecture", "10000", "Portal default within §8.3's range: prefecture"),
    ("reward.honour.county", "3000", "POLICY §8.3: 3,000–50,000 by level; county"),
    ("reward.ten_nos", "10000", "POLICY §8.3 default: 10,000 CNY a year"),
    ("reward.first_class", "10000", "POLICY §8.3 default: 10,000 CNY"),
    ("reward.first_class_team_share", "0.10", "POLICY §8.3 default: the top 10% of teams"),
    (
        "reward.performance_pay_share",
        "1.0",
        "POLICY §8.3: reward money goes into the cadres' performance pay, all of it",
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
        ("compensation", "0001_initial"),
        ("longshan", "0002_seed_rule_values"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
