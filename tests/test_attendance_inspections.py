"""Inspections and the violation ladder (POLICY §4.4)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from attendance import services
from attendance.models import Inspection, LeaveRequest, RemovalOrder, Violation
from cadres.models import Cadre
from longshan.models import RuleValue


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


NOW = at(2027, 6, 1, 12, 0)


def inspect(county, when, *absent, village="a1", actor="official_a"):
    return services.inspection_record(
        actor=getattr(county.users, actor),
        village=county.villages[village],
        at=at(*when),
        absent_cadre_ids=[county.cadres[key].pk for key in absent],
        now=NOW,
    )


def ladder(cadre):
    return [
        (v.year, v.nth, v.deduction_kind, v.deduction_ratio, v.measure, v.month)
        for v in Violation.objects.filter(cadre=cadre).order_by("year", "nth")
    ]


def test_the_ladder_restarts_with_the_calendar_year(county):
    clerk = county.cadres["a1_clerk"]
    # Given two absences in December 2026 and one in January 2027
    inspect(county, (2026, 12, 3, 10, 0), "a1_clerk")
    inspect(county, (2026, 12, 17, 15, 30), "a1_clerk")
    inspect(county, (2027, 1, 6, 9, 0), "a1_clerk")
    # Then December holds the 1st and 2nd of 2026, and January's is the 1st of 2027
    assert ladder(clerk) == [
        (2026, 1, "month", Decimal("0.300"), "", datetime.date(2026, 12, 1)),
        (2026, 2, "month", Decimal("1.000"), "admonishment", datetime.date(2026, 12, 1)),
        (2027, 1, "month", Decimal("0.300"), "", datetime.date(2027, 1, 1)),
    ]
    assert not RemovalOrder.objects.exists()


def test_the_third_violation_costs_the_quarter_and_opens_a_pending_removal(county, client):
    clerk = county.cadres["a1_clerk"]
    for day in (5, 12, 19):
        inspect(county, (2027, 3, day, 10, 0), "a1_clerk")
    assert ladder(clerk)[-1][:5] == (2027, 3, "quarter", Decimal("1.000"), "removal")
    order = RemovalOrder.objects.get()
    assert (order.cadre, order.year, order.status) == (clerk, 2027, "pending")
    # The cadre's status is left to the appointment history
    clerk.refresh_from_db()
    assert clerk.status == Cadre.Status.ACTIVE
    # And the pending removal shows on the cadre's page and on the county's home page
    client.force_login(county.users.county)
    page = client.get(clerk.get_absolute_url()).content.decode()
    assert 'data-testid="pending-removal"' in page
    assert client.get(reverse("home")).context["duty_waiting"]["pending_removals"] == 1


def test_approved_leave_covering_the_inspection_is_not_a_violation(county):
    police = county.cadres["a1_auxiliary_police"]
    LeaveRequest.objects.create(
        cadre=police,
        kind="personal",
        starts_at=at(2027, 4, 1, 8, 0),
        ends_at=at(2027, 4, 1, 18, 0),
        reason="就医",
        status="approved",
        requested_at=at(2027, 3, 30, 8, 0),
    )
    # A pending (not yet approved) leave covers nothing
    LeaveRequest.objects.create(
        cadre=police,
        kind="personal",
        starts_at=at(2027, 4, 2, 8, 0),
        ends_at=at(2027, 4, 2, 18, 0),
        reason="就医",
        requested_at=at(2027, 3, 30, 8, 0),
    )
    inspect(county, (2027, 4, 1, 10, 0), "a1_auxiliary_police")
    inspect(county, (2027, 4, 2, 10, 0), "a1_auxiliary_police")
    assert [nth for _y, nth, *_rest in ladder(police)] == [1]
    assert Violation.objects.get().finding.inspection.at == at(2027, 4, 2, 10, 0)


def test_withdrawing_a_mistaken_inspection_re_derives_the_ladder(county):
    clerk = county.cadres["a1_clerk"]
    first = inspect(county, (2027, 2, 1, 10, 0), "a1_clerk")
    inspect(county, (2027, 2, 8, 10, 0), "a1_clerk")
    inspect(county, (2027, 2, 15, 10, 0), "a1_clerk")
    assert RemovalOrder.objects.get().status == "pending"
    # When the first inspection is withdrawn as a mistake
    services.inspection_withdraw(first, actor=county.users.official_a, reason="录错村了", now=NOW)
    # Then the other two are the 1st and 2nd, and the removal is cancelled
    assert [(nth, measure) for _y, nth, _k, _r, measure, _m in ladder(clerk)] == [
        (1, ""),
        (2, "admonishment"),
    ]
    assert RemovalOrder.objects.get().status == "cancelled"
    # And another withdrawal by someone outside the township is refused
    second = Inspection.objects.filter(withdrawn_at__isnull=True).first()
    with pytest.raises(PermissionDenied):
        services.inspection_withdraw(second, actor=county.users.official_b, reason="x", now=NOW)


def test_the_deduction_ratio_is_the_countys_rule_in_force_that_day(county):
    RuleValue.objects.create(
        key="violation.first_deduction_ratio",
        value="0.50",
        effective_from=datetime.date(2027, 5, 1),
        reason="县委组织部调整",
    )
    inspect(county, (2027, 4, 20, 10, 0), "a1_clerk")
    inspect(county, (2027, 5, 20, 10, 0), "a1_auxiliary_police")
    assert Violation.objects.get(cadre=county.cadres["a1_clerk"]).deduction_ratio == Decimal("0.3")
    assert Violation.objects.get(
        cadre=county.cadres["a1_auxiliary_police"]
    ).deduction_ratio == Decimal("0.5")


def test_only_county_staff_and_the_villages_township_inspect(county):
    with pytest.raises(PermissionDenied):
        inspect(county, (2027, 4, 1, 10, 0), "a1_clerk", actor="official_b")
    with pytest.raises(PermissionDenied):
        inspect(county, (2027, 4, 1, 10, 0), "a1_clerk", actor="secretary_a1")
    county_visit = inspect(county, (2027, 4, 1, 10, 0), "b1_clerk", village="b1", actor="county")
    assert county_visit.level == "county"
    assert county_visit.findings.filter(present=True).count() == 2


def test_an_inspection_is_recorded_through_the_pages(county, client):
    client.force_login(county.users.official_a)
    village = county.villages["a2"]
    url = reverse("attendance:inspection_create") + f"?village={village.pk}"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"at": "2026-11-20T10:30", "absent": [county.cadres["a2_clerk"].pk], "note": ""},
    )
    assert response.status_code == 302
    inspection = Inspection.objects.get()
    assert inspection.findings.filter(present=False).count() == 1
    assert Violation.objects.get().cadre == county.cadres["a2_clerk"]
    # Township B's official may not even open the form for a village of township A
    client.force_login(county.users.official_b)
    assert client.get(url).status_code == 404
