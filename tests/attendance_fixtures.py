"""Fixtures of the duty tests."""

import importlib

import pytest

SEEDS = ["longshan.migrations.0002_seed_rule_values", "attendance.migrations.0002_seed_rule_values"]


@pytest.fixture
def seeded_rules(transactional_db):
    """Put back the seeded rule defaults that an earlier transactional test's flush removed."""
    from longshan.models import RuleValue

    for name in SEEDS:
        module = importlib.import_module(name)
        for key, value, reason in module.DEFAULTS:
            RuleValue.objects.get_or_create(
                key=key,
                effective_from=module.PILOT_START,
                defaults={"value": value, "reason": reason},
            )
