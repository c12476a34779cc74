"""Planning events, enrolling cadres and recording attendance (POLICY §6.1)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cadres.models import Cadre
from longshan.models import AuditEvent
from training import services
from training.models import TrainingAttendance, TrainingEnrolment, TrainingEvent

from .factories import CadreFactory
from .training_factories import AttendanceFactory, EnrolmentFactory, TrainingEventFactory

D = Decimal


def event_data(**overrides):
    data = {
        "title": "2026年村干部年度轮训",
        "event_type": "annual",
        "level": "county_or_above",
        "township": "",
        "start_date": "2026-04-07",
        "end_date": "2026-04-09",
        "place": "龙山县委党校",
        "days": "3",
        "note": "",
    }
    data.update(overrides)
    return data


def test_county_staff_plan_an_event(county, client):
    client.force_login(county.users.county)
    response = client.post(reverse("training:event_create"), event_data())
    event = TrainingEvent.objects.get()
    assert response.status_code == 302 and response.url == event.get_absolute_url()
    assert (event.days, event.level, event.township) == (D("3.0"), "county_or_above", None)
    audit_event = AuditEvent.objects.get(action="training.event_created")
    assert audit_event.actor == county.users.county
    assert audit_event.changes["days"] == [None, "3.0"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"level": "below_county"}, "township"),  # a township session names its township
        ({"end_date": "2026-04-06"}, "end_date"),
        ({"start_date": "2025-12-30", "end_date": "2026-01-01"}, "end_date"),
        ({"days": "4"}, "days"),  # 4 days do not fit in 7–9 April
        ({"days": "0"}, "days"),
        ({"days": "2.25"}, "days"),
        ({"title": ""}, "title"),
    ],
)
def test_an_event_that_cannot_be_right_is_refused(county, client, overrides, field):
    client.force_login(county.users.county)
    response = client.post(reverse("training:event_create"), event_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not TrainingEvent.objects.exists()


def test_a_township_session_names_its_township(county, client):
    client.force_login(county.users.county)
    data = event_data(level="below_county", township=county.townships["a"].pk, days="0.5")
    assert client.post(reverse("training:event_create"), data).status_code == 302
    event = TrainingEvent.objects.get()
    assert event.township == county.townships["a"] and not event.counts_toward_requirement


def test_an_event_cannot_be_shortened_below_the_days_recorded(county, client):
    # Given a 3-day event at which the clerk attended all 3 days
    event = TrainingEventFactory()
    AttendanceFactory(event=event, cadre=county.cadres["a1_clerk"], days=D("3"))
    client.force_login(county.users.county)
    # When county staff change it to 2 days
    url = reverse("training:event_edit", args=[event.pk])
    response = client.post(url, event_data(title=event.title, days="2"))
    # Then the form says why and the event keeps its 3 days
    assert "days" in response.context["form"].errors
    event.refresh_from_db()
    assert event.days == D("3")
    # And 3.5 days stay possible... not in 3 calendar days; a longer event is fine
    response = client.post(url, event_data(title=event.title, end_date="2026-04-10", days="3.5"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.days == D("3.5")
    changes = AuditEvent.objects.get(action="training.event_changed").changes
    assert changes["days"] == ["3.0", "3.5"]


def test_enrol_by_township_village_and_post(county, client):
    # Given a departed clerk in b1, who is not enrolled
    CadreFactory(village=county.villages["b1"], status=Cadre.Status.DEPARTED)
    event = TrainingEventFactory()
    client.force_login(county.users.county)
    url = reverse("training:event_enrol", args=[event.pk])
    # When county staff enrol township A's clerks, and the whole of village b1
    client.post(url, {"townships": [county.townships["a"].pk], "posts": ["clerk"]})
    client.post(url, {"villages": [county.villages["b1"].pk]})
    # Then A's 2 clerks and b1's 3 sitting cadres are enrolled
    enrolled = set(
        TrainingEnrolment.objects.filter(event=event).values_list("cadre__name", flat=True)
    )
    assert enrolled == {"张三", "张三A2", "彭国华B1", "张三B1", "向明B1"}
    # And enrolling every clerk again adds only the two of township B's community
    response = client.post(url, {"posts": ["clerk"]})
    assert response.status_code == 302
    assert TrainingEnrolment.objects.filter(event=event).count() == 6
    assert AuditEvent.objects.filter(action="training.cadres_enrolled").count() == 3


def test_enrolment_needs_a_choice(county, client):
    event = TrainingEventFactory()
    client.force_login(county.users.county)
    response = client.post(reverse("training:event_enrol", args=[event.pk]), {})
    assert response.status_code == 200 and response.context["form"].non_field_errors()


@pytest.fixture
def township_session(county):
    """Township A's own half-day-capable session of 1 day, its six cadres enrolled."""
    event = TrainingEventFactory(
        title="里耶镇业务培训会",
        level=TrainingEvent.Level.BELOW_COUNTY,
        township=county.townships["a"],
        days=D("1"),
        start_date=datetime.date(2026, 9, 3),
    )
    for key, cadre in county.cadres.items():
        if key.startswith("a"):
            EnrolmentFactory(event=event, cadre=cadre)
    return event


def test_a_township_official_records_attendance_of_their_own_session(
    county, client, township_session
):
    clerk, police = county.cadres["a1_clerk"], county.cadres["a1_auxiliary_police"]
    client.force_login(county.users.official_a)
    url = reverse("training:attendance_record", args=[township_session.pk])
    form = client.get(url).context["form"]
    assert len(form.cadres) == 6
    # When they record a full day for the clerk and half a day for the police officer
    response = client.post(url, {f"days_{clerk.pk}": "1", f"days_{police.pk}": "0.5"})
    assert response.status_code == 302
    days = dict(TrainingAttendance.objects.values_list("cadre__name", "days"))
    assert days == {"张三": D("1.0"), "向明": D("0.5")}
    # And one audit event has both changes
    event = AuditEvent.objects.get(action="training.attendance_recorded")
    assert event.changes == {str(clerk.pk): [None, "1.0"], str(police.pk): [None, "0.5"]}
    assert event.township_id == county.townships["a"].pk
    # When they clear the police officer's box, the attendance is removed
    client.post(url, {f"days_{clerk.pk}": "1", f"days_{police.pk}": ""})
    assert dict(TrainingAttendance.objects.values_list("cadre__name", "days")) == {"张三": D("1")}


@pytest.mark.parametrize("days", ["1.5", "0", "-1", "1.25", "一天"])
def test_days_that_cannot_be_right_save_nothing(county, client, township_session, days):
    clerk, police = county.cadres["a1_clerk"], county.cadres["a1_auxiliary_police"]
    client.force_login(county.users.official_a)
    url = reverse("training:attendance_record", args=[township_session.pk])
    response = client.post(url, {f"days_{clerk.pk}": "1", f"days_{police.pk}": days})
    assert response.status_code == 200
    assert f"days_{police.pk}" in response.context["form"].errors
    assert not TrainingAttendance.objects.exists()


def test_a_township_official_cannot_record_another_townships_cadre(county, township_session):
    with pytest.raises(PermissionDenied):
        services.attendance_record(
            township_session,
            actor=county.users.official_a,
            days_by_cadre={county.cadres["b1_clerk"].pk: D("1")},
        )
    assert not TrainingAttendance.objects.exists()


def test_the_service_refuses_days_above_the_event(county, township_session):
    with pytest.raises(ValidationError):
        services.attendance_record(
            township_session,
            actor=county.users.county,
            days_by_cadre={county.cadres["a1_clerk"].pk: D("2")},
        )


def test_an_official_sees_counts_of_their_own_cadres_only(county, client):
    # Given a county event attended by a cadre of A and two of B
    event = TrainingEventFactory()
    for key in ("a1_clerk", "b1_clerk", "b2_clerk"):
        EnrolmentFactory(event=event, cadre=county.cadres[key])
        AttendanceFactory(event=event, cadre=county.cadres[key], days=D("2.5"))
    client.force_login(county.users.official_a)
    response = client.get(event.get_absolute_url())
    assert response.context["totals"] == {"enrolled": 1, "attended": 1, "days": D("2.5")}
    assert [cadre.name for cadre in response.context["page"]] == ["张三"]
    listed = client.get(reverse("training:event_list")).context["page"][0]
    assert (listed.enrolled_count, listed.attended_count) == (1, 1)
    client.force_login(county.users.county)
    response = client.get(event.get_absolute_url())
    assert response.context["totals"] == {"enrolled": 3, "attended": 3, "days": D("7.5")}


def test_the_event_list_filters_by_year_type_and_level(county, client):
    TrainingEventFactory(title="A", start_date=datetime.date(2025, 4, 7))
    TrainingEventFactory(title="B", event_type="study_tour")
    TrainingEventFactory(title="C", level="below_county", township=county.townships["a"])
    client.force_login(county.users.county)
    url = reverse("training:event_list")

    def titles(**params):
        return [event.title for event in client.get(url, params).context["page"]]

    assert titles(year=2025) == ["A"]
    assert titles(event_type="study_tour") == ["B"]
    assert titles(level="below_county") == ["C"]
    assert sorted(titles()) == ["A", "B", "C"]


def test_secondments_and_education_entries_are_kept_with_the_audit(county, client):
    cadre = county.cadres["b1_clerk"]
    client.force_login(county.users.county)
    response = client.post(
        reverse("training:secondment_create", args=[cadre.pk]),
        {
            "township": county.townships["b"].pk,
            "office": "党政综合办公室",
            "start_date": "2026-03-01",
            "end_date": "2026-08-31",
        },
    )
    assert response.status_code == 302
    bad = client.post(
        reverse("training:education_entry_create", args=[cadre.pk]),
        {"institution": "湖南开放大学", "major": "农村行政管理", "start_date": "2026-09-01",
         "graduation_date": "2026-01-15"},
    )  # fmt: skip
    assert bad.status_code == 200 and bad.context["form"].non_field_errors()
    good = client.post(
        reverse("training:education_entry_create", args=[cadre.pk]),
        {"institution": "湖南开放大学", "major": "农村行政管理", "start_date": "2025-09-01",
         "graduation_date": "2028-07-15"},
    )  # fmt: skip
    assert good.status_code == 302
    record = client.get(reverse("training:cadre_record", args=[cadre.pk])).context
    assert [s.office for s in record["secondments"]] == ["党政综合办公室"]
    assert [(e.institution, e.graduation_date) for e in record["education_entries"]] == [
        ("湖南开放大学", datetime.date(2028, 7, 15))
    ]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"training.secondment_created", "training.education_entry_created"} <= actions
    # An edit keeps the values before and after
    secondment = record["secondments"][0]
    client.post(
        reverse("training:secondment_edit", args=[secondment.pk]),
        {
            "township": county.townships["b"].pk,
            "office": "党政综合办公室",
            "start_date": "2026-03-01",
            "end_date": "",
        },
    )
    changes = AuditEvent.objects.get(action="training.secondment_changed").changes
    assert changes == {"end_date": ["2026-08-31", None]}


def test_a_big_event_is_recorded_a_township_at_a_time(county, client, monkeypatch):
    from training import views

    # Given a county event with every cadre enrolled, more than one form may hold
    monkeypatch.setattr(views, "ATTENDANCE_FORM_MAX_CADRES", 8)
    event = TrainingEventFactory()
    for cadre in county.cadres.values():
        EnrolmentFactory(event=event, cadre=cadre)
    client.force_login(county.users.county)
    url = reverse("training:attendance_record", args=[event.pk])
    # When county staff open the form, they are asked to choose a township
    response = client.get(url)
    assert response.context["choose_township"] and response.context["form"].cadres == []
    assert [name for _id, name, _n in response.context["townships"]] == ["里耶镇", "民安街道"]
    # And for township B the form lists its six cadres, and saves them
    township_b = county.townships["b"].pk
    response = client.get(url, {"township": township_b})
    assert len(response.context["form"].cadres) == 6
    clerk = county.cadres["b1_clerk"]
    response = client.post(f"{url}?township={township_b}", {f"days_{clerk.pk}": "2"})
    assert response.status_code == 302
    assert TrainingAttendance.objects.get().cadre == clerk
