"""Fixtures of the duty tests."""

import pytest

from .conftest import seed_rules_again


@pytest.fixture
def seeded_rules(transactional_db):
    """Put back the seeded rule defaults that an earlier transactional test's flush removed."""
    seed_rules_again()
