"""Effective-dated county rules: the value in force on a date, set by county staff."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cadres import selectors
from longshan import rulebook, services
from longshan.models import AuditEvent, RuleValue

PILOT = datetime.date(2018, 8, 1)


@pytest.mark.django_db
def test_every_declared_rule_has_a_default_in_force_from_the_pilot():
    book = rulebook.RuleBook.load()
    for key in rulebook.RULES:
        book.value(key, PILOT)
    assert book.value(rulebook.DUTY_HOURS_VILLAGE, PILOT) == 6
    assert book.value(rulebook.DUTY_HOURS_COMMUNITY, PILOT) == 7


@pytest.mark.django_db
def test_before_the_first_value_no_rule_is_in_force():
    with pytest.raises(rulebook.RuleNotInForceError):
        rulebook.rule_value(rulebook.DUTY_HOURS_VILLAGE, datetime.date(2018, 7, 31))


@pytest.mark.django_db
def test_a_new_value_applies_from_its_date_and_past_dates_keep_theirs(county):
    # Given county staff set the village minimum to 5.5 hours from 1 March 2027
    services.rule_value_set(
        rulebook.DUTY_HOURS_VILLAGE,
        actor=county.users.county,
        value="5.5",
        effective_from=datetime.date(2027, 3, 1),
        reason="县委组织部文件",
        today=datetime.date(2026, 11, 26),
    )
    village = county.villages["a1"]
    # Then the day before keeps 6 hours, the day itself and later have 5.5
    assert selectors.village_facts(village, on=datetime.date(2027, 2, 28))["duty_hours"] == 6
    assert selectors.village_facts(village, on=datetime.date(2027, 3, 1))["duty_hours"] == 5.5
    assert selectors.village_facts(village, on=datetime.date(2030, 1, 1))["duty_hours"] == 5.5
    # And a community keeps its own rule
    community = county.villages["a2"]
    assert selectors.village_facts(community, on=datetime.date(2027, 3, 1))["duty_hours"] == 7
    # And the change is in the audit trail with the value before and after
    event = AuditEvent.objects.get(action="rule.value_set")
    assert event.actor == county.users.county
    assert event.changes["value"] == ["6", "5.5"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "effective_from", "reason", "field"),
    [
        ("5", datetime.date(2026, 11, 25), "理由", "effective_from"),  # in the past
        ("abc", datetime.date(2027, 1, 1), "理由", "value"),
        ("25", datetime.date(2027, 1, 1), "理由", "value"),  # above 24 hours
        ("-1", datetime.date(2027, 1, 1), "理由", "value"),
        ("5", datetime.date(2027, 1, 1), "  ", "reason"),
        ("5", PILOT, "理由", "effective_from"),
    ],
)
def test_a_bad_rule_value_is_refused_and_nothing_is_written(
    county, value, effective_from, reason, field
):
    before = RuleValue.objects.count()
    with pytest.raises(ValidationError) as error:
        services.rule_value_set(
            rulebook.DUTY_HOURS_VILLAGE,
            actor=county.users.county,
            value=value,
            effective_from=effective_from,
            reason=reason,
            today=datetime.date(2026, 11, 26),
        )
    assert field in error.value.message_dict
    assert RuleValue.objects.count() == before


@pytest.mark.django_db
def test_only_county_staff_may_set_a_rule(county):
    with pytest.raises(PermissionDenied):
        services.rule_value_set(
            rulebook.DUTY_HOURS_VILLAGE,
            actor=county.users.official_a,
            value="5",
            effective_from=datetime.date(2027, 1, 1),
            reason="理由",
            today=datetime.date(2026, 11, 26),
        )


@pytest.mark.django_db
def test_county_staff_set_a_rule_in_the_portal(county, client):
    client.force_login(county.users.county)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    url = reverse("rule_value_create", args=[rulebook.DUTY_HOURS_COMMUNITY])
    response = client.post(
        url, {"value": "7.5", "effective_from": tomorrow.isoformat(), "reason": "新规定"}
    )
    assert response.status_code == 302
    assert rulebook.rule_value(rulebook.DUTY_HOURS_COMMUNITY, tomorrow) == 7.5
    # A date in the past is refused with a message in Chinese, and nothing is saved
    response = client.post(url, {"value": "8", "effective_from": "2020-01-01", "reason": "x"})
    assert response.status_code == 200
    assert "不能从过去的日期开始" in response.content.decode()
    assert not RuleValue.objects.filter(value="8").exists()
