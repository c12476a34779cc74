"""The county's statistics (POLICY §9) against figures counted by hand on the small county.

The `figures` fixture adds to the `county` fixture (townships A = 里耶镇 and B = 民安街道,
villages a1, a2, b1, b2, three cadres each) a handful of rows of every kind the
dashboards read; each test says what a reader counts on the page.
"""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from attendance.models import (
    DutyCheck,
    DutyCheckItem,
    Inspection,
    InspectionFinding,
    LeaveRequest,
    Violation,
)
from cadres.models import AppointmentEvent, Cadre
from cadres.rules import age_on
from compensation.models import PayrollEntry, PayrollLine, PayrollMonth
from dashboards import rules, selectors
from longshan.models import AuditEvent, RuleValue
from performance.models import CadreMonth, SettlementMonth
from ranks.models import RankStep
from training.models import TrainingAttendance, TrainingEvent

from .factories import TownshipFactory

TODAY = datetime.date(2026, 11, 26)
OCTOBER = datetime.date(2026, 10, 1)


def at(year, month, day, hour=9):
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


# ---------------------------------------------------------------- the hand-counted county


def _violation(county, key, *, nth, month, measure=""):
    cadre = county.cadres[key]
    inspection = Inspection.objects.create(
        village=cadre.village,
        at=at(month.year, month.month, 15),
        level="township",
        inspector=county.users.official_a,
        note="",
        withdraw_reason="",
    )
    finding = InspectionFinding.objects.create(inspection=inspection, cadre=cadre, present=False)
    return Violation.objects.create(
        cadre=cadre,
        finding=finding,
        year=month.year,
        nth=nth,
        month=month,
        deduction_kind="month",
        deduction_ratio=Decimal("0.3") if nth == 1 else Decimal("1"),
        measure=measure,
    )


def _settled(county, period, key, *, orders, late, dispatch, monthly):
    cadre = county.cadres[key]
    return CadreMonth.objects.create(
        period=period,
        month=period.month,
        cadre=cadre,
        township=cadre.village.township,
        village=cadre.village,
        post=cadre.post,
        orders=orders,
        orders_late=late,
        orders_unscored=0,
        dispatch_score=Decimal(dispatch),
        noncompliant_duty_days=0,
        duty_penalty_per_day=Decimal("2"),
        monthly_score=Decimal(monthly),
        performance_ratio=Decimal(monthly) / 100,
        violations=0,
        violation_month_share=0,
        violation_quarter_share=0,
        measure_share=0,
        deduction_share=0,
        days_in_month=31,
        suspension_days=0,
        dismissal_days=0,
        paid_day_share=1,
        payable_performance_ratio=Decimal(monthly) / 100,
    )


def _paid(county, payroll, key, *, gross, deductions, absence=None):
    cadre = county.cadres[key]
    entry = PayrollEntry.objects.create(
        payroll=payroll,
        month=payroll.month,
        cadre=cadre,
        township=cadre.village.township,
        village=cadre.village,
        post=cadre.post,
        annual_standard=Decimal("40000"),
        performance_paid=Decimal("900"),
        gross=Decimal(gross),
        deductions=Decimal(deductions),
        net=Decimal(gross) + Decimal(deductions),
    )
    if absence:
        PayrollLine.objects.create(
            entry=entry,
            position=1,
            kind="violation_month",
            amount=Decimal(absence),
            source="",
            note="",
        )
    return entry


def _leave(county, key, *, day, status):
    return LeaveRequest.objects.create(
        cadre=county.cadres[key],
        kind="personal",
        starts_at=at(2026, day.month, day.day, 9),
        ends_at=at(2026, day.month, day.day, 17),
        status=status,
        reason="事假",
        requested_at=at(2026, day.month, day.day, 8),
        decision_comment="",
        returned_at=at(2026, day.month, day.day, 17) if status == "closed" else None,
    )


def _event(title, start, *, level="county_or_above", days=5, township=None):
    return TrainingEvent.objects.create(
        township=township,
        title=title,
        event_type="annual",
        level=level,
        start_date=start,
        end_date=start + datetime.timedelta(days=days - 1),
        place="县委党校",
        days=days,
        note="",
    )


def rank_step(cadre, kind, level, since):
    """Record a rank step of a cadre at a level from a date (§7)."""
    return RankStep.objects.create(
        cadre=cadre,
        kind=kind,
        level=level,
        rule_level=level,
        effective_from=since,
        first_counted_year=since.year,
        reason="测试",
        override_reason="",
    )


@pytest.fixture
def figures(county):
    """Add education, ages, departures, ranks, duty, violations, scores, leave, training
    and pay to the small county. The expected figures are counted in the tests."""
    c = county.cadres
    # §9.1 education: the clerks of a1 and a2 hold a degree, b1's left senior high school
    for key, education in {
        "a1_clerk": "bachelor",
        "a2_clerk": "postgraduate",
        "b1_clerk": "senior_high",
        "b2_secretary": "junior_high",
    }.items():
        Cadre.objects.filter(pk=c[key].pk).update(education=education)
    # ages on 2026-11-26: a2's clerk 33, b1's clerk 35 that very day, b2's clerk 34
    for key, born in {
        "a2_clerk": datetime.date(1992, 11, 27),
        "b1_clerk": datetime.date(1991, 11, 26),
        "b2_clerk": datetime.date(1991, 11, 27),
    }.items():
        Cadre.objects.filter(pk=c[key].pk).update(birth_date=born)
    # a1's police departed in 2024, b2's was removed in 2025; b1's removal is still pending
    for key, kind, status, on, cadre_status in [
        ("a1_auxiliary_police", "departure", "confirmed", datetime.date(2024, 5, 1), "departed"),
        ("b2_auxiliary_police", "removal", "confirmed", datetime.date(2025, 3, 1), "removed"),
        ("b1_auxiliary_police", "removal", "pending", datetime.date(2026, 11, 2), None),
    ]:
        AppointmentEvent.objects.create(
            cadre=c[key], kind=kind, status=status, on=on, village=c[key].village, reason="测试"
        )
        if cadre_status:
            Cadre.objects.filter(pk=c[key].pk).update(status=cadre_status)
    # ranks: a1's secretary at level 9 from 2026; a1's clerk at 10, level 9 only from 2027
    for key, level, since in [
        ("a1_secretary", 9, datetime.date(2026, 1, 1)),
        ("a1_clerk", 10, datetime.date(2025, 1, 1)),
        ("a1_clerk", 9, datetime.date(2027, 1, 1)),
    ]:
        rank_step(c[key], "placement" if since.year < 2027 else "adjustment", level, since)
    # duty checks: two working days of October, a Saturday, the last day of September
    checks = {
        day: DutyCheck.objects.create(date=day, is_working_day=working, computed_at=at(2026, 11, 1))
        for day, working in [
            (datetime.date(2026, 10, 8), True),
            (datetime.date(2026, 10, 9), True),
            (datetime.date(2026, 10, 10), False),
            (datetime.date(2026, 9, 30), True),
        ]
    }
    for day, key, kind in [
        ((10, 8), "a1_clerk", "missing_log"),
        ((10, 9), "a1_clerk", "short_hours"),
        ((10, 9), "b1_auxiliary_police", "short_hours"),
        ((9, 30), "b1_secretary", "missing_log"),
    ]:
        DutyCheckItem.objects.create(
            check_run=checks[datetime.date(2026, *day)],
            village=c[key].village,
            cadre=c[key],
            kind=kind,
        )
    DutyCheckItem.objects.create(
        check_run=checks[datetime.date(2026, 10, 10)],
        village=county.villages["a2"],
        kind="roster_gap",
    )
    # violations of 2026: a1's clerk in September and October (admonishment), b1's police in
    # October; one of 2025 that this year does not count
    _violation(county, "a1_clerk", nth=1, month=datetime.date(2026, 9, 1))
    _violation(county, "a1_clerk", nth=2, month=OCTOBER, measure="admonishment")
    _violation(county, "b1_auxiliary_police", nth=1, month=OCTOBER)
    _violation(county, "b1_clerk", nth=1, month=datetime.date(2025, 10, 1))
    # the October settlement of three cadres
    period = SettlementMonth.objects.create(month=OCTOBER, run_id="test")
    _settled(county, period, "a1_secretary", orders=2, late=0, dispatch="90", monthly="90")
    _settled(county, period, "a1_clerk", orders=2, late=1, dispatch="80", monthly="76")
    _settled(county, period, "b1_secretary", orders=1, late=0, dispatch="70", monthly="70")
    # the October payroll of three cadres
    payroll = PayrollMonth.objects.create(month=OCTOBER, computed_at=at(2026, 11, 2))
    _paid(county, payroll, "a1_clerk", gross="3000.00", deductions="-500.00", absence="-500.00")
    _paid(county, payroll, "a2_secretary", gross="3500.00", deductions="0.00")
    _paid(
        county,
        payroll,
        "b1_auxiliary_police",
        gross="3400.00",
        deductions="-300.50",
        absence="-300.50",
    )
    # leave: three approved or closed in October in A; pending, rejected and September ones
    _leave(county, "a1_clerk", day=datetime.date(2026, 10, 12), status="approved")
    _leave(county, "a1_clerk", day=datetime.date(2026, 10, 20), status="closed")
    _leave(county, "a2_secretary", day=datetime.date(2026, 10, 15), status="approved")
    _leave(county, "b1_clerk", day=datetime.date(2026, 10, 16), status="pending")
    _leave(county, "b2_secretary", day=datetime.date(2026, 10, 16), status="rejected")
    _leave(county, "b1_auxiliary_police", day=datetime.date(2026, 9, 30), status="approved")
    # training of 2026: a1's secretary 5 days, a1's clerk 3 + 2, b1's secretary 4 (+ 3 below
    # county level, which do not count); a2's police 5 days in 2025
    spring = _event("年度培训", datetime.date(2026, 3, 2))
    summer = _event("专题培训", datetime.date(2026, 6, 1))
    township = _event(
        "乡镇培训",
        datetime.date(2026, 6, 8),
        level="below_county",
        days=3,
        township=county.townships["b"],
    )
    last_year = _event("2025 年度培训", datetime.date(2025, 3, 3))
    for event, key, days in [
        (spring, "a1_secretary", 5),
        (spring, "a1_clerk", 3),
        (summer, "a1_clerk", 2),
        (spring, "b1_secretary", 4),
        (township, "b1_secretary", 3),
        (last_year, "a2_auxiliary_police", 5),
    ]:
        TrainingAttendance.objects.create(event=event, cadre=c[key], days=Decimal(days))
    return SimpleNamespace(county=county)


def dashboard_of(user, unit, *, month=OCTOBER):
    context = selectors.dashboard(user, unit, month=month, today=TODAY)
    return {table.key: table for table in selectors.tables_of(context)}


def county_tables(county, **kwargs):
    user = county.users.county
    return dashboard_of(user, selectors.home_unit(user), **kwargs)


def by_label(table):
    return {row.label: row.values for row in table.rows}


# ---------------------------------------------------------------- §9.1 team structure


def test_education_and_age_of_each_post(figures):
    county = figures.county
    # Given the small county on 2026-11-26, when the county opens its dashboard
    table = county_tables(county)["structure_by_post"]
    rows = by_label(table)
    # Then the clerks: 2 with a degree or more, 1 college, 1 senior high; 2 of 4 under 35
    # (b1's clerk turned 35 that day, b2's turns 35 the next)
    assert rows["全职化秘书"] == [4, 2, 1, 1, 0, 2, 1, 1, 0, Decimal("0.5000")]
    # the secretaries: 3 college, 1 junior high; aged 46, 43, 40, 37
    assert rows["党组织书记"] == [4, 0, 3, 0, 1, 0, 3, 1, 0, Decimal("0.0000")]
    # the two auxiliary police still in post (a1's departed, b2's was removed): 41 and 38
    assert rows["辅警"] == [2, 0, 2, 0, 0, 0, 2, 0, 0, Decimal("0.0000")]
    assert table.total == [10, 2, 6, 1, 1, 2, 6, 2, 0, Decimal("0.2000")]


def test_education_and_age_by_township(figures):
    rows = by_label(county_tables(figures.county)["structure_by_unit"])
    # A: aged 46, 45 (a1), 43, 33, 41 (a2); B: 40, 35, 38 (b1), 37, 34 (b2)
    assert rows["里耶镇"] == [5, 2, 3, 0, 0, 1, 2, 2, 0, Decimal("0.2000")]
    assert rows["民安街道"] == [5, 0, 3, 1, 1, 1, 4, 0, 0, Decimal("0.2000")]


def test_removals_and_departures_by_year(figures):
    table = county_tables(figures.county)["departures"]
    rows = by_label(table)
    assert list(rows) == [str(year) for year in range(2018, 2027)]
    assert rows["2024"] == [0, 1, 1]
    assert rows["2025"] == [1, 0, 1]
    # b1's removal waits for the county: not counted
    assert rows["2026"] == [0, 0, 0]
    assert table.total == [1, 1, 2]


def test_rank_levels_by_township(figures):
    table = county_tables(figures.county)["ranks"]
    rows = by_label(table)
    # a1's secretary at level 9, a1's clerk at 10 (level 9 only from 2027); the rest unranked
    assert rows["里耶镇"] == [0] * 8 + [1, 1, 3, 5]
    assert rows["民安街道"] == [0] * 10 + [5, 5]
    assert table.total == [0] * 8 + [1, 1, 8, 10]


def test_a_cadre_counts_once_at_the_level_of_their_latest_step(figures):
    # Given b1's clerk placed at level 10 in 2024 and raised to 8 in 2026
    clerk = figures.county.cadres["b1_clerk"]
    rank_step(clerk, "placement", 10, datetime.date(2024, 1, 1))
    rank_step(clerk, "adjustment", 8, datetime.date(2026, 3, 1))
    # When the county's rank table is drawn, then they count once, at level 8
    rows = by_label(county_tables(figures.county)["ranks"])
    assert rows["民安街道"] == [0] * 7 + [1, 0, 0, 4, 5]


# ---------------------------------------------------------------- §9.2 work


def test_duty_compliance_of_the_month_and_by_month(figures):
    tables = county_tables(figures.county)
    rows = by_label(tables["duty"])
    # Two working days checked in October; A: 5 cadres × 2 days, 2 days short, 1 roster gap
    assert rows["里耶镇"] == [2, 10, 2, 1, Decimal("0.8000")]
    assert rows["民安街道"] == [2, 10, 1, 0, Decimal("0.9000")]
    assert tables["duty"].total == [2, 20, 3, 1, Decimal("0.8500")]
    months = by_label(tables["duty_by_month"])
    assert months["2026-09"] == [1, 10, 1, 0, Decimal("0.9000")]
    assert months["2026-10"] == [2, 20, 3, 1, Decimal("0.8500")]
    assert months["2026-01"] == [0, 0, 0, 0, None]
    assert list(months)[-1] == "2026-10"


def test_violations_and_what_they_cost(figures):
    table = county_tables(figures.county)["violations"]
    rows = by_label(table)
    # month, year so far, admonishments, removals, yuan deducted in the month's payroll
    assert rows["里耶镇"] == [1, 2, 1, 0, Decimal("500.00")]
    assert rows["民安街道"] == [1, 1, 0, 0, Decimal("300.50")]
    assert table.total == [2, 3, 1, 0, Decimal("800.50")]


def test_dispatch_orders_and_scores(figures):
    table = county_tables(figures.county)["scores"]
    rows = by_label(table)
    assert rows["里耶镇"] == [2, 4, 1, Decimal("85.00"), Decimal("83.00")]
    assert rows["民安街道"] == [1, 1, 0, Decimal("70.00"), Decimal("70.00")]
    assert table.total == [3, 5, 1, Decimal("80.00"), Decimal("78.67")]


def test_leave_taken(figures):
    table = county_tables(figures.county)["leave"]
    assert by_label(table) == {"里耶镇": [3, 2], "民安街道": [0, 0]}
    assert table.total == [3, 2]


def test_training_compliance(figures):
    table = county_tables(figures.county)["training"]
    rows = by_label(table)
    # 5 days at county level or above: a1's secretary (5) and a1's clerk (3 + 2) only
    assert rows["里耶镇"] == [5, 2, 3, Decimal("0.4000")]
    assert rows["民安街道"] == [5, 0, 5, Decimal("0.0000")]
    assert table.total == [10, 2, 8, Decimal("0.2000")]


def test_payroll_totals(figures):
    table = county_tables(figures.county)["payroll"]
    rows = by_label(table)
    assert rows["里耶镇"] == [2, Decimal("6500.00"), Decimal("-500.00"), Decimal("6000.00")]
    assert rows["民安街道"] == [1, Decimal("3400.00"), Decimal("-300.50"), Decimal("3099.50")]
    assert table.total == [3, Decimal("9900.00"), Decimal("-800.50"), Decimal("9099.50")]


def test_a_paid_month_stays_with_the_township_it_was_settled_and_paid_under(figures):
    # a1 (长春村) moves to 民安街道 after October was settled and paid: October's pay, its
    # deductions and its scores stay with 里耶镇, as the payroll's own pages show them
    county = figures.county
    county.villages["a1"].township = county.townships["b"]
    county.villages["a1"].save()
    tables = county_tables(county)
    assert by_label(tables["payroll"])["里耶镇"][:2] == [2, Decimal("6500.00")]
    assert by_label(tables["violations"])["里耶镇"][4] == Decimal("500.00")
    assert by_label(tables["scores"])["里耶镇"][:3] == [2, 4, 1]
    official_a = county.users.official_a
    tables = dashboard_of(official_a, selectors.home_unit(official_a))
    assert tables["payroll"].total[:2] == [2, Decimal("6500.00")]
    assert tables["scores"].total[:3] == [2, 4, 1]
    # while the cadres in post are counted where their village is now
    assert by_label(tables["training"]) == {"里耶社区": [3, 0, 3, Decimal("0.0000")]}


def test_an_official_of_two_townships_sees_their_paid_months_where_they_were_paid(figures):
    # official_a also manages 民安街道: their dashboard is the county's, cut to the two; a1
    # then moves to a third township they do not manage, and its October stays with 里耶镇
    county = figures.county
    official = county.users.official_a
    for permission in ("cadres.view_township", "cadres.manage_township"):
        assign_perm(permission, official, county.townships["b"])
    unit = selectors.home_unit(official)
    assert unit.level == selectors.COUNTY
    county.villages["a1"].township = TownshipFactory(name="洗车河镇", code="433130103")
    county.villages["a1"].save()
    tables = dashboard_of(official, unit)
    assert set(by_label(tables["payroll"])) == {"里耶镇", "民安街道"}
    assert tables["payroll"].total == [
        3,
        Decimal("9900.00"),
        Decimal("-800.50"),
        Decimal("9099.50"),
    ]
    assert tables["violations"].total[4] == Decimal("800.50")
    assert tables["scores"].total[:3] == [3, 5, 1]
    # a1's two cadres in post (its police officer departed) now count in the third
    # township, which this official cannot see: 10 in post less those two
    assert tables["training"].total[0] == 8


def test_a_township_by_village_and_a_village_by_cadre(figures):
    county = figures.county
    official = county.users.official_a
    tables = dashboard_of(official, selectors.home_unit(official))
    assert by_label(tables["duty"]) == {
        # 长春村: its secretary and clerk (the police officer departed) × 2 days, 2 short
        "长春村": [2, 4, 2, 0, Decimal("0.5000")],
        "里耶社区": [2, 6, 0, 1, Decimal("1.0000")],
    }
    assert tables["payroll"].total == [
        2,
        Decimal("6500.00"),
        Decimal("-500.00"),
        Decimal("6000.00"),
    ]
    secretary = county.users.secretary_a1
    tables = dashboard_of(secretary, selectors.home_unit(secretary))
    scores = by_label(tables["scores"])
    assert scores == {
        "彭国华 · 党组织书记": [1, 2, 0, Decimal("90.00"), Decimal("90.00")],
        "张三 · 全职化秘书": [1, 2, 1, Decimal("80.00"), Decimal("76.00")],
    }
    # a secretary has no payroll pages (POLICY §1.4): no payroll table, no yuan deducted
    assert "payroll" not in tables
    assert by_label(tables["violations"])["张三 · 全职化秘书"] == [1, 2, 1, 0]


# ---------------------------------------------------------------- ranking (§9, a county rule)


def test_no_public_ranking_until_the_county_switches_it_on(figures, client):
    county = figures.county
    tables = county_tables(county)
    assert "ranking" not in tables
    assert [row.label for row in tables["scores"].rows] == ["里耶镇", "民安街道"]
    # When the county switches public ranking on from today
    RuleValue.objects.create(
        key="dashboards.public_ranking", value="true", effective_from=TODAY, reason="试行排名"
    )
    ranking = county_tables(county)["ranking"]
    assert [(row.rank, row.label) for row in ranking.rows] == [(1, "里耶镇"), (2, "民安街道")]
    # And the switch is on the County rules page like every other rule
    client.force_login(county.users.county)
    response = client.get(reverse("rule_list"))
    keys = [rule["definition"].key for rule in response.context["rules"]]
    assert "dashboards.public_ranking" in keys


# ---------------------------------------------------------------- the xlsx


def test_the_xlsx_holds_the_page_numbers_and_is_logged(figures, client):
    county = figures.county
    Cadre.objects.filter(pk=county.cadres["a1_clerk"].pk).update(name="=HYPERLINK(1)")
    client.force_login(county.users.county)
    query = {"year": 2026, "month": 10}
    page = client.get(reverse("dashboards:county"), query)
    assert page.status_code == 200
    response = client.get(reverse("dashboards:county_xlsx"), query)
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    page_tables = {table.title: table for table in selectors.tables_of(page.context)}
    assert len(workbook.sheetnames) == len(page_tables)
    for sheet in workbook.worksheets:
        title = sheet.cell(2, 1).value
        table = page_tables[title]
        rows = list(sheet.iter_rows(min_row=4, values_only=True))
        for row, values in zip(table.rows, rows, strict=False):
            assert values[0] == row.label
            assert [None if v is None else Decimal(str(v)) for v in values[1:]] == [
                None if v is None else Decimal(str(v)) for v in row.values
            ]
    # and the export is in the audit trail with its filters
    event = AuditEvent.objects.get(action="export.dashboard")
    assert event.changes["format"] == "xlsx"
    assert event.changes["filters"]["month"] == "10"


def test_many_units_are_shown_a_page_at_a_time_and_the_xlsx_holds_them_all(
    figures, client, monkeypatch
):
    county = figures.county
    client.force_login(county.users.county)
    query = {"year": 2026, "month": 10}
    whole = client.get(reverse("dashboards:county"), query)
    # A county's townships fit on one page: no pager
    assert 'data-testid="unit-pages"' not in whole.content.decode()
    whole_tables = {table.key: table for table in selectors.tables_of(whole.context)}
    # When a province's units outnumber a page (one unit a page here)
    monkeypatch.setattr(selectors, "UNITS_PER_PAGE", 1)
    second = client.get(reverse("dashboards:county"), {**query, "page": 2})
    assert second.status_code == 200
    assert 'data-testid="unit-pages"' in second.content.decode()
    tables = {table.key: table for table in selectors.tables_of(second.context)}
    # Then every table by unit shows the second township only, and its chart draws it only
    for key in ["structure_by_unit", "ranks", "duty", "violations", "scores", "leave"]:
        assert [row.label for row in tables[key].rows] == ["民安街道"], key
        assert tables[key].total == whole_tables[key].total, key
    assert tables["duty"].chart["categories"] == ["民安街道"]
    assert len(tables["duty"].chart["series"][0]["data"]) == 1
    # while the tables not by unit, and the rank levels' chart, stay whole
    assert len(tables["structure_by_post"].rows) == len(whole_tables["structure_by_post"].rows)
    assert tables["ranks"].chart == whole_tables["ranks"].chart
    assert [row.label for row in tables["duty_by_month"].rows][0] == "2026-01"
    # and the xlsx holds both townships
    response = client.get(reverse("dashboards:county_xlsx"), {**query, "table": "duty"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    labels = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert "里耶镇" in labels and "民安街道" in labels


def test_the_xlsx_of_a_village_writes_a_formula_like_name_as_text(figures, client):
    county = figures.county
    Cadre.objects.filter(pk=county.cadres["a1_clerk"].pk).update(name="=HYPERLINK(1)")
    client.force_login(county.users.county)
    url = reverse("dashboards:village_xlsx", args=[county.villages["a1"].pk])
    response = client.get(url, {"year": 2026, "month": 10, "table": "scores"})
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames and len(workbook.sheetnames) == 1
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    formula_like = [cell for cell in cells if str(cell.value).startswith("=")]
    assert formula_like and all(cell.data_type == "s" for cell in formula_like)
    assert all(cell.quotePrefix for cell in formula_like)


# ---------------------------------------------------------------- the pure rules


@pytest.mark.parametrize(
    "on",
    [
        datetime.date(2026, 11, 26),
        datetime.date(2028, 2, 29),
        datetime.date(2027, 2, 28),
        datetime.date(2027, 3, 1),
        datetime.date(2026, 1, 1),
    ],
)
def test_the_age_bands_agree_with_whole_years_of_age(on):
    ranges = rules.age_band_birth_ranges(on)
    born = on - datetime.timedelta(days=70 * 366)
    while born <= on - datetime.timedelta(days=18 * 365):
        age = age_on(born, on)
        bands = [
            key
            for key, (after, by) in ranges.items()
            if (after is None or born > after) and (by is None or born <= by)
        ]
        expected = (
            "under_35"
            if age < 35
            else "age_35_44"
            if age < 45
            else "age_45_54"
            if age < 55
            else "age_55_up"
        )
        assert bands == [expected], (born, on, age)
        born += datetime.timedelta(days=1)


def test_equal_values_share_a_rank_and_missing_ones_come_last():
    ranked = rules.ranked(["a", "b", "c", "d"], value_of={"a": 70, "b": 90, "c": None, "d": 90}.get)
    assert ranked == [(1, "b"), (1, "d"), (3, "a"), (None, "c")]


def test_shares_and_the_default_month():
    assert rules.share(1, 3) == Decimal("0.3333")
    assert rules.share(1, 0) is None
    assert rules.default_month(datetime.date(2026, 1, 5)) == datetime.date(2025, 12, 1)
