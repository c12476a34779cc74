"""Who may open and change which performance page (POLICY §1.4, §5): each role against
objects in and out of its scope; out of scope answers 404, like an id that does not exist."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance import services
from performance.models import DispatchAssignment, Measure

from .factories import CadreFactory, VillageFactory
from .performance_fixtures import at, order, report, rules_seeded  # noqa: F401

pytestmark = pytest.mark.usefixtures("rules_seeded")

ROLES = ["county", "official_a", "official_b", "secretary_a1", "clerk_a1", "psb", "reviewer"]
SETTLEMENT_ROLES = {"county", "official_a", "official_b", "secretary_a1", "clerk_a1"}
DEADLINE = datetime.date(2030, 1, 20)


@pytest.fixture
def objects(county):
    """An order of each township, a measure on a cadre of each, a settled month, grades."""
    order_a = order(county, villages=["a1", "a2"], deadline=DEADLINE)
    order_b = order(county, official="official_b", villages=["b1"], deadline=DEADLINE)

    def measure(key, official):
        return services.measure_record(
            actor=getattr(county.users, official),
            cadre=county.cadres[key],
            kind="reminder",
            decided_on=datetime.date(2026, 10, 9),
            reason="工作日志未按时填写",
        )

    period = services.settlement_run(
        datetime.date(2026, 10, 1), now=at(2026, 11, 1, 2), today=datetime.date(2026, 11, 1)
    )
    services.grades_propose(2026, now=at(2027, 1, 5))
    from performance.models import AnnualGrade

    return SimpleNamespace(
        order={"a": order_a, "b": order_b},
        assignment={
            key: DispatchAssignment.objects.get(village=county.villages[key])
            for key in ("a1", "a2", "b1")
        },
        measure={
            "a1_clerk": measure("a1_clerk", "official_a"),
            "b1_clerk": measure("b1_clerk", "official_b"),
        },
        period={"oct": period},
        grade={
            key: AnnualGrade.objects.get(cadre=county.cadres[key])
            for key in ("a1_clerk", "b1_clerk")
        },
    )


def resolve(county, objects, target):
    name, key = target
    if key is None:
        return reverse(name)
    kind, _, which = key.partition(":")
    obj = {
        "village": county.villages,
        "order": objects.order,
        "assignment": objects.assignment,
        "measure": objects.measure,
        "period": objects.period,
        "grade": objects.grade,
    }[kind][which]
    return reverse(name, args=[obj.pk])


# page -> the roles that get 200; every other role gets 404.
MATRIX = [
    (("performance:orders", None), {"county", "official_a", "official_b", "secretary_a1"}),
    (("performance:order_create", None), {"official_a", "official_b"}),
    (("performance:order_detail", "order:a"), {"county", "official_a", "secretary_a1"}),
    (("performance:order_detail", "order:b"), {"county", "official_b"}),
    (("performance:assignment_detail", "assignment:a1"), {"county", "official_a", "secretary_a1"}),
    (("performance:assignment_detail", "assignment:a2"), {"county", "official_a"}),
    (("performance:assignment_detail", "assignment:b1"), {"county", "official_b"}),
    (
        ("performance:evaluation_list", None),
        {"county", "official_a", "official_b", "secretary_a1"},
    ),
    (("performance:evaluation_record", "village:a1"), {"county", "official_a"}),
    (("performance:evaluation_record", "village:b1"), {"county", "official_b"}),
    (("performance:measure_list", None), SETTLEMENT_ROLES),
    (("performance:measure_create", None), {"county", "official_a", "official_b"}),
    (
        ("performance:measure_detail", "measure:a1_clerk"),
        {"county", "official_a", "secretary_a1", "clerk_a1"},
    ),
    (("performance:measure_detail", "measure:b1_clerk"), {"county", "official_b"}),
    (("performance:settlement_list", None), SETTLEMENT_ROLES),
    (("performance:settlement_detail", "period:oct"), SETTLEMENT_ROLES),
    (("performance:grade_list", None), SETTLEMENT_ROLES),
    (
        ("performance:grade_detail", "grade:a1_clerk"),
        {"county", "official_a", "secretary_a1", "clerk_a1"},
    ),
    (("performance:grade_detail", "grade:b1_clerk"), {"county", "official_b"}),
]
IDS = [f"{t[0]}-{t[1]}" for t, _ in MATRIX]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("target", "allowed"), MATRIX, ids=IDS)
def test_each_role_sees_only_its_scope(county, objects, client, role, target, allowed):
    # Given a user of the role, when they open the page, then 200 in scope and 404 outside
    client.force_login(getattr(county.users, role))
    response = client.get(resolve(county, objects, target))
    assert response.status_code == (200 if role in allowed else 404)


@pytest.mark.parametrize(("target", "_allowed"), MATRIX, ids=IDS)
def test_anonymous_is_sent_to_login(county, objects, client, target, _allowed):
    response = client.get(resolve(county, objects, target))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_settlement_rows_are_only_those_in_scope(county, objects, client):
    url = reverse("performance:settlement_detail", args=[objects.period["oct"].pk])
    expected = {"county": 12, "official_a": 6, "official_b": 6, "secretary_a1": 3, "clerk_a1": 1}
    for role, rows in expected.items():
        client.force_login(getattr(county.users, role))
        assert len(client.get(url).context["page"].object_list) == rows, role


# (url name, object key, form data) -> the roles whose POST is accepted (302).
POSTS = [
    (
        ("performance:assignment_report", "assignment:a1", {"report_text": "已完成"}),
        {"secretary_a1"},
    ),
    (("performance:assignment_report", "assignment:b1", {"report_text": "已完成"}), set()),
    (("performance:settlement_run", None, {"month": "2026-10"}), {"county"}),
    (("performance:settlement_lock", "period:oct", {}), {"county"}),
    (("performance:grades_propose", None, {"year": "2026"}), {"county"}),
    (("performance:grades_confirm_all", None, {"year": "2026"}), {"county"}),
    (
        ("performance:measure_withdraw", "measure:a1_clerk", {"reason": "撤销"}),
        {"county", "official_a"},
    ),
    (
        ("performance:measure_withdraw", "measure:b1_clerk", {"reason": "撤销"}),
        {"county", "official_b"},
    ),
]
POST_IDS = [f"{t[0]}-{t[1]}" for t, _ in POSTS]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("target", "allowed"), POSTS, ids=POST_IDS)
def test_each_role_changes_only_its_scope(county, objects, client, role, target, allowed):
    name, key, data = target
    client.force_login(getattr(county.users, role))
    response = client.post(resolve(county, objects, (name, key)), data)
    assert response.status_code == (302 if role in allowed else 404)


def test_only_the_township_scores_a_report_of_its_own_village(county, objects, client):
    # Given a1's report, in time
    report(county, objects.order["a"], "a1", on=datetime.date(2029, 12, 30))
    url = reverse("performance:assignment_score", args=[objects.assignment["a1"].pk])
    # When others try to score it, then it does not exist for them
    for role in ("official_b", "secretary_a1", "clerk_a1", "psb"):
        client.force_login(getattr(county.users, role))
        assert client.post(url, {"score": "90"}).status_code == 404, role
    # When the county (which does not score) tries, it is refused as well
    client.force_login(county.users.county)
    assert client.post(url, {"score": "90"}).status_code == 404
    # When township A's official scores it, then it is saved
    client.force_login(county.users.official_a)
    assert client.post(url, {"score": "101"}).status_code == 200
    assert client.post(url, {"score": "88.5", "comment": "完成较好"}).status_code == 302
    assignment = DispatchAssignment.objects.get(pk=objects.assignment["a1"].pk)
    assert (assignment.status, assignment.score) == ("scored", 88.5)


def test_attachments_are_checked_and_served_only_in_scope(
    county, objects, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    assignment = objects.assignment["a1"]
    url = reverse("performance:assignment_report", args=[assignment.pk])
    client.force_login(county.users.secretary_a1)
    # A program renamed to .pdf is refused, and so is a file over 5 MB
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    assert client.post(url, {"report_text": "已完成", "attachment": fake}).status_code == 200
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024), "application/pdf")
    assert client.post(url, {"report_text": "已完成", "attachment": big}).status_code == 200
    exe = SimpleUploadedFile("tool.exe", b"MZ\x90\x00", "application/octet-stream")
    assert client.post(url, {"report_text": "已完成", "attachment": exe}).status_code == 200
    assert DispatchAssignment.objects.get(pk=assignment.pk).status == "open"
    # A real PDF is kept
    pdf = SimpleUploadedFile("会议记录.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf")
    assert client.post(url, {"report_text": "已完成", "attachment": pdf}).status_code == 302
    download = reverse("performance:assignment_attachment", args=[assignment.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # And only those who may read the order may download it
    for role, status in (("official_a", 200), ("official_b", 404), ("clerk_a1", 404), ("psb", 404)):
        client.force_login(getattr(county.users, role))
        assert client.get(download).status_code == status, role


def test_a_late_order_cannot_be_scored_and_shows_as_late(county, client):
    # Given an order due on 10 October that a1 reported on the 12th
    late = order(county, villages=["a1"], deadline=datetime.date(2026, 10, 10))
    report(county, late, "a1", on=datetime.date(2026, 10, 12))
    assignment = late.assignments.get()
    assert assignment.on_time is False
    # When the township tries to score it, then it is refused: it counts as 0
    with pytest.raises(services.ValidationError):
        services.dispatch_score(
            assignment, actor=county.users.official_a, score=95, comment="", now=at(2026, 10, 13)
        )
    # And the village's list shows it among the late ones
    client.force_login(county.users.secretary_a1)
    response = client.get(reverse("performance:orders"), {"state": "late"})
    assert [a.pk for a in response.context["page"]] == [assignment.pk]


def test_home_shows_what_waits(county, objects, client):
    # Given a1's report waiting for the township's score
    report(county, objects.order["a"], "a1", on=datetime.date(2029, 12, 30))
    client.force_login(county.users.official_a)
    assert client.get(reverse("home")).context["performance_waiting"]["orders_to_score"] == 1
    client.force_login(county.users.official_b)
    assert client.get(reverse("home")).context["performance_waiting"]["orders_to_score"] == 0
    client.force_login(county.users.secretary_a1)
    assert client.get(reverse("home")).context["performance_waiting"]["orders_to_report"] == 0
    client.force_login(county.users.county)
    assert client.get(reverse("home")).context["performance_waiting"]["grades_to_confirm"] == 12


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["county", "official_a", "secretary_a1"])
def test_lists_run_the_same_queries_whatever_the_data_size(county, objects, client, role):
    client.force_login(getattr(county.users, role))
    urls = [
        reverse("performance:orders"),
        reverse("performance:settlement_detail", args=[objects.period["oct"].pk]),
        reverse("performance:grade_list") + "?year=2026",
        reverse("performance:measure_list"),
    ]
    small = [count_queries(client, url) for url in urls]
    for n in range(10):
        village = VillageFactory(township=county.townships["a"], code=f"4331301019{n:02d}")
        for post in ("secretary", "clerk", "auxiliary_police"):
            CadreFactory(village=village, post=post, name=f"新{n}")
    order(county, villages=["a1", "a2"], deadline=DEADLINE, title="又一个任务")
    services.settlement_run(
        datetime.date(2026, 10, 1), now=at(2026, 11, 1, 3), today=datetime.date(2026, 11, 1)
    )
    services.grades_propose(2026, now=at(2027, 1, 5))
    Measure.objects.bulk_create(
        [
            Measure(**{**_measure_fields(objects.measure["a1_clerk"]), "reason": f"第{n}次"})
            for n in range(5)
        ]
    )
    assert [count_queries(client, url) for url in urls] == small


def _measure_fields(measure):
    return {
        f.attname: getattr(measure, f.attname)
        for f in Measure._meta.concrete_fields
        if f.attname not in ("id", "created_at")
    }


def test_the_township_records_a_villages_evaluation_on_one_form(county, client):
    from performance.models import DemocraticEvaluation

    cadres = county.cadres
    url = reverse("performance:evaluation_record", args=[county.villages["a1"].pk]) + "?year=2025"
    client.force_login(county.users.official_a)
    # When the votes of two of the three cadres are entered
    data = {
        f"satisfied_{cadres['a1_secretary'].pk}": "40",
        f"basically_satisfied_{cadres['a1_secretary'].pk}": "5",
        f"dissatisfied_{cadres['a1_secretary'].pk}": "1",
        f"satisfied_{cadres['a1_clerk'].pk}": "20",
        f"dissatisfied_{cadres['a1_clerk'].pk}": "16",
    }
    assert client.post(url, data).status_code == 302
    # Then two evaluations of 2025 are kept, blanks counted as 0
    rows = {
        row.cadre_id: (row.satisfied, row.basically_satisfied, row.dissatisfied)
        for row in DemocraticEvaluation.objects.filter(year=2025)
    }
    assert rows == {cadres["a1_secretary"].pk: (40, 5, 1), cadres["a1_clerk"].pk: (20, 0, 16)}
    # And a negative count is refused
    data[f"dissatisfied_{cadres['a1_clerk'].pk}"] = "-1"
    assert client.post(url, data).status_code == 200


def test_a_township_records_reminders_and_talks_but_only_the_county_suspends(county, client):
    cadre = county.cadres["a1_clerk"]
    url = reverse("performance:measure_create")
    data = {
        "cadre": cadre.pk,
        "decided_on": "2026-11-02",
        "starts_on": "2026-11-03",
        "ends_on": "2026-11-12",
        "reason": "多次脱岗",
    }
    client.force_login(county.users.official_a)
    assert client.post(url, {**data, "kind": "suspension"}).status_code == 200
    assert not Measure.objects.filter(kind="suspension").exists()
    with pytest.raises(services.PermissionDenied):
        services.measure_record(
            actor=county.users.official_a,
            cadre=cadre,
            kind="dismissal",
            decided_on=datetime.date(2026, 11, 2),
            reason="撤职",
        )
    assert client.post(url, {**data, "kind": "admonishment", "ends_on": ""}).status_code == 302
    client.force_login(county.users.county)
    assert client.post(url, {**data, "kind": "suspension"}).status_code == 302
    assert Measure.objects.get(kind="suspension").decided_by == county.users.county


def test_the_orders_page_counts_each_orders_villages_by_state(county, client):
    # Given an order past its deadline that a1 reported in time and a2 never did
    past = order(county, villages=["a1", "a2"], deadline=datetime.date(2026, 10, 10))
    report(county, past, "a1", on=datetime.date(2026, 10, 8))
    # and an order still open that a1 has reported and a2 not yet
    coming = order(county, villages=["a1", "a2"], deadline=DEADLINE, title="下一个任务")
    report(county, coming, "a1", on=datetime.date(2026, 10, 9))
    # When the township's official opens the orders page
    client.force_login(county.users.official_a)
    page = client.get(reverse("performance:orders")).context["page"]
    # Then each order's villages are counted by state: a2 is late on the first, open on
    # the second, and a1's reports wait to be scored
    counts = {
        row.pk: (row.villages, row.open_count, row.late_count, row.to_score, row.scored)
        for row in page
    }
    assert counts == {past.pk: (2, 0, 1, 1, 0), coming.pk: (2, 1, 0, 1, 0)}
