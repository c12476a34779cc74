"""Yearly training compliance (POLICY §6.1) and its feed into the annual grade (§5.2)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadres.models import Cadre
from longshan.models import RuleValue
from training import rules, selectors, services
from training.models import TrainingAttendance, TrainingEvent

from .factories import CadreFactory, VillageFactory
from .training_factories import AttendanceFactory, TrainingEventFactory, attend

D = Decimal
BELOW = TrainingEvent.Level.BELOW_COUNTY


def compliance(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("training:compliance"), {"year": 2026, **params})
    assert response.status_code == 200
    return response


def shown(response):
    """Return {cadre name: (days, shortfall)} of the compliance table on the page."""
    return {cadre.name: (cells[4], cells[6]) for cadre, cells in response.context["rows"]}


@pytest.fixture
def clerk(county):
    return county.cadres["a1_clerk"]


# ---------------------------------------------------------------- the yearly figure


def test_four_and_a_half_days_fall_short_and_five_days_meet(county, client):
    # Given the clerk of a1 at 3 + 1.5 days and its secretary at 3 + 2 days, in 2026
    clerk, secretary = county.cadres["a1_clerk"], county.cadres["a1_secretary"]
    annual = TrainingEventFactory(days=D("3"))
    special = TrainingEventFactory(days=D("2"), start_date=datetime.date(2026, 6, 12))
    AttendanceFactory(event=annual, cadre=clerk, days=D("3"))
    AttendanceFactory(event=special, cadre=clerk, days=D("1.5"))  # left half a day early
    AttendanceFactory(event=annual, cadre=secretary, days=D("3"))
    AttendanceFactory(event=special, cadre=secretary, days=D("2"))

    # When county staff open the compliance page for 2026
    village = county.villages["a1"]
    response = compliance(
        client, county.users.county, township=village.township_id, village=village.pk
    )

    # Then the clerk is listed half a day short, and the secretary (exactly 5) is not
    assert response.context["minimum"] == D("5")
    rows = shown(response)
    assert rows["张三"] == (D("4.5"), D("0.5"))
    assert "彭国华" not in rows
    # And the selector the annual proposal calls says the same
    days = selectors.training_days_by_cadre(2026, [clerk.pk, secretary.pk])
    assert days == {clerk.pk: D("4.5"), secretary.pk: D("5.0")}


def test_a_partial_day_is_recorded_and_counted(county, clerk):
    # Given a one-day county session that the clerk left at noon
    event = TrainingEventFactory(days=D("1"), event_type=TrainingEvent.Type.SPECIAL)
    # When county staff record half a day
    services.attendance_record(event, actor=county.users.county, days_by_cadre={clerk.pk: D("0.5")})
    # Then 0.5 days are counted for 2026
    assert TrainingAttendance.objects.get(event=event, cadre=clerk).days == D("0.5")
    assert selectors.training_days_by_cadre(2026, [clerk.pk]) == {clerk.pk: D("0.5")}


def test_an_event_below_county_level_does_not_count(county, client, clerk):
    # Given 3 days at county level and 2 days at the township's own session
    attend(clerk, "3")
    attend(clerk, "2", level=BELOW, township=county.townships["a"], title="里耶镇业务培训会")
    # Then only the 3 county days count: the clerk is 2 days short
    assert selectors.training_days_by_cadre(2026, [clerk.pk]) == {clerk.pk: D("3.0")}
    assert shown(compliance(client, county.users.county))["张三"] == (D("3.0"), D("2.0"))
    # And the clerk's own record shows both figures
    client.force_login(county.users.clerk_a1)
    page = client.get(reverse("training:my_training"))
    year = page.context["years"][0]
    assert (year["year"], year["counting_days"], year["other_days"]) == (2026, D("3.0"), D("2.0"))
    assert year["meets"] is False and year["shortfall"] == D("2.0")


def test_a_study_tour_counts_only_at_county_level(county, clerk):
    tour = TrainingEvent.Type.STUDY_TOUR
    attend(clerk, "3", event_type=tour, title="县组织赴浙江考察学习")
    attend(clerk, "2", event_type=tour, level=BELOW, township=county.townships["a"])
    assert selectors.training_days_by_cadre(2026, [clerk.pk]) == {clerk.pk: D("3.0")}


def test_days_count_in_the_year_the_event_is_held(county, clerk):
    attend(clerk, "3", start_date=datetime.date(2025, 12, 1))
    attend(clerk, "2", start_date=datetime.date(2026, 1, 5))
    assert selectors.training_days_by_cadre(2025, [clerk.pk]) == {clerk.pk: D("3.0")}
    assert selectors.training_days_by_cadre(2026, [clerk.pk]) == {clerk.pk: D("2.0")}


def test_the_minimum_is_the_rule_in_force_on_31_december(county, client, clerk):
    # Given the county lowered the minimum to 4.5 days from 1 July 2026, and to 4 from 2027
    for start, value in ((datetime.date(2026, 7, 1), "4.5"), (datetime.date(2027, 1, 1), "4")):
        RuleValue.objects.create(
            key="training.min_days_per_year", value=value, effective_from=start, reason="试行"
        )
    attend(clerk, "4.5", event_days=D("5"))
    attend(clerk, "4.5", event_days=D("5"), start_date=datetime.date(2025, 4, 7))
    # Then 2026 is judged by 4.5 (in force on 31 December 2026) and 2025 by the default 5
    assert selectors.minimum_days(2026) == D("4.5")
    assert selectors.minimum_days(2025) == D("5")
    assert "张三" not in shown(compliance(client, county.users.county, year=2026))
    assert shown(compliance(client, county.users.county, year=2025))["张三"] == (
        D("4.5"),
        D("0.5"),
    )


def test_only_full_time_cadres_in_post_are_judged(county, client):
    # Given a departed cadre and a part-time one in a1, with no training
    village = county.villages["a1"]
    CadreFactory(village=village, name="离任者", status=Cadre.Status.DEPARTED)
    CadreFactory(village=village, name="兼职者", is_full_time=False)
    # Then neither is on the compliance page; the three sitting cadres of a1 are
    response = compliance(
        client, county.users.county, township=village.township_id, village=village.pk
    )
    assert not response.context["form"].errors
    names = set(shown(response))
    assert names == {"彭国华", "张三", "向明"}


# ---------------------------------------------------------------- the feed into §5.2


def test_training_days_feed_the_annual_grade_cap_end_to_end(county, django_assert_num_queries):
    # Given three cadres: 5 days, 4.5 days (a half day missed) and no training at all
    full, partial, none = (county.cadres[k] for k in ("a1_secretary", "a1_clerk", "b1_clerk"))
    event = TrainingEventFactory(days=D("5"), end_date=datetime.date(2026, 4, 11))
    services.attendance_record(
        event,
        actor=county.users.county,
        days_by_cadre={full.pk: D("5"), partial.pk: D("4.5")},
    )
    # When the annual proposal reads the year's days in one query
    with django_assert_num_queries(1):
        days = selectors.training_days_by_cadre(2026, [full.pk, partial.pk, none.pk])
    minimum = selectors.minimum_days(2026)
    # Then an "excellent" proposal stays for 5 days and is capped at 基本称职 below it
    grades = {
        cadre_id: rules.cap_grade_for_training("excellent", days=value, minimum=minimum)
        for cadre_id, value in days.items()
    }
    assert grades == {
        full.pk: "excellent",
        partial.pk: "basically_competent",
        none.pk: "basically_competent",
    }
    # And "incompetent" is never raised by the cap
    assert rules.cap_grade_for_training("incompetent", days=D("9"), minimum=minimum) == (
        "incompetent"
    )


def test_training_days_without_ids_lists_only_those_who_attended(county, clerk):
    attend(clerk, "2")
    attend(county.cadres["b1_clerk"], "1", level=BELOW, township=county.townships["b"])
    assert selectors.training_days_by_cadre(2026) == {clerk.pk: D("2.0")}


# ---------------------------------------------------------------- the database holds the rules


def test_the_database_refuses_more_days_than_the_event(county, clerk):
    event = TrainingEventFactory(days=D("2"))
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingAttendance.objects.bulk_create(
            [TrainingAttendance(event=event, cadre=clerk, days=D("2.5"))]
        )
    row = AttendanceFactory(event=event, cadre=clerk, days=D("2"))
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingAttendance.objects.filter(pk=row.pk).update(days=D("3"))
    # nor an event shortened below what is recorded
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingEvent.objects.filter(pk=event.pk).update(days=D("1.5"))
    TrainingEvent.objects.filter(pk=event.pk).update(days=D("2.5"))


@pytest.mark.parametrize("days", [D("0"), D("-1")])
def test_the_database_refuses_no_days(county, clerk, days):
    event = TrainingEventFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingAttendance.objects.create(event=event, cadre=clerk, days=days)


def test_the_database_keeps_one_attendance_per_event_and_cadre(county, clerk):
    event = TrainingEventFactory()
    AttendanceFactory(event=event, cadre=clerk, days=D("1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingAttendance.objects.create(event=event, cadre=clerk, days=D("2"))


# ---------------------------------------------------------------- who sees what


def test_each_role_sees_the_compliance_of_its_own_scope(county, client):
    # Given nobody has any training in 2026: everyone is short
    expected = {
        "county": 12,
        "official_a": 6,
        "official_b": 6,
        "secretary_a1": 3,
        "psb": 4,  # auxiliary police county-wide
    }
    for role, count in expected.items():
        response = compliance(client, getattr(county.users, role))
        assert response.context["page"].paginator.count == count, role
    posts = {cadre.post for cadre, _cells in compliance(client, county.users.psb).context["rows"]}
    assert posts == {"auxiliary_police"}


def test_the_summary_counts_short_cadres_by_township_then_by_village(county, client):
    # Given every cadre of township A meets the minimum but a1's clerk
    for key, cadre in county.cadres.items():
        if key.startswith("a") and key != "a1_clerk":
            attend(cadre, "5", event_days=D("5"))
    summary = compliance(client, county.users.county).context["summary"]
    assert not summary["by_village"]
    assert [(row["name"], row["cadres"], row["short"]) for row in summary["rows"]] == [
        ("里耶镇", 6, 1),
        ("民安街道", 6, 6),
    ]
    # When a township is chosen, by village
    township = county.townships["a"].pk
    summary = compliance(client, county.users.county, township=township).context["summary"]
    assert summary["by_village"]
    assert [(row["name"], row["short"], row["percent"]) for row in summary["rows"]] == [
        ("长春村", 1, 67),
        ("里耶社区", 0, 100),
    ]


@pytest.mark.parametrize("params", [{}, {"show": "all"}, {"township": "b"}])
def test_pages_narrowed_by_the_summary_list_exactly_the_rows_in_order(
    county, client, settings, params
):
    # Given pages of 5 rows, so that pages start and end inside townships and villages
    settings.LIST_PAGE_SIZE = 5
    attend(county.cadres["a2_clerk"], "6")
    if "township" in params:
        params = {**params, "township": county.townships[params["township"]].pk}
    # When county staff page through the compliance list
    pages, number = [], 1
    while True:
        response = compliance(client, county.users.county, page=number, **params)
        pages += [cadre.pk for cadre, _cells in response.context["rows"]]
        if not response.context["page"].has_next():
            break
        number += 1
    # Then the pages, end to end, are the rows in the list's order, each once
    short_only = params.get("show") != "all"
    expected = selectors.compliance_rows(
        county.users.county,
        year=2026,
        minimum=D("5"),
        short_only=short_only,
        township_id=params.get("township"),
    )
    assert pages == [cadre.pk for cadre in expected]
    assert response.context["page"].paginator.count == len(pages)


def test_nobody_is_short_of_a_minimum_of_zero(county):
    summary = selectors.compliance_summary(county.users.county, year=2026, minimum=D("0"))
    assert [unit["short"] for unit in summary["rows"]] == [0, 0]
    for paged in (False, True):
        rows = selectors.compliance_rows(
            county.users.county, year=2026, minimum=D("0"), paged=paged
        )
        assert list(rows) == []


def test_an_official_cannot_filter_into_another_township(county, client):
    response = compliance(client, county.users.official_a, township=county.townships["b"].pk)
    assert {cadre.village.township_id for cadre, _ in response.context["rows"]} == {
        county.townships["a"].pk
    }


def test_show_all_lists_every_cadre_with_their_days(county, client, clerk):
    attend(clerk, "5", event_days=D("5"))
    response = compliance(client, county.users.secretary_a1, show="all")
    assert shown(response) == {
        "彭国华": (D("0.0"), D("5.0")),
        "张三": (D("5.0"), D("0.0")),
        "向明": (D("0.0"), D("5.0")),
    }


# ---------------------------------------------------------------- the export


def read_xlsx(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_export_holds_exactly_what_the_page_shows(county, client, clerk):
    attend(clerk, "4.5", event_days=D("5"))
    client.force_login(county.users.official_a)
    params = {"year": 2026, "show": "all"}
    page = client.get(reverse("training:compliance"), params)
    export = client.get(reverse("training:compliance_export"), params)
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    _sheet, rows = read_xlsx(export.content)
    header, body = rows[0], rows[1:]
    assert header == [str(column) for column in page.context["columns"]]
    expected = [
        [str(cell) if isinstance(cell, str) else float(cell) for cell in cells]
        for _cadre, cells in page.context["rows"]
    ]
    assert [[cell if isinstance(cell, str) else float(cell) for cell in row] for row in body] == (
        expected
    )
    assert len(body) == 6 and [
        body[1][1],
        body[1][2],
        body[1][4],
        body[1][5],
        body[1][6],
    ] == ["长春村", "张三", 4.5, 5.0, 0.5]


def test_the_export_writes_formula_like_text_as_text(county, client):
    # Given a cadre whose name (typed by someone) starts like a formula
    CadreFactory(village=county.villages["a1"], name='=HYPERLINK("http://x","y")')
    CadreFactory(village=county.villages["a1"], name="+1")
    CadreFactory(village=county.villages["a1"], name="@SUM")
    client.force_login(county.users.county)
    export = client.get(reverse("training:compliance_export"), {"year": 2026})
    sheet, rows = read_xlsx(export.content)
    # Then each such cell is a text cell holding the name, not a formula
    names = {}
    for row in sheet.iter_rows(min_row=2):
        names[row[2].value] = row[2]
    for name in ('=HYPERLINK("http://x","y")', "+1", "@SUM"):
        assert names[name].data_type == "s", name
        assert names[name].quotePrefix
    assert names["张三"].data_type == "s"


# ---------------------------------------------------------------- set-based


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["county", "official_a", "psb", "secretary_a1"])
@pytest.mark.parametrize("show", ["short", "all"])
def test_compliance_runs_the_same_queries_whatever_the_data_size(county, client, role, show):
    client.force_login(getattr(county.users, role))
    url, params = reverse("training:compliance"), {"year": 2026, "show": show}
    small = count_queries(client, url, params)
    # When the county grows by ten villages of three cadres, each with training
    events = [TrainingEventFactory() for _ in range(3)]
    for n in range(10):
        village = VillageFactory(township=county.townships["a"], code=f"4331301018{n:02d}")
        for post in ("secretary", "clerk", "auxiliary_police"):
            cadre = CadreFactory(village=village, post=post, name=f"新{n}")
            for event in events:
                AttendanceFactory(event=event, cadre=cadre, days=D("1"))
    assert count_queries(client, url, params) == small
    assert count_queries(client, reverse("training:compliance_export"), params) <= small
    assert small <= 12
