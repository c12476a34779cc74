"""Seed the selection rules (POLICY §3.1), the quota's area column (§2.3) and the county's
checklist of disqualifying situations (§3.2), in force from the pilot's start.

The checklist is the county's own wording, kept as data in Chinese (the ten 十种情形
used in Hunan's village-cadre qualification vetting); county staff edit it in the portal.
"""

import datetime

from django.db import migrations

PILOT_START = datetime.date(2018, 8, 1)
DEFAULTS = [
    ("selection.secretary_new_max_age", "57", "POLICY §3.1 default: a new secretary 57 or younger"),
    (
        "selection.secretary_reappointed_max_age",
        "60",
        "POLICY §3.1 default: a re-appointed secretary 60 or younger",
    ),
    (
        "selection.secretary_min_party_years",
        "1",
        "POLICY §3.1 default: a Party member for at least 1 year",
    ),
    ("selection.clerk_max_age", "35", "POLICY §3.1 default: a clerk 35 or younger"),
    (
        "selection.clerk_exceptional_max_age",
        "40",
        "POLICY §3.1 default: 40 if judged exceptional, with a written reason",
    ),
    ("selection.clerk_min_education", "3", "POLICY §3.1 default: college (大专) or above"),
    ("selection.police_max_age", "45", "POLICY §3.1 default: 45 or younger, as a rule"),
    ("selection.police_min_education", "2", "POLICY §3.1 default: senior high school or above"),
    (
        "quota.extra_police_from_area_km2",
        "40",
        "POLICY §2.3 county table default: a second auxiliary police post from 40 km²",
    ),
]
DISQUALIFIERS = [
    "受过刑事处罚的",
    "因涉黑涉恶受过处理的",
    "参与邪教组织或宗教活动、封建迷信的",
    "政治表现差的",
    "违反计划生育政策未处理的",
    "拖欠集体资金拒不归还的",
    "被列为失信被执行人的",
    "有严重违纪违法行为正在接受调查的",
    "煽动群众上访、扰乱秩序的",
    "受宗族宗派、黑恶势力影响的",
]


def seed(apps, schema_editor):
    RuleValue = apps.get_model("longshan", "RuleValue")
    for key, value, reason in DEFAULTS:
        RuleValue.objects.get_or_create(
            key=key, effective_from=PILOT_START, defaults={"value": value, "reason": reason}
        )
    DisqualifierItem = apps.get_model("cadres", "DisqualifierItem")
    if not DisqualifierItem.objects.exists():
        DisqualifierItem.objects.bulk_create(
            DisqualifierItem(text=text, position=position)
            for position, text in enumerate(DISQUALIFIERS, start=1)
        )


def unseed(apps, schema_editor):
    RuleValue = apps.get_model("longshan", "RuleValue")
    for key, _value, _reason in DEFAULTS:
        RuleValue.objects.filter(key=key, effective_from=PILOT_START).delete()
    apps.get_model("cadres", "DisqualifierItem").objects.filter(text__in=DISQUALIFIERS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0002_selection_and_history"),
        ("longshan", "0002_seed_rule_values"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
