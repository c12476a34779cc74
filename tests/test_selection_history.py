"""Removals proposed elsewhere: open, withdraw, confirm (POLICY §3.6, §4.4)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from attendance import selectors as attendance_selectors
from attendance import services as attendance_services
from attendance.models import RemovalOrder
from cadres import rules, services
from cadres.models import AppointmentEvent, Cadre

D = datetime.date


def open_for(county, ref="42", key="a1_clerk"):
    return services.open_removal(
        cadre_id=county.cadres[key].pk,
        on=D(2027, 3, 20),
        reason="第三次擅自离岗",
        source="performance.measure",
        source_ref=ref,
        actor=None,
    )


def test_open_removal_is_pending_and_idempotent(county):
    first = open_for(county)
    second = open_for(county)
    assert first.pk == second.pk
    assert (first.kind, first.status, first.on) == ("removal", "pending", D(2027, 3, 20))
    # The cadre's status does not change until county staff confirm
    clerk = Cadre.objects.get(pk=county.cadres["a1_clerk"].pk)
    assert clerk.status == "active"


def test_withdraw_cancels_only_the_pending_one(county):
    event = open_for(county)
    services.withdraw_removal(source="performance.measure", source_ref="42", actor=None)
    event.refresh_from_db()
    assert event.status == "cancelled"
    # A second withdrawal, or one for an unknown reference, is a no-op
    services.withdraw_removal(source="performance.measure", source_ref="42", actor=None)
    services.withdraw_removal(source="performance.measure", source_ref="999", actor=None)
    # Opening again with the same reference opens a new pending event
    again = open_for(county)
    assert again.pk != event.pk and again.status == "pending"


def test_confirm_takes_effect_and_withdraw_does_not_undo_it(county):
    event = open_for(county)
    with pytest.raises(PermissionDenied):
        services.confirm_removal(event.pk, actor=county.users.official_a)
    services.confirm_removal(event.pk, actor=county.users.county, on=D(2027, 4, 1))
    clerk = Cadre.objects.get(pk=county.cadres["a1_clerk"].pk)
    assert clerk.status == "removed"
    event.refresh_from_db()
    assert (event.status, event.on, event.decided_by) == (
        "confirmed",
        D(2027, 4, 1),
        county.users.county,
    )
    services.withdraw_removal(source="performance.measure", source_ref="42", actor=None)
    event.refresh_from_db()
    assert event.status == "confirmed"
    assert Cadre.objects.get(pk=clerk.pk).status == "removed"
    # Confirming twice is refused; opening with the same reference returns the confirmed event
    with pytest.raises(ValidationError):
        services.confirm_removal(event.pk, actor=county.users.county)
    assert open_for(county).pk == event.pk


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


def test_a_third_violation_opens_a_pending_removal_event_that_the_county_confirms(county, client):
    # Given three unauthorised absences of the clerk of a1 in March 2027
    clerk = county.cadres["a1_clerk"]
    for day in (5, 12, 19):
        attendance_services.inspection_record(
            actor=county.users.official_a,
            village=county.villages["a1"],
            at=at(2027, 3, day, 10, 0),
            absent_cadre_ids=[clerk.pk],
            now=at(2027, 6, 1, 12, 0),
        )
    # Then the removal order opened the pending removal event of the history (§4.4)
    order = RemovalOrder.objects.get()
    event = AppointmentEvent.objects.get(kind="removal")
    assert (event.status, event.source, event.source_ref, event.on) == (
        "pending",
        "attendance.violation",
        str(order.pk),
        D(2027, 3, 19),
    )
    clerk.refresh_from_db()
    assert clerk.status == "active"
    assert attendance_selectors.waiting_for_county(RemovalOrder.objects.all()).count() == 1
    # When county staff confirm it on the removals page
    client.force_login(county.users.county)
    assert [e.pk for e in client.get(reverse("cadres:removal_list")).context["removals"]] == [
        event.pk
    ]
    response = client.post(
        reverse("cadres:removal_decide", args=[event.pk]), {"decision": "confirm"}
    )
    assert response.status_code == 302
    # Then the cadre's status is removed (免职), and the timeline shows it
    clerk.refresh_from_db()
    assert clerk.status == "removed"
    # and the duty pages no longer show the removal as waiting for the county
    assert attendance_selectors.waiting_for_county(RemovalOrder.objects.all()).count() == 0
    home = client.get(reverse("home")).context["duty_waiting"]
    assert home["pending_removals"] == 0
    timeline = client.get(clerk.get_absolute_url()).context["timeline"]
    assert [(e.kind, e.status) for e in timeline] == [
        ("appointment", "confirmed"),
        ("removal", "confirmed"),
    ]


def test_a_withdrawn_inspection_withdraws_the_pending_removal_event(county):
    clerk = county.cadres["a1_clerk"]
    inspections = [
        attendance_services.inspection_record(
            actor=county.users.official_a,
            village=county.villages["a1"],
            at=at(2027, 2, day, 10, 0),
            absent_cadre_ids=[clerk.pk],
            now=at(2027, 6, 1, 12, 0),
        )
        for day in (1, 8, 15)
    ]
    assert AppointmentEvent.objects.get(kind="removal").status == "pending"
    attendance_services.inspection_withdraw(
        inspections[0], actor=county.users.official_a, reason="录错", now=at(2027, 6, 1, 12, 0)
    )
    assert AppointmentEvent.objects.get(kind="removal").status == "cancelled"


def test_the_county_may_turn_a_removal_down_with_a_reason(county, client):
    event = open_for(county)
    client.force_login(county.users.county)
    client.post(
        reverse("cadres:removal_decide", args=[event.pk]),
        {"decision": "reject", "reason": "经核实系公务外出"},
    )
    event.refresh_from_db()
    assert event.status == "cancelled" and "公务外出" in event.reason
    assert Cadre.objects.get(pk=county.cadres["a1_clerk"].pk).status == "active"


def test_every_cadre_agrees_with_their_history(county):
    # The roster record never drifts from the events (§3.6)
    for cadre in Cadre.objects.prefetch_related("events"):
        steps = [
            rules.Step(e.kind, e.on, e.village_id, e.post)
            for e in sorted(cadre.events.all(), key=lambda e: (e.on, e.pk))
            if e.status == "confirmed"
        ]
        state = rules.state_after(steps)
        assert (state.village_id, state.post, state.status, state.start_date) == (
            cadre.village_id,
            cadre.post,
            cadre.status,
            cadre.start_date,
        )
