"""The demo county's training (2025, 2026): deterministic, realistic, loaded once."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse

from cadres import demo as county_demo
from cadres.management.commands import load_longshan_demo
from cadres.models import Cadre, User
from longshan.models import AuditEvent
from training import demo, selectors
from training.models import (
    EducationProgrammeEntry,
    Secondment,
    TrainingAttendance,
    TrainingEnrolment,
    TrainingEvent,
)

D = Decimal


def counting_days(plan, year):
    days = defaultdict(Decimal)
    for event in plan.events:
        if event.start_date.year == year and event.level == "county_or_above":
            for id_number, value in event.attendance:
                days[id_number] += value
    return days


def test_the_plan_is_the_same_on_every_build():
    assert demo.build_training_plan.__wrapped__() == demo.build_training_plan.__wrapped__()


def test_the_plan_has_a_realistic_minority_short_of_five_days():
    plan = demo.build_training_plan()
    cadres = [c for c in county_demo.build_county().cadres if c.status in ("active", "suspended")]
    for year in demo.YEARS:
        days = counting_days(plan, year)
        short = [c for c in cadres if days[c.id_number] < 5]
        # About 8% short, most meet, and some have half days
        assert 0.05 < len(short) / len(cadres) < 0.10, year
        assert any(days[c.id_number] % 1 for c in cadres)
    # Every kind of event is there, and township sessions are below county level
    kinds = {(event.event_type, event.level) for event in plan.events}
    assert {
        ("pre_job", "county_or_above"),
        ("annual", "county_or_above"),
        ("special", "county_or_above"),
        ("study_tour", "county_or_above"),
        ("special", "below_county"),
    } <= kinds
    # Events after the demo's today have enrolment but no attendance yet
    for event in plan.events:
        if event.start_date > demo.DEMO_TODAY:
            assert event.enrolled and not event.attendance
        for _id_number, value in event.attendance:
            assert D("0") < value <= event.days
    assert len(plan.secondments) == 20 and len(plan.education) == 40


@pytest.mark.django_db
def test_the_loader_creates_the_training_once(monkeypatch, client):
    monkeypatch.setattr(load_longshan_demo, "DEMO_EXTENSIONS", ["training"])
    plan = demo.build_training_plan()
    # When the demo county is loaded
    created = load_longshan_demo.demo_load()
    # Then the training of the plan is in the database
    assert created["training_events"] == TrainingEvent.objects.count() == len(plan.events)
    assert created["training_attendances"] == TrainingAttendance.objects.count()
    assert created["training_attendances"] == sum(len(e.attendance) for e in plan.events)
    assert TrainingEnrolment.objects.count() == sum(len(e.enrolled) for e in plan.events)
    assert Secondment.objects.count() == 20 and EducationProgrammeEntry.objects.count() == 40
    event = AuditEvent.objects.get(action="training.demo_loaded")
    assert event.changes["training_events"] == [None, len(plan.events)]
    # And in 2026 about 8% of the sitting cadres are short
    sitting = list(
        Cadre.objects.filter(status__in=["active", "suspended"]).values_list("id", flat=True)
    )
    days = selectors.training_days_by_cadre(2026, sitting)
    short = sum(value < 5 for value in days.values())
    assert 0.05 < short / len(sitting) < 0.10
    # And the demo police officer is half a day short, visible to their secretary
    police = User.objects.get(username="police").cadre
    assert days[police.pk] == D("4.5")
    client.force_login(User.objects.get(username="secretary"))
    response = client.get(reverse("training:compliance"), {"year": 2026})
    assert police.pk in {cadre.pk for cadre, _cells in response.context["rows"]}

    # When it is loaded again, nothing is created
    counts = {
        model: model.objects.count()
        for model in (TrainingEvent, TrainingEnrolment, TrainingAttendance, Secondment)
    }
    again = load_longshan_demo.demo_load()
    assert not any(again.values())
    assert {model: model.objects.count() for model in counts} == counts
    assert AuditEvent.objects.filter(action="training.demo_loaded").count() == 1
