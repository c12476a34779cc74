"""Factories of training events and records, for the training tests."""

import datetime
from decimal import Decimal

import factory

from training.models import (
    EducationProgrammeEntry,
    Secondment,
    TrainingAttendance,
    TrainingEnrolment,
    TrainingEvent,
)


class TrainingEventFactory(factory.django.DjangoModelFactory):
    """A county annual training of 3 days in April 2026."""

    class Meta:
        model = TrainingEvent

    title = factory.Sequence(lambda n: f"2026年村干部年度轮训第{n}期")
    event_type = TrainingEvent.Type.ANNUAL
    level = TrainingEvent.Level.COUNTY_OR_ABOVE
    township = None
    start_date = datetime.date(2026, 4, 7)
    end_date = factory.LazyAttribute(
        lambda o: o.start_date + datetime.timedelta(days=int(Decimal(o.days) + Decimal("0.9")) - 1)
    )
    place = "龙山县委党校"
    days = Decimal("3")


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingEnrolment

    event = factory.SubFactory(TrainingEventFactory)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingAttendance

    event = factory.SubFactory(TrainingEventFactory)
    days = factory.LazyAttribute(lambda o: o.event.days)


class SecondmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Secondment

    township = factory.LazyAttribute(lambda o: o.cadre.village.township)
    office = "党政综合办公室"
    start_date = datetime.date(2025, 3, 1)
    end_date = datetime.date(2025, 8, 31)


class EducationEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EducationProgrammeEntry

    institution = "湖南开放大学"
    major = "农村行政管理"
    start_date = datetime.date(2024, 9, 1)
    graduation_date = datetime.date(2027, 7, 15)


def attend(cadre, days_attended, *, event_days=None, **event_fields):
    """Record that a cadre attended some days of a new event (county level by default,
    as long as the days attended and at least 3)."""
    days_attended = Decimal(days_attended)
    event_fields["days"] = event_days or max(Decimal("3"), days_attended)
    event = TrainingEventFactory(**event_fields)
    return AttendanceFactory(event=event, cadre=cadre, days=days_attended)
