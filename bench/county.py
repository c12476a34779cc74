"""A synthetic county at scale N for the benchmark (`python manage.py bench --scale N`).

N=1 is Longshan (21 townships, 397 villages, about 1,200 cadres); N=60 a province of about
72,000 cadres. A full year (YEAR) of duty logs, duty checks, leave, inspections and
violations, dispatch orders and scores, training and team rewards, and the grades and
ranks a yearly rank proposal needs.

Set-based: rows are built as tuples with ids chosen here (the database is empty), then
written with PostgreSQL's COPY or SQLite's executemany (`longshan.bulk.insert`, which the
monthly jobs use too), never one query per row. Deterministic: a fixed seed and fixed dates.
"""

import datetime
import json
import random
from decimal import Decimal

import chinese_calendar
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from attendance.models import (
    DutyCheck,
    DutyCheckItem,
    DutyLog,
    Inspection,
    InspectionFinding,
    LeaveRequest,
    Violation,
)
from cadres import names
from cadres.choices import Education, Ethnicity, PoliticalStatus, Sex
from cadres.models import Cadre, County, Township, User, Village
from cadres.rules import id_check_character
from compensation.models import TeamReward
from longshan.bulk import insert
from performance.models import AnnualGrade, DispatchAssignment, DispatchOrder
from ranks.models import RankStep
from training.models import TrainingAttendance, TrainingEnrolment, TrainingEvent

SEED = "longshan-bench"
YEAR = 2025  # a year chinese-calendar knows, so working days are the official ones
MONTH = datetime.date(YEAR, 11, 1)  # the month settled and paid
TODAY = datetime.date(YEAR, 12, 1)  # the benchmark's "today": the month's deadlines passed
LONGSHAN = {"townships": 21, "villages": 397}
BIG_VILLAGE_EVERY = 56  # 7 of Longshan's 397 villages have a second police post
COMMUNITY_EVERY = 12
ORDERS_PER_TOWNSHIP_MONTH = 3
INSPECTIONS_PER_VILLAGE_YEAR = 6
ABSENT_SHARE = 0.04  # of cadres found by an inspection
MISSING_LOG_SHARE = 0.02  # of cadre working days without a duty log
LEAVE_PER_CADRE_YEAR = 2
REWARDED_VILLAGE_SHARE = 0.1
# Above this many duty log rows only the settled month's logs are written (see README):
# a year at N=60 is about 18 million rows, some six times the whole N=10 build (estimated,
# not measured), and the settlement reads the duty check's findings, not the logs.
DUTY_LOG_YEAR_LIMIT = 4_000_000
CHUNK = 100_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐向彭田龙石"
GIVEN = "伟强军勇杰涛明超刚平辉健华建国志新丽芳英红梅兰霞燕琴玲娟静敏艳萍秀凤"
BENCH_USER = "bench_county"


class BenchDataError(Exception):
    """The benchmark's county cannot be built on this database."""


def aware(day, hour=10, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def working_days(year):
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return [
        first + datetime.timedelta(days=n)
        for n in range((last - first).days + 1)
        if chinese_calendar.is_workday(first + datetime.timedelta(days=n))
    ]


def month_of(day):
    return day.replace(day=1)


def _id_number(pk, birth, male):
    region = f"{431000 + pk // 500:06d}"
    sequence = f"{(pk % 500) * 2 + (1 if male else 0):03d}"
    first_17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first_17 + id_check_character(first_17)


def build(scale, *, log=print):
    """Build the county at `scale` on an empty database; return {table: rows written}."""
    if Cadre.objects.exists() or Township.objects.exists():
        raise BenchDataError(
            "The database already holds a county: the benchmark builds its own on an empty "
            "database (`make bench` makes one under var/bench/ or a `bench` database)."
        )
    rng = random.Random(f"{SEED}-{scale}")
    counts = {}
    now = aware(TODAY, 9)
    days = working_days(YEAR)
    with transaction.atomic():
        county = County.objects.create(name="基准县", code="439999")
        user = User.objects.create_user(
            username=BENCH_USER, password=None, role=User.Role.COUNTY_STAFF
        )
        n_townships = max(1, round(LONGSHAN["townships"] * scale))
        n_villages = max(n_townships, round(LONGSHAN["villages"] * scale))
        townships = [
            (
                t,
                county.pk,
                f"基准乡镇{t:04d}",
                f"T{t:06d}",
                "subdistrict" if t % 5 == 0 else "town",
            )
            for t in range(1, n_townships + 1)
        ]
        counts["townships"] = insert(
            Township, ["id", "county_id", "name", "code", "kind"], townships
        )
        villages = []
        for v in range(1, n_villages + 1):
            township_id = (v - 1) % n_townships + 1
            kind = "community" if v % COMMUNITY_EVERY == 0 else "village"
            villages.append(
                (
                    v,
                    township_id,
                    f"基准村{v:06d}",
                    f"V{v:08d}",
                    kind,
                    rng.randint(900, 6500),
                    Decimal(rng.randint(300, 4000)) / 100,
                )
            )
        counts["villages"] = insert(
            Village,
            ["id", "township_id", "name", "code", "kind", "population", "area_km2"],
            villages,
        )
        township_of = {v[0]: v[1] for v in villages}
        cadres = []
        keys = {}
        for village in villages:
            posts = ["secretary", "clerk", "auxiliary_police"]
            if village[0] % BIG_VILLAGE_EVERY == 0:
                posts.append("auxiliary_police")
            for post in posts:
                pk = len(cadres) + 1
                male = rng.random() < 0.7
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                if name not in keys:
                    keys[name] = names.search_keys(name)
                birth = datetime.date(rng.randint(1968, 1996), rng.randint(1, 12), 10)
                party = post == "secretary" or rng.random() < 0.4
                cadres.append(
                    (
                        pk,
                        name,
                        *keys[name],
                        Sex.MALE if male else Sex.FEMALE,
                        Ethnicity.TUJIA if rng.random() < 0.6 else Ethnicity.HAN,
                        _id_number(pk, birth, male),
                        birth,
                        "",
                        rng.choice([Education.BACHELOR, Education.COLLEGE, Education.SENIOR_HIGH]),
                        PoliticalStatus.PARTY_MEMBER if party else PoliticalStatus.MASSES,
                        birth.replace(year=birth.year + 25) if party else None,
                        village[0],
                        post,
                        True,
                        "active",
                        datetime.date(2019, 3, 1),
                        now,
                        now,
                    )
                )
        counts["cadres"] = insert(
            Cadre,
            [
                "id",
                "name",
                "name_pinyin",
                "name_initials",
                "sex",
                "ethnicity",
                "id_number",
                "birth_date",
                "phone",
                "education",
                "political_status",
                "party_join_date",
                "village_id",
                "post",
                "is_full_time",
                "status",
                "start_date",
                "created_at",
                "updated_at",
            ],
            cadres,
        )
        log(f"  roster: {counts['townships']} townships, {len(villages)} villages, {len(cadres)}")
        cadre_village = [(c[0], c[12], c[14]) for c in cadres]  # id, village, post
        counts.update(_attendance(rng, cadre_village, villages, days, user, now, log))
        counts.update(_performance(rng, cadre_village, villages, township_of, n_townships, now))
        counts.update(_training_rewards_ranks(rng, cadre_village, villages, township_of, now))
        _reset_sequences()
    return counts


def _attendance(rng, cadres, villages, days, user, now, log):
    counts = {}
    year_of_logs = len(cadres) * len(days) <= DUTY_LOG_YEAR_LIMIT
    log_days = days if year_of_logs else [d for d in days if month_of(d) == MONTH]
    checks = [(n, day, True, aware(day, 23, 30)) for n, day in enumerate(days, start=1)]
    counts["duty_checks"] = insert(
        DutyCheck, ["id", "date", "is_working_day", "computed_at"], checks
    )
    check_of = {day: pk for pk, day, _w, _c in checks}
    logs, items = [], []
    log_id = 0
    log_set = set(log_days)
    village_kind = {v[0]: v[4] for v in villages}
    for day in days:
        for cadre_id, village_id, _post in cadres:
            if rng.random() < MISSING_LOG_SHARE:
                items.append(
                    (
                        len(items) + 1,
                        check_of[day],
                        village_id,
                        cadre_id,
                        "missing_log",
                        Decimal("0"),
                        Decimal("7" if village_kind[village_id] == "community" else "6"),
                    )
                )
                continue
            if day in log_set:
                minutes = rng.choice((420, 450, 480, 510))
                out = datetime.datetime.combine(day, datetime.time(8, 30)) + datetime.timedelta(
                    minutes=minutes
                )
                log_id += 1
                logs.append(
                    (
                        log_id,
                        cadre_id,
                        day,
                        datetime.time(8, 30),
                        out.time(),
                        minutes,
                        "self",
                        now,
                        now,
                    )
                )
        if len(logs) >= CHUNK:
            counts["duty_logs"] = counts.get("duty_logs", 0) + _write_logs(logs)
            logs = []
    counts["duty_logs"] = counts.get("duty_logs", 0) + _write_logs(logs)
    counts["duty_logs_span"] = "year" if year_of_logs else "settled month"
    counts["duty_check_items"] = insert(
        DutyCheckItem,
        ["id", "check_run_id", "village_id", "cadre_id", "kind", "hours", "minimum_hours"],
        items,
    )
    log(f"  duty: {counts['duty_logs']} logs ({counts['duty_logs_span']}), {len(items)} findings")
    leave = []
    for cadre_id, _village, _post in cadres:
        for _n in range(LEAVE_PER_CADRE_YEAR):
            day = rng.choice(days)
            starts = aware(day, 9)
            ends = starts + datetime.timedelta(hours=rng.choice((4, 24, 48)))
            leave.append(
                (
                    len(leave) + 1,
                    cadre_id,
                    rng.choice(("personal", "sick", "annual")),
                    starts,
                    ends,
                    "家中有事",
                    "closed",
                    starts - datetime.timedelta(days=1),
                    starts - datetime.timedelta(hours=20),
                    "",
                    ends,
                )
            )
    counts["leave"] = insert(
        LeaveRequest,
        [
            "id",
            "cadre_id",
            "kind",
            "starts_at",
            "ends_at",
            "reason",
            "status",
            "requested_at",
            "decided_at",
            "decision_comment",
            "returned_at",
        ],
        leave,
    )
    by_village = {}
    for cadre_id, village_id, _post in cadres:
        by_village.setdefault(village_id, []).append(cadre_id)
    inspections, findings, violations = [], [], []
    nth = {}
    ladder = {
        1: ("month", Decimal("0.30"), ""),
        2: ("month", Decimal("1.00"), "admonishment"),
        3: ("quarter", Decimal("1.00"), "removal"),
    }
    for village in villages:
        for day in sorted(rng.sample(days, INSPECTIONS_PER_VILLAGE_YEAR)):
            inspection_id = len(inspections) + 1
            at = aware(day, 10, 30)
            inspections.append((inspection_id, village[0], at, "township", user.pk, "", at))
            for cadre_id in by_village[village[0]]:
                present = rng.random() >= ABSENT_SHARE or nth.get(cadre_id, 0) >= 3
                finding_id = len(findings) + 1
                findings.append((finding_id, inspection_id, cadre_id, present))
                if present:
                    continue
                nth[cadre_id] = nth.get(cadre_id, 0) + 1
                kind, ratio, measure = ladder[nth[cadre_id]]
                violations.append(
                    (
                        len(violations) + 1,
                        cadre_id,
                        finding_id,
                        YEAR,
                        nth[cadre_id],
                        month_of(day),
                        kind,
                        ratio,
                        measure,
                    )
                )
    counts["inspections"] = insert(
        Inspection,
        ["id", "village_id", "at", "level", "inspector_id", "note", "created_at"],
        inspections,
    )
    counts["inspection_findings"] = insert(
        InspectionFinding, ["id", "inspection_id", "cadre_id", "present"], findings
    )
    counts["violations"] = insert(
        Violation,
        [
            "id",
            "cadre_id",
            "finding_id",
            "year",
            "nth",
            "month",
            "deduction_kind",
            "deduction_ratio",
            "measure",
        ],
        violations,
    )
    return counts


def _write_logs(logs):
    return insert(
        DutyLog,
        [
            "id",
            "cadre_id",
            "date",
            "time_in",
            "time_out",
            "minutes",
            "source",
            "created_at",
            "updated_at",
        ],
        logs,
    )


def _performance(rng, cadres, villages, township_of, n_townships, now):
    orders, assignments = [], []
    villages_of = {}
    for village in villages:
        villages_of.setdefault(village[1], []).append(village[0])
    for month in range(1, 13):
        first = datetime.date(YEAR, month, 1)
        for township_id in range(1, n_townships + 1):
            for n in range(ORDERS_PER_TOWNSHIP_MONTH):
                order_id = len(orders) + 1
                deadline = first + datetime.timedelta(days=19)
                orders.append(
                    (
                        order_id,
                        township_id,
                        first,
                        f"{month}月重点工作{n + 1}",
                        "按时完成并上报。",
                        Decimal("1"),
                        deadline,
                        aware(first, 9),
                    )
                )
                for village_id in villages_of.get(township_id, []):
                    at = aware(deadline - datetime.timedelta(days=2), 16)
                    assignments.append(
                        (
                            len(assignments) + 1,
                            order_id,
                            village_id,
                            "scored",
                            "已完成",
                            "",
                            "",
                            at,
                            True,
                            Decimal(rng.randint(60, 100)),
                            "",
                            at + datetime.timedelta(days=1),
                        )
                    )
    counts = {
        "dispatch_orders": insert(
            DispatchOrder,
            ["id", "township_id", "month", "title", "content", "weight", "deadline", "created_at"],
            orders,
        ),
        "dispatch_assignments": insert(
            DispatchAssignment,
            [
                "id",
                "order_id",
                "village_id",
                "status",
                "report_text",
                "attachment",
                "attachment_name",
                "reported_at",
                "on_time",
                "score",
                "score_comment",
                "scored_at",
            ],
            assignments,
        ),
    }
    grades = []
    for year in (YEAR - 1, YEAR):
        for cadre_id, village_id, _post in cadres:
            score = Decimal(rng.randint(55, 99))
            grade = (
                "excellent"
                if score >= 95
                else "competent"
                if score >= 75
                else "basically_competent"
                if score >= 60
                else "incompetent"
            )
            grades.append(
                (
                    len(grades) + 1,
                    cadre_id,
                    year,
                    township_of[village_id],
                    "confirmed",
                    grade,
                    grade,
                    grade,
                    [],
                    score,
                    12,
                    Decimal("5"),
                    Decimal("5"),
                    False,
                    {},
                    aware(datetime.date(year + 1, 1, 3)),
                    aware(datetime.date(year + 1, 1, 4)),
                    "",
                )
            )
    counts["annual_grades"] = insert(
        AnnualGrade,
        [
            "id",
            "cadre_id",
            "year",
            "township_id",
            "status",
            "proposed_grade",
            "grade_by_score",
            "grade",
            "caps",
            "mean_score",
            "months_settled",
            "training_days",
            "training_minimum",
            "had_removal",
            "rule_versions",
            "proposed_at",
            "confirmed_at",
            "override_reason",
        ],
        grades,
    )
    return counts


def _training_rewards_ranks(rng, cadres, villages, township_of, now):
    townships = sorted(set(township_of.values()))
    events = [
        (
            t,
            f"{YEAR}年度村干部培训",
            "annual",
            "county_or_above",
            None,  # a county-level event belongs to no township
            datetime.date(YEAR, 4, 7),
            datetime.date(YEAR, 4, 11),
            "县委党校",
            Decimal("5"),
            "",
            now,
            now,
        )
        for t in townships
    ]
    counts = {
        "training_events": insert(
            TrainingEvent,
            [
                "id",
                "title",
                "event_type",
                "level",
                "township_id",
                "start_date",
                "end_date",
                "place",
                "days",
                "note",
                "created_at",
                "updated_at",
            ],
            events,
        )
    }
    enrolments = [(n, township_of[v], c, now) for n, (c, v, _p) in enumerate(cadres, start=1)]
    counts["training_enrolments"] = insert(
        TrainingEnrolment, ["id", "event_id", "cadre_id", "created_at"], enrolments
    )
    counts["training_attendance"] = insert(
        TrainingAttendance,
        ["id", "event_id", "cadre_id", "days", "recorded_at"],
        [
            (n, event, cadre, Decimal("3") if rng.random() < 0.1 else Decimal("5"), now)
            for n, event, cadre, _at in enrolments
        ],
    )
    rewarded = [v for v in villages if rng.random() < REWARDED_VILLAGE_SHARE]
    counts["team_rewards"] = insert(
        TeamReward,
        ["id", "village_id", "year", "kind", "level", "title", "amount", "pay_month", "created_at"],
        [
            (n, v[0], YEAR, "honour", "county", "县级先进村党组织", Decimal("3000"), MONTH, now)
            for n, v in enumerate(rewarded, start=1)
        ],
    )
    counts["rank_steps"] = insert(
        RankStep,
        [
            "id",
            "cadre_id",
            "kind",
            "level",
            "rule_level",
            "effective_from",
            "first_counted_year",
            "service_years",
            "reason",
            "override_reason",
            "created_at",
        ],
        [
            (n, c, "placement", 8, 8, datetime.date(2022, 1, 1), 2022, 6, "基准数据", "", now)
            for n, (c, _v, _p) in enumerate(cadres, start=1)
        ],
    )
    return counts


def remember_build(data):
    """Keep the build's counts in the database, for a measuring run in another process."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_build (data TEXT NOT NULL)")
        cursor.execute("DELETE FROM bench_build")
        cursor.execute("INSERT INTO bench_build (data) VALUES (%s)", [json.dumps(data)])


def built():
    """Return the counts of the county built on this database, or raise BenchDataError."""
    from django.db.utils import DatabaseError

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT data FROM bench_build")
            row = cursor.fetchone()
    except DatabaseError:
        row = None
    if not row:
        raise BenchDataError("No benchmark county on this database: build it first.")
    return json.loads(row[0])


def _reset_sequences():
    models = [
        County,
        Township,
        Village,
        Cadre,
        User,
        DutyCheck,
        DutyCheckItem,
        DutyLog,
        LeaveRequest,
        Inspection,
        InspectionFinding,
        Violation,
        DispatchOrder,
        DispatchAssignment,
        AnnualGrade,
        TrainingEvent,
        TrainingEnrolment,
        TrainingAttendance,
        TeamReward,
        RankStep,
    ]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
