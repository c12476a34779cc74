"""Who may open which duty page (POLICY §1.4): each role against objects in and out of scope.

Out of scope answers 404, exactly like an id that does not exist.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attendance.models import DutyLog, Inspection, InspectionFinding, LeaveRequest
from cadres.models import Role

from .factories import CadreFactory, VillageFactory

ROLES = ["county", "official_a", "official_b", "secretary_a1", "clerk_a1", "psb", "reviewer"]
ALL_BUT_REVIEWER = set(ROLES) - {"reviewer"}


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture
def duty(county):
    """A duty log, a leave request and an inspection in village a1 and in village b1."""

    def log(key):
        return DutyLog.objects.create(
            cadre=county.cadres[key],
            date=datetime.date(2026, 11, 2),
            time_in=datetime.time(8, 30),
            time_out=datetime.time(15, 0),
            minutes=390,
            source="secretary",
        )

    def leave(key):
        return LeaveRequest.objects.create(
            cadre=county.cadres[key],
            kind="personal",
            starts_at=at(2030, 1, 2, 8),
            ends_at=at(2030, 1, 2, 18),
            reason="事",
            requested_at=at(2026, 11, 1, 8),
        )

    def inspection(village, official):
        visit = Inspection.objects.create(
            village=county.villages[village],
            at=at(2026, 11, 2, 10),
            level="township",
            inspector=getattr(county.users, official),
        )
        InspectionFinding.objects.create(
            inspection=visit, cadre=county.cadres[f"{village}_clerk"], present=True
        )
        return visit

    return SimpleNamespace(
        log={"a1": log("a1_clerk"), "b1": log("b1_clerk")},
        leave={"a1_clerk": leave("a1_clerk"), "b1_police": leave("b1_auxiliary_police")},
        inspection={"a1": inspection("a1", "official_a"), "b1": inspection("b1", "official_b")},
    )


def resolve(county, duty, target):
    name, key = target
    if key is None:
        return reverse(name)
    kind, _, which = key.partition(":")
    obj = {
        "township": county.townships,
        "village": county.villages,
        "cadre": county.cadres,
        "log": duty.log,
        "leave": duty.leave,
        "inspection": duty.inspection,
    }[kind][which]
    return reverse(name, args=[obj.pk])


# page -> the roles that get 200; every other role gets 404.
MATRIX = [
    (("attendance:duty", None), ALL_BUT_REVIEWER),
    (("attendance:my_duty", None), {"secretary_a1", "clerk_a1"}),
    (("attendance:duty_overview", None), {"county", "official_a", "official_b", "psb"}),
    (
        ("attendance:duty_check", None),
        {"county", "official_a", "official_b", "psb", "secretary_a1"},
    ),
    (("attendance:village_duty", "village:a1"), {"county", "psb", "official_a", "secretary_a1"}),
    (("attendance:village_duty", "village:a2"), {"county", "psb", "official_a"}),
    (("attendance:village_duty", "village:b1"), {"county", "psb", "official_b"}),
    (("attendance:roster", "village:a1"), {"county", "official_a", "secretary_a1"}),
    (("attendance:roster", "village:b1"), {"county", "official_b"}),
    (("attendance:roster_gaps", None), {"county", "official_a", "official_b"}),
    (("attendance:duty_log_correct", "log:a1"), {"county", "official_a", "secretary_a1"}),
    (("attendance:duty_log_correct", "log:b1"), {"county", "official_b"}),
    (("attendance:leave_list", None), ALL_BUT_REVIEWER),
    (("attendance:leave_create", None), {"secretary_a1", "clerk_a1"}),
    (
        ("attendance:leave_detail", "leave:a1_clerk"),
        {"county", "official_a", "secretary_a1", "clerk_a1"},
    ),
    (("attendance:leave_detail", "leave:b1_police"), {"county", "official_b", "psb"}),
    (("attendance:ledger", "township:a"), {"county", "official_a"}),
    (("attendance:ledger", "township:b"), {"county", "official_b"}),
    (("attendance:ledger_pdf", "township:a"), {"county", "official_a"}),
    (("attendance:inspection_list", None), {"county", "official_a", "official_b"}),
    (("attendance:inspection_create", None), {"county", "official_a", "official_b"}),
    (("attendance:inspection_detail", "inspection:a1"), {"county", "official_a"}),
    (("attendance:inspection_detail", "inspection:b1"), {"county", "official_b"}),
    (
        ("attendance:violation_list", None),
        {"county", "official_a", "official_b", "secretary_a1", "clerk_a1"},
    ),
    (("attendance:calendar", None), {"county"}),
    (("attendance:calendar_year_enter", None), {"county"}),
]
IDS = [f"{t[0]}-{t[1]}" for t, _ in MATRIX]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("target", "allowed"), MATRIX, ids=IDS)
def test_each_role_sees_only_its_scope(county, duty, client, role, target, allowed):
    # Given a user of the role, when they open the page, then 200 in scope and 404 outside
    client.force_login(getattr(county.users, role))
    response = client.get(resolve(county, duty, target))
    assert response.status_code == (200 if role in allowed else 404)


@pytest.mark.parametrize(("target", "_allowed"), MATRIX, ids=IDS)
def test_anonymous_is_sent_to_login(county, duty, client, target, _allowed):
    response = client.get(resolve(county, duty, target))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# (url name, object key, form data) -> the roles whose POST is accepted (302 or 200).
POSTS = [
    (("attendance:duty_sign_in", "cadre:a1_clerk", {}), {"secretary_a1"}),
    (("attendance:duty_sign_in", "cadre:b1_clerk", {}), set()),
    (("attendance:duty_sign_out", "log:a1", {}), {"secretary_a1"}),
    (
        ("attendance:leave_decide", "leave:a1_clerk", {"approve": "1", "comment": ""}),
        {"secretary_a1"},
    ),
    (
        ("attendance:inspection_withdraw", "inspection:a1", {"reason": "错"}),
        {"county", "official_a"},
    ),
    (
        (
            "attendance:calendar_override_add",
            None,
            {"date": "2030-01-02", "is_working_day": "0", "reason": "x"},
        ),  # noqa: E501
        {"county"},
    ),
    (("attendance:roster", "village:a1", {"date": "2030-01-05"}), {"secretary_a1"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("post", "allowed"), POSTS, ids=[f"{p[0]}-{p[1]}" for p, _ in POSTS])
def test_each_role_may_post_only_in_its_scope(county, duty, client, role, post, allowed):
    name, key, data = post
    client.force_login(getattr(county.users, role))
    response = client.post(resolve(county, duty, (name, key)), data)
    if role in allowed:
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 404


def test_the_duty_menu_is_there_for_every_role_but_reviewers(county, client):
    for role in ROLES:
        client.force_login(getattr(county.users, role))
        urls = {item["url"] for item in client.get(reverse("home")).context["nav_items"]}
        assert ("/attendance/duty/" in urls) is (role != "reviewer"), role
        assert ("/attendance/inspections/" in urls) is (
            role in ("county", "official_a", "official_b")
        ), role
        assert ("/attendance/calendar/" in urls) is (role == "county"), role


def test_public_security_reads_only_auxiliary_police_duty_and_leave(county, duty, client):
    client.force_login(county.users.psb)
    response = client.get(reverse("attendance:leave_list"))
    assert [leave.cadre.post for leave in response.context["page"]] == ["auxiliary_police"]
    sheet = client.get(reverse("attendance:village_duty", args=[county.villages["a1"].pk]))
    assert {row.cadre.post for row in sheet.context["rows"]} == {"auxiliary_police"}


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


LIST_PAGES = [
    ("attendance:leave_list", None),
    ("attendance:inspection_list", None),
    ("attendance:violation_list", None),
    ("attendance:duty_overview", None),
    ("attendance:duty_check", None),
    ("attendance:village_duty", "village:a1"),
    ("attendance:roster_gaps", None),
    ("home", None),
]


@pytest.mark.parametrize("page", LIST_PAGES, ids=[p[0] for p in LIST_PAGES])
@pytest.mark.parametrize("role", ["county", "official_a", "psb"])
def test_lists_run_the_same_queries_whatever_the_data_size(county, duty, client, page, role):
    user = getattr(county.users, role)
    client.force_login(user)
    target = resolve(county, duty, page)
    if user.role == Role.PUBLIC_SECURITY and page[0] in (
        "attendance:inspection_list",
        "attendance:violation_list",
        "attendance:roster_gaps",
    ):
        return
    small = count_queries(client, target)
    # When township A grows by ten villages, each with cadres, logs, leave and an inspection
    for n in range(10):
        village = VillageFactory(township=county.townships["a"], code=f"4331301019{n:02d}")
        for post in ("secretary", "clerk", "auxiliary_police"):
            cadre = CadreFactory(village=village, post=post, name=f"新{n}")
            DutyLog.objects.create(
                cadre=cadre,
                date=timezone.localdate(),
                time_in=datetime.time(0, 0),
                time_out=datetime.time(0, 1),
                minutes=1,
                source="secretary",
            )
            LeaveRequest.objects.create(
                cadre=cadre,
                kind="sick",
                starts_at=at(2030, 1, 1, 8),
                ends_at=at(2030, 1, 1, 18),
                reason="病",
                requested_at=at(2026, 1, 1, 8),
            )
        Inspection.objects.create(
            village=village, at=at(2026, 11, 2, 10), level="county", inspector=county.users.county
        )
    # Then the page runs exactly as many queries
    assert count_queries(client, target) == small
    assert small <= 12
