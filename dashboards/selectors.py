"""Reads of the county's statistics (POLICY §9), each through the user's scope.

A dashboard is one unit of the tree seen from above: the county by township, a township
by village, a village by cadre. Every figure is an aggregate query grouped by the unit
below, so a page runs the same number of queries with 50 villages as with 397. The tables
built here are what the page shows, what the charts draw and what the xlsx holds.
"""

import dataclasses
import datetime
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.models import DutyCheck, DutyCheckItem, LeaveRequest, Violation
from cadres.models import AppointmentEvent, Cadre, Township, Village
from compensation.models import PayrollEntry, PayrollLine, PayrollMonth
from longshan import rulebook, scoping
from performance.models import CadreMonth
from ranks.models import RankStep
from training import selectors as training_selectors

from . import rules

COUNTY, TOWNSHIP, VILLAGE = "county", "township", "village"
# The page shows the units below a page at a time past this many (a province's 1,260
# townships); a county's 21 townships and a township's villages fit on one. The xlsx
# holds every unit.
UNITS_PER_PAGE = 50
SITTING = [Cadre.Status.ACTIVE, Cadre.Status.SUSPENDED]
FIRST_YEAR = 2018  # the pilot's start (POLICY §2.2)
ABSENCE_LINES = [
    PayrollLine.Kind.VIOLATION_MONTH,
    PayrollLine.Kind.VIOLATION_QUARTER,
    PayrollLine.Kind.QUARTER_TAKEBACK,
]


class DashboardError(Exception):
    """Base of the errors of the dashboards."""


class NoDashboardError(DashboardError):
    """The user's role has no dashboard (village cadres, PSB staff, vetting reviewers)."""


# ---------------------------------------------------------------- who sees which dashboard

DASHBOARD_ROLES = {
    scoping.Role.COUNTY_STAFF,
    scoping.Role.TOWNSHIP_OFFICIAL,
    scoping.Role.VILLAGE_SECRETARY,
}


def may_see_dashboards(user):
    """Return whether the user's role has dashboards: county staff, townships, secretaries.

    The public security bureau co-manages auxiliary police only and has the roster and the
    rank distribution for them; reviewers see vetting cases only (POLICY §1.4).
    """
    return bool(user and user.is_authenticated and user.is_active) and user.role in (
        DASHBOARD_ROLES
    )


@dataclass(frozen=True)
class Unit:
    """The unit a dashboard shows, and the rows below it."""

    level: str  # county, township or village
    township: Township | None = None
    village: Village | None = None
    # For the county level: the townships the user sees; None when they see every one,
    # which then needs no filter (a join fewer over a province's rows).
    township_ids: object = None

    @property
    def name(self):
        if self.village is not None:
            return f"{self.village.township.name} · {self.village.name}"
        if self.township is not None:
            return self.township.name
        return _("Longshan County")

    def scope(self, village_path, cadre_path=None, *, township_path=None):
        """Return (filter, group field) of a model whose village is at `village_path`.

        `township_path` names the row's own township, where the row keeps one: the jobs'
        rows (settled months, payslips) say which township they were settled and paid
        under, as the payroll's pages group them, and need no join with the villages.
        """
        township = f"{township_path or village_path + '__township'}_id"
        if self.level == COUNTY:
            if self.township_ids is None:
                return {}, township
            return {f"{township}__in": self.township_ids}, township
        if self.level == TOWNSHIP:
            return {township: self.township.pk}, f"{village_path}_id"
        return {f"{village_path}_id": self.village.pk}, f"{cadre_path}_id" if cadre_path else "pk"


def home_unit(user):
    """Return the unit of the user's own dashboard, or raise NoDashboardError."""
    if not may_see_dashboards(user):
        raise NoDashboardError
    if user.role == scoping.Role.COUNTY_STAFF:
        return Unit(COUNTY)
    if user.role == scoping.Role.TOWNSHIP_OFFICIAL:
        townships = list(scoping.townships_visible_to(user).order_by("code")[:2])
        if len(townships) == 1:
            return Unit(TOWNSHIP, township=townships[0])
        if not townships:
            raise NoDashboardError
        return Unit(COUNTY, township_ids=scoping.townships_visible_to(user).values("pk"))
    villages = list(scoping.villages_visible_to(user).select_related("township")[:1])
    if not villages:
        raise NoDashboardError
    return Unit(VILLAGE, village=villages[0])


def township_unit(user, pk):
    """Return the dashboard unit of a township in the user's scope, else answer 404."""
    if not may_see_dashboards(user):
        raise NoDashboardError
    township = scoping.get_in_scope_or_404(scoping.townships_visible_to(user), pk=pk)
    return Unit(TOWNSHIP, township=township)


def village_unit(user, pk):
    """Return the dashboard unit of a village in the user's scope, else answer 404."""
    if not may_see_dashboards(user):
        raise NoDashboardError
    village = scoping.get_in_scope_or_404(
        scoping.villages_visible_to(user).select_related("township"), pk=pk
    )
    return Unit(VILLAGE, village=village)


# ---------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # int, money, percent, score, text


@dataclass
class Row:
    label: str
    values: list
    url: str = ""
    rank: int | None = None


@dataclass
class Table:
    """One table of a dashboard: shown on the page, drawn as a chart, exported to xlsx."""

    key: str
    title: str
    unit_label: str
    columns: list
    rows: list
    total: list | None = None
    chart: dict = field(default_factory=dict)
    note: str = ""
    ranked: bool = False
    by_unit: bool = False  # one row per unit below: paged on the page
    chart_of_rows: bool = True  # the chart draws the rows (not, say, totals by level)

    @property
    def chart_json(self):
        return json.dumps(self.chart, ensure_ascii=False) if self.chart else ""

    def column_values(self, key):
        index = [column.key for column in self.columns].index(key)
        return [row.values[index] for row in self.rows]


def _number(value):
    """Return a JSON-friendly number for a chart (the table keeps the Decimal)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    return value


def _chart(table, keys, *, kind="bar", stack=False, percent=False, categories=None):
    columns = {column.key: column for column in table.columns}
    return {
        "kind": kind,
        "stack": stack,
        "percent": percent,
        "categories": categories or [row.label for row in table.rows],
        "series": [
            {
                "name": str(columns[key].label),
                "data": [
                    _number(value) * 100 if percent and value is not None else _number(value)
                    for value in table.column_values(key)
                ],
            }
            for key in keys
        ],
    }


@dataclass(frozen=True)
class UnitRow:
    pk: int
    label: str
    url: str = ""
    sitting: bool = True


def _url_of_pk(name):
    """Return pk -> the URL of a route whose one argument is a pk, reversed only once.

    A province's dashboard links 1,260 townships; reversing each costs more than its row.
    """
    marker = 987654321
    pattern = reverse(name, args=[marker])
    return lambda pk: pattern.replace(str(marker), str(pk))


def _units(user, unit):
    """Return the rows below the unit, in the tree's order (one query)."""
    if unit.level == COUNTY:
        townships = Township.objects.order_by("code")
        if unit.township_ids is not None:
            townships = townships.filter(pk__in=unit.township_ids)
        url = _url_of_pk("dashboards:township")
        return [UnitRow(pk, name, url(pk)) for pk, name in townships.values_list("pk", "name")]
    if unit.level == TOWNSHIP:
        villages = Village.objects.filter(township=unit.township).order_by("code")
        url = _url_of_pk("dashboards:village")
        return [UnitRow(pk, name, url(pk)) for pk, name in villages.values_list("pk", "name")]
    posts = list(Cadre.Post.values)
    cadres = Cadre.objects.filter(village=unit.village, is_full_time=True).values_list(
        "pk", "name", "post", "status"
    )
    ordered = sorted(cadres, key=lambda row: (row[3] not in SITTING, posts.index(row[2]), row[1]))
    post_labels = dict(Cadre.Post.choices)
    return [
        UnitRow(pk, f"{name} · {post_labels[post]}", sitting=status in SITTING)
        for pk, name, post, status in ordered
    ]


def _rows(units, values_of, *, keep_former=False):
    """Return a Row per unit; a former cadre's row only when it holds a figure."""
    rows = []
    for unit in units:
        values = values_of(unit.pk)
        if not unit.sitting and not keep_former and not any(values):
            continue
        rows.append(Row(unit.label, values, unit.url))
    return rows


# ---------------------------------------------------------------- §9.1 team structure


def _structure_aggregates(on):
    aggregates = {"sitting": Count("pk")}
    for key, educations in rules.EDUCATION_GROUPS:
        aggregates[key] = Count("pk", filter=Q(education__in=educations))
    for key, (born_after, born_by) in rules.age_band_birth_ranges(on).items():
        condition = Q()
        if born_after is not None:
            condition &= Q(birth_date__gt=born_after)
        if born_by is not None:
            condition &= Q(birth_date__lte=born_by)
        aggregates[key] = Count("pk", filter=condition)
    return aggregates


EDUCATION_LABELS = {
    "bachelor_or_above": gettext_lazy("Bachelor or above"),
    "college": gettext_lazy("College"),
    "senior_high": gettext_lazy("Senior high or vocational school"),
    "junior_high_or_below": gettext_lazy("Junior high or below"),
}
AGE_LABELS = {
    "under_35": gettext_lazy("Under 35"),
    "age_35_44": gettext_lazy("35–44"),
    "age_45_54": gettext_lazy("45–54"),
    "age_55_up": gettext_lazy("55 and over"),
}
STRUCTURE_KEYS = ["sitting"] + list(EDUCATION_LABELS) + list(AGE_LABELS) + ["share_under_35"]


def _structure_columns():
    return (
        [Column("sitting", _("Cadres in post"))]
        + [Column(key, str(label)) for key, label in EDUCATION_LABELS.items()]
        + [Column(key, str(label)) for key, label in AGE_LABELS.items()]
        + [Column("share_under_35", _("Share under 35"), "percent")]
    )


def _structure_values(counts):
    counts = counts or {}
    values = [counts.get(key, 0) for key in STRUCTURE_KEYS[:-1]]
    return values + [rules.share(counts.get("under_35", 0), counts.get("sitting", 0))]


def _sum_counts(groups):
    total = {}
    for counts in groups:
        for key, value in counts.items():
            if isinstance(value, int):
                total[key] = total.get(key, 0) + value
    return total


def cadre_counts(unit, *, on, year, minimum):
    """Return the cadres in post counted by unit and by post, in one pass over them.

    Each count holds `sitting`, the education groups and age bands on `on` (§9.1) and
    `compliant`: those with `minimum` days of training in `year` (§6.1). Grouped by unit
    and post together, then added up both ways: one pass over a province's cadres, not
    three. Returns ({unit id: counts}, {post: counts}).
    """
    where, group = unit.scope("village")
    aggregates = _structure_aggregates(on)
    aggregates["compliant"] = Count("pk", filter=training_selectors.reached_minimum(year, minimum))
    by_unit, by_post = {}, {}
    for row in (
        Cadre.objects.filter(status__in=SITTING, is_full_time=True, **where)
        .values(group, "post")
        .annotate(**aggregates)
        .order_by()
    ):
        unit_id, post = row.pop(group), row.pop("post")
        for totals, key in ((by_unit, unit_id), (by_post, post)):
            counts = totals.setdefault(key, dict.fromkeys(row, 0))
            for name, value in row.items():
                counts[name] += value
    return by_unit, by_post


def structure_tables(units, *, on, counts):
    """Return the education and age of the cadres in post, by post and by unit (§9.1).

    `counts` is what cadre_counts returned.
    """
    by_unit, by_post = counts
    columns = _structure_columns()
    post_rows = [
        Row(str(label), _structure_values(by_post.get(post))) for post, label in Cadre.Post.choices
    ]
    total = _structure_values(_sum_counts(by_post.values()))
    posts = Table(
        "structure_by_post",
        _("Education and age by post"),
        _("Post"),
        columns,
        post_rows,
        total,
        note=_("Cadres in post on %(date)s; age in whole years on that date.")
        % {"date": on.isoformat()},
    )
    posts.chart = _chart(posts, list(EDUCATION_LABELS), stack=True)
    units_table = Table(
        "structure_by_unit",
        _("Education and age by unit"),
        "",
        columns,
        _rows(units, lambda pk: _structure_values(by_unit.get(pk))),
        total,
    )
    units_table.chart = _chart(units_table, ["share_under_35"], percent=True)
    sitting_by_unit = {pk: row["sitting"] for pk, row in by_unit.items()}
    return [posts, units_table], sitting_by_unit, total[0]


def departures_table(unit, *, year):
    """Return the removals and departures (resignations) of each year up to `year` (§9.1)."""
    where, _group = unit.scope("cadre__village")
    counts = {
        (row["year"], row["kind"]): row["n"]
        for row in AppointmentEvent.objects.filter(
            kind__in=[AppointmentEvent.Kind.REMOVAL, AppointmentEvent.Kind.DEPARTURE],
            status=AppointmentEvent.Status.CONFIRMED,
            on__year__lte=year,
            **where,
        )
        .values("kind", year=ExtractYear("on"))
        .annotate(n=Count("pk"))
        .order_by()
    }
    first = min([FIRST_YEAR] + [year_ for year_, _kind in counts])
    rows = []
    for year_ in range(first, year + 1):
        removals = counts.get((year_, AppointmentEvent.Kind.REMOVAL), 0)
        departures = counts.get((year_, AppointmentEvent.Kind.DEPARTURE), 0)
        rows.append(Row(str(year_), [removals, departures, removals + departures]))
    table = Table(
        "departures",
        _("Removals and departures by year"),
        _("Year"),
        [
            Column("removals", _("Removed from post")),
            Column("departures", _("Departed (resigned)")),
            Column("total", _("Total")),
        ],
        rows,
        [sum(row.values[index] for row in rows) for index in range(3)],
    )
    table.chart = _chart(table, ["removals", "departures"], stack=True)
    return table


def rank_table(unit, units, *, on):
    """Return the count of cadres in post at each rank level on a date, by unit (§7, §9.2)."""
    where, group = unit.scope("village")
    # The step in force is the cadre's latest up to the date: joined with no later one
    # (one anti-join for all cadres, not a sorted subquery per cadre; a cadre has at most
    # one step a day). Cadres without a step up to the date have no rank: their joined
    # step's date is NULL, which no later step exceeds, so the same anti-join keeps them
    # (an `OR step IS NULL` beside it would make PostgreSQL probe the index per cadre).
    later = RankStep.objects.filter(
        cadre_id=OuterRef("pk"),
        effective_from__gt=OuterRef("step_up_to_date__effective_from"),
        effective_from__lte=on,
    )
    counts = {}
    for row in (
        Cadre.objects.filter(status__in=SITTING, is_full_time=True, **where)
        .annotate(
            step_up_to_date=FilteredRelation(
                "rank_steps", condition=Q(rank_steps__effective_from__lte=on)
            )
        )
        .filter(~Exists(later))
        .values(group, rank_level=F("step_up_to_date__level"))
        .annotate(n=Count("pk"))
        .order_by()
    ):
        levels = counts.setdefault(row[group], [0] * 11)
        levels[(row["rank_level"] or 11) - 1] += row["n"]

    def values_of(pk):
        levels = counts.get(pk, [0] * 11)
        return levels + [sum(levels)]

    columns = [Column(f"level_{n}", _("Level %(n)s") % {"n": n}) for n in range(1, 11)]
    columns += [Column("unranked", _("No rank")), Column("total", _("Total"))]
    rows = _rows(units, values_of)
    total = [sum(levels[index] for levels in counts.values()) for index in range(11)]
    table = Table(
        "ranks",
        _("Rank levels of the cadres in post"),
        "",
        columns,
        rows,
        total + [sum(total)],
        note=_("Level 1 is the highest, level 10 the lowest; on %(date)s.")
        % {"date": on.isoformat()},
    )
    by_level = Table("", "", "", [Column("n", _("Cadres"))], [])
    levels = zip(columns[:11], total, strict=True)
    by_level.rows = [Row(column.label, [value]) for column, value in levels]
    table.chart = _chart(by_level, ["n"])
    table.chart_of_rows = False
    return table


# ---------------------------------------------------------------- §9.2 work


def _month_range(month):
    first, last = rules.month_bounds(month)
    start = timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time.min)
    )
    return first, last, start, end


def duty_tables(unit, units, *, month, sitting_by_unit, sitting_total):
    """Return duty compliance of the month by unit and of each month of its year (§4.1, §4.2).

    Compliance is the share of cadre working days without a finding of the daily duty check
    (no log, short hours), counted against the cadres in post now.
    """
    first, last, _start, _end = _month_range(month)
    # The year's daily checks up to the month: their working days by month, and the month
    # of each, by which their findings are added up below.
    month_of_check = {}
    working_days = defaultdict(int)
    for pk, date, is_working_day in DutyCheck.objects.filter(
        date__year=month.year, date__lte=last
    ).values_list("pk", "date", "is_working_day"):
        month_of_check[pk] = date.month
        working_days[date.month] += is_working_day
    days = working_days.get(month.month, 0)
    where, group = unit.scope("village", "cadre")
    short = Q(kind__in=[DutyCheckItem.Kind.MISSING_LOG, DutyCheckItem.Kind.SHORT_HOURS])
    gap = Q(kind=DutyCheckItem.Kind.ROSTER_GAP)
    items = DutyCheckItem.objects.filter(**where).order_by()
    by_unit = {
        row.pop(group): row
        for row in items.filter(check_run__date__range=(first, last))
        .values(group)
        .annotate(short=Count("pk", filter=short), gaps=Count("pk", filter=gap))
    }
    # Grouped by the check (a day), not by the month of its date: an integer key instead
    # of a date part computed for each of a province's year of findings.
    by_month = defaultdict(lambda: {"short": 0, "gaps": 0})
    for row in (
        items.filter(check_run__date__year=month.year, check_run__date__lte=last)
        .values("check_run_id")
        .annotate(short=Count("pk", filter=short), gaps=Count("pk", filter=gap))
    ):
        counts = by_month[month_of_check[row["check_run_id"]]]
        counts["short"] += row["short"]
        counts["gaps"] += row["gaps"]

    def values_of(counts, sitting, days):
        counts = counts or {}
        expected = sitting * days
        short_days = counts.get("short", 0)
        compliance = rules.share(expected - short_days, expected) if expected else None
        return [days, expected, short_days, counts.get("gaps", 0), compliance]

    columns = [
        Column("working_days", _("Working days checked")),
        Column("cadre_days", _("Cadre working days")),
        Column("short_days", _("Days without compliant duty")),
        Column("roster_gaps", _("Weekend and holiday days with nobody on duty")),
        Column("compliance", _("Duty compliance"), "percent"),
    ]
    if unit.level == VILLAGE:
        sitting_by_unit = {row.pk: 1 if row.sitting else 0 for row in units}
    rows = _rows(units, lambda pk: values_of(by_unit.get(pk), sitting_by_unit.get(pk, 0), days))
    total = values_of(_sum_counts(by_unit.values()), sitting_total, days)
    month_table = Table(
        "duty",
        _("Duty compliance, %(month)s") % {"month": first.strftime("%Y-%m")},
        "",
        columns,
        rows,
        total,
    )
    month_table.chart = _chart(month_table, ["compliance"], percent=True)
    trend_rows = [
        Row(
            f"{month.year}-{number:02d}",
            values_of(by_month.get(number), sitting_total, working_days.get(number, 0)),
        )
        for number in range(1, month.month + 1)
    ]
    trend = Table(
        "duty_by_month",
        _("Duty compliance by month, %(year)s") % {"year": month.year},
        _("Month"),
        columns,
        trend_rows,
        values_of(_sum_counts(by_month.values()), sitting_total, sum(working_days.values())),
    )
    trend.chart = _chart(trend, ["compliance"], kind="line", percent=True)
    return [month_table, trend]


def violation_table(unit, units, *, month, with_pay):
    """Return the violations of the month and of its year so far, and what they cost (§4.4)."""
    first, _last, _start, _end = _month_range(month)
    where, group = unit.scope("cadre__village", "cadre")
    by_unit = {
        row.pop(group): row
        for row in Violation.objects.filter(year=month.year, month__lte=first, **where)
        .values(group)
        .annotate(
            month_count=Count("pk", filter=Q(month=first)),
            year_count=Count("pk"),
            admonishments=Count("pk", filter=Q(measure=Violation.Measure.ADMONISHMENT)),
            removals=Count("pk", filter=Q(measure=Violation.Measure.REMOVAL)),
        )
        .order_by()
    }
    columns = [
        Column("month_count", _("Violations in the month")),
        Column("year_count", _("Violations this year")),
        Column("admonishments", _("Admonishment talks")),
        Column("removals", _("Removals from post")),
    ]
    deductions = {}
    if with_pay:
        pay_where, pay_group = unit.scope(
            "entry__village", "entry__cadre", township_path="entry__township"
        )
        deductions = dict(
            PayrollLine.objects.filter(entry__month=first, kind__in=ABSENCE_LINES, **pay_where)
            .values_list(pay_group)
            .annotate(total=Sum("amount"))
            .order_by()
        )
        columns.append(Column("deducted", _("Deducted from pay (yuan)"), "money"))

    def values_of(counts, deducted):
        counts = counts or {}
        values = [counts.get(column.key, 0) for column in columns[:4]]
        if with_pay:
            values.append(abs(rules.money(deducted)))
        return values

    rows = _rows(units, lambda pk: values_of(by_unit.get(pk), deductions.get(pk)))
    total = values_of(_sum_counts(by_unit.values()), sum(deductions.values(), Decimal("0.00")))
    table = Table(
        "violations",
        _("Violations and deductions, %(month)s") % {"month": first.strftime("%Y-%m")},
        "",
        columns,
        rows,
        total,
    )
    table.chart = _chart(table, ["month_count", "year_count"])
    return table


def settlement_table(unit, units, *, month):
    """Return the dispatch orders and scores of the settled month by unit (§5.1)."""
    first, _last, _start, _end = _month_range(month)
    where, group = unit.scope("village", "cadre", township_path="township")
    by_unit = {
        row.pop(group): row
        for row in CadreMonth.objects.filter(month=first, **where)
        .values(group)
        .annotate(
            cadres=Count("pk"),
            orders=Coalesce(Sum("orders"), 0),
            late=Coalesce(Sum("orders_late"), 0),
            dispatch=Sum("dispatch_score"),
            monthly=Sum("monthly_score"),
        )
        .order_by()
    }

    def values_of(counts):
        if not counts or not counts.get("cadres"):
            return [0, 0, 0, None, None]
        cadres = counts["cadres"]
        return [
            cadres,
            counts["orders"],
            counts["late"],
            rules.score(counts["dispatch"] / cadres),
            rules.score(counts["monthly"] / cadres),
        ]

    total_counts = {
        "cadres": sum(row["cadres"] for row in by_unit.values()),
        "orders": sum(row["orders"] for row in by_unit.values()),
        "late": sum(row["late"] for row in by_unit.values()),
        "dispatch": sum((row["dispatch"] for row in by_unit.values()), Decimal(0)),
        "monthly": sum((row["monthly"] for row in by_unit.values()), Decimal(0)),
    }
    table = Table(
        "scores",
        _("Dispatch orders and monthly scores, %(month)s") % {"month": first.strftime("%Y-%m")},
        "",
        [
            Column("cadres", _("Cadres settled")),
            Column("orders", _("Orders reaching cadres")),
            Column("late", _("Orders not reported in time")),
            Column("dispatch_score", _("Mean dispatch score"), "score"),
            Column("monthly_score", _("Mean monthly score"), "score"),
        ],
        _rows(units, lambda pk: values_of(by_unit.get(pk))),
        values_of(total_counts),
        note=_("From the monthly settlement; a month not yet settled shows no score."),
    )
    table.chart = _chart(table, ["dispatch_score", "monthly_score"])
    return table


def ranking_table(scores, *, unit_label):
    """Return the units ranked by mean monthly score (only when the county allows it, §9)."""
    index = [column.key for column in scores.columns].index("monthly_score")
    ranked = rules.ranked(scores.rows, value_of=lambda row: row.values[index])
    rows = [Row(row.label, [row.values[index]], row.url, rank) for rank, row in ranked]
    table = Table(
        "ranking",
        _("Ranking by mean monthly score"),
        unit_label,
        [Column("monthly_score", _("Mean monthly score"), "score")],
        rows,
        ranked=True,
    )
    table.chart = _chart(table, ["monthly_score"])
    return table


def leave_table(unit, units, *, month):
    """Return the leave taken in the month (approved, started in the month) by unit (§4.3)."""
    first, _last, start, end = _month_range(month)
    where, group = unit.scope("cadre__village", "cadre")
    by_unit = {
        row.pop(group): row
        for row in LeaveRequest.objects.filter(
            status__in=[LeaveRequest.Status.APPROVED, LeaveRequest.Status.CLOSED],
            starts_at__gte=start,
            starts_at__lt=end,
            **where,
        )
        .values(group)
        .annotate(leaves=Count("pk"), cadres=Count("cadre", distinct=True))
        .order_by()
    }

    def values_of(counts):
        counts = counts or {}
        return [counts.get("leaves", 0), counts.get("cadres", 0)]

    table = Table(
        "leave",
        _("Leave taken, %(month)s") % {"month": first.strftime("%Y-%m")},
        "",
        [Column("leaves", _("Leave requests approved")), Column("cadres", _("Cadres on leave"))],
        _rows(units, lambda pk: values_of(by_unit.get(pk))),
        values_of(_sum_counts(by_unit.values())),
    )
    table.chart = _chart(table, ["leaves"])
    return table


def training_table(units, *, year, minimum, by_unit):
    """Return how many cadres in post have the year's training days so far (§6.1).

    `by_unit` is cadre_counts' count by unit, with `minimum` days in `year`.
    """

    def values_of(counts):
        counts = counts or {}
        sitting, compliant = counts.get("sitting", 0), counts.get("compliant", 0)
        return [sitting, compliant, sitting - compliant, rules.share(compliant, sitting)]

    table = Table(
        "training",
        _("Training compliance, %(year)s") % {"year": year},
        "",
        [
            Column("sitting", _("Cadres in post")),
            Column("compliant", _("With the minimum days")),
            Column("short", _("Short of the minimum")),
            Column("share", _("Compliance"), "percent"),
        ],
        _rows(units, lambda pk: values_of(by_unit.get(pk))),
        values_of(_sum_counts(by_unit.values())),
        note=_("Minimum: %(days)s days at county level or above a year.") % {"days": minimum},
    )
    table.chart = _chart(table, ["share"], percent=True)
    return table


def payroll_table(unit, units, *, month):
    """Return the payroll of the month by unit (§8.2)."""
    first, _last, _start, _end = _month_range(month)
    where, group = unit.scope("village", "cadre", township_path="township")
    money = Decimal("0.00")
    by_unit = {
        row.pop(group): row
        for row in PayrollEntry.objects.filter(month=first, **where)
        .values(group)
        .annotate(
            cadres=Count("pk"), gross=Sum("gross"), deductions=Sum("deductions"), net=Sum("net")
        )
        .order_by()
    }
    status = PayrollMonth.objects.filter(month=first).values_list("status", flat=True).first()

    def values_of(counts):
        counts = counts or {}
        return [
            counts.get("cadres", 0),
            rules.money(counts.get("gross")),
            rules.money(counts.get("deductions")),
            rules.money(counts.get("net")),
        ]

    total = {
        "cadres": sum(row["cadres"] for row in by_unit.values()),
        **{
            key: sum((row[key] for row in by_unit.values()), money)
            for key in ("gross", "deductions", "net")
        },
    }
    table = Table(
        "payroll",
        _("Payroll, %(month)s") % {"month": first.strftime("%Y-%m")},
        "",
        [
            Column("cadres", _("Cadres paid")),
            Column("gross", _("Gross pay"), "money"),
            Column("deductions", _("Withheld"), "money"),
            Column("net", _("Net pay"), "money"),
        ],
        _rows(units, lambda pk: values_of(by_unit.get(pk))),
        values_of(total),
        note=(
            _("Payroll status: %(status)s.") % {"status": PayrollMonth.Status(status).label}
            if status
            else _("No payroll has been computed for this month.")
        ),
    )
    table.chart = _chart(table, ["net"])
    return table


# ---------------------------------------------------------------- the dashboard


UNIT_LABELS = {
    COUNTY: gettext_lazy("Township"),
    TOWNSHIP: gettext_lazy("Village or community"),
    VILLAGE: gettext_lazy("Cadre"),
}


def dashboard(user, unit, *, month, today):
    """Return the sections of a dashboard: §9.1 team structure, §9.2 work of a month.

    A fixed number of queries whatever the number of units below.
    """
    year = month.year
    units = _units(user, unit)
    book = rulebook.RuleBook.load(
        [rulebook.TRAINING_MIN_DAYS_PER_YEAR, rulebook.DASHBOARD_PUBLIC_RANKING]
    )
    try:
        public_ranking = book.value(rulebook.DASHBOARD_PUBLIC_RANKING, today)
    except rulebook.RuleNotInForceError:
        public_ranking = False
    minimum = training_selectors.minimum_days(year, book=book)
    counts = cadre_counts(unit, on=today, year=year, minimum=minimum)
    structure, sitting_by_unit, sitting_total = structure_tables(units, on=today, counts=counts)
    team = structure + [departures_table(unit, year=year), rank_table(unit, units, on=today)]
    with_pay = scoping.may_see_payroll(user)
    scores = settlement_table(unit, units, month=month)
    work = duty_tables(
        unit, units, month=month, sitting_by_unit=sitting_by_unit, sitting_total=sitting_total
    )
    work += [violation_table(unit, units, month=month, with_pay=with_pay), scores]
    if public_ranking:
        work.append(ranking_table(scores, unit_label=str(UNIT_LABELS[unit.level])))
    work += [
        leave_table(unit, units, month=month),
        training_table(units, year=year, minimum=minimum, by_unit=counts[0]),
    ]
    if with_pay:
        work.append(payroll_table(unit, units, month=month))
    unit_label = str(UNIT_LABELS[unit.level])
    for table in team + work:
        if not table.unit_label:
            table.unit_label = unit_label
        table.by_unit = table.key in UNIT_TABLES
    return {
        "unit": unit,
        "month": month,
        "year": year,
        "public_ranking": public_ranking,
        "unit_count": len(units),
        "sections": [
            {"key": "team", "title": _("Team structure"), "tables": team},
            {"key": "work", "title": _("Work"), "tables": work},
        ],
    }


UNIT_TABLES = {
    "structure_by_unit",
    "ranks",
    "duty",
    "violations",
    "scores",
    "ranking",
    "leave",
    "training",
    "payroll",
}


def tables_of(context):
    """Return every table of a dashboard context, in page order."""
    return [table for section in context["sections"] for table in section["tables"]]


def _rows_cut(table, start, stop):
    """Return a copy of a table with rows[start:stop], its chart drawing those rows."""
    cut = dataclasses.replace(table, rows=table.rows[start:stop])
    if table.chart and table.chart_of_rows:
        cut.chart = {
            **table.chart,
            "categories": table.chart["categories"][start:stop],
            "series": [
                {**series, "data": series["data"][start:stop]} for series in table.chart["series"]
            ],
        }
    return cut


def sections_of_page(context, page):
    """Return the sections with each table by unit cut to the page's units.

    `page` is a page of a Paginator over the units below (UNITS_PER_PAGE); the totals
    stay those of every unit.
    """
    start = (page.number - 1) * page.paginator.per_page
    stop = start + page.paginator.per_page
    return [
        {
            **section,
            "tables": [
                _rows_cut(table, start, stop) if table.by_unit else table
                for table in section["tables"]
            ],
        }
        for section in context["sections"]
    ]
