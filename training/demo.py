"""Training in the Longshan demo county, 2025 and 2026 (POLICY §6).

County events (pre-job, annual per township group, special per post, a study tour),
township sessions below county level (which do not count), attendance for most cadres so
that on the demo's today (2026-11-26) about 8% are short of the 5 days, some with half
days; about 20 secondments and 40 places in the 一村一大 education programme.

`build_training_plan()` is pure and deterministic (a fixed seed, fixed dates, no ORM);
`demo_load()` writes what is missing of it in bulk and creates nothing on a second run.
"""

import datetime
import functools
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from cadres import demo as county_demo

from . import rules

SEED = "longshan-demo-2026/training"
DEMO_TODAY = datetime.date(2026, 11, 26)
YEARS = (2025, 2026)
SHORT_SHARE = 0.08  # cadres short of §6.1's minimum in a year, roughly

COUNTY, BELOW = rules.COUNTY_OR_ABOVE, rules.BELOW_COUNTY
PRE_JOB, ANNUAL, SPECIAL, STUDY_TOUR = "pre_job", "annual", "special", "study_tour"
SECRETARY, CLERK, POLICE = "secretary", "clerk", "auxiliary_police"
SITTING = ("active", "suspended")
PARTY_SCHOOL = "龙山县委党校"

ANNUAL_DAYS = Decimal("3")
SPECIAL_DAYS = Decimal("2")
# A short cadre's (annual, special) days: missed a session, left early, or both.
SHORT_PATTERNS = (
    (Decimal("3"), Decimal("0")),
    (Decimal("2.5"), Decimal("2")),
    (Decimal("3"), Decimal("1.5")),
    (Decimal("0"), Decimal("2")),
    (Decimal("1"), Decimal("2")),
    (Decimal("0"), Decimal("0")),
)
SPECIALS = {
    SECRETARY: ("村党组织书记基层党建专题培训", "龙山县委党校", 6),
    CLERK: ("全职化秘书便民服务专题培训", "龙山县政务服务中心", 7),
    POLICE: ("辅警综治安全专题培训", "龙山县公安局警务培训基地", 8),
}
OFFICES = (
    "党政综合办公室",
    "社会事务综合服务中心",
    "经济发展办公室",
    "农业综合服务中心",
    "综治中心",
    "党建工作办公室",
)
INSTITUTIONS = ("湖南开放大学", "湘西民族职业技术学院", "湖南农业大学继续教育学院")
MAJORS = ("农村行政管理", "农业经济管理", "现代农业技术", "社会工作", "畜牧兽医")


@dataclass(frozen=True)
class EventPlan:
    title: str
    event_type: str
    level: str
    start_date: datetime.date
    end_date: datetime.date
    place: str
    days: Decimal
    township_code: str | None = None
    enrolled: tuple = ()  # ID numbers
    attendance: tuple = ()  # (ID number, days)

    @property
    def key(self):
        return (self.title, self.start_date)


@dataclass(frozen=True)
class SecondmentPlan:
    id_number: str
    township_code: str
    office: str
    start_date: datetime.date
    end_date: datetime.date | None


@dataclass(frozen=True)
class EducationPlan:
    id_number: str
    institution: str
    major: str
    start_date: datetime.date
    graduation_date: datetime.date


@dataclass(frozen=True)
class TrainingPlan:
    events: tuple
    secondments: tuple
    education: tuple
    notes: dict = field(default_factory=dict)


def _event(title, event_type, level, start, days, place, **kwargs):
    end = start + datetime.timedelta(days=int(Decimal(days).to_integral_value("ROUND_CEILING")) - 1)
    return EventPlan(
        title=title,
        event_type=event_type,
        level=level,
        start_date=start,
        end_date=end,
        place=place,
        days=Decimal(days),
        **kwargs,
    )


def _township_groups(townships):
    """Split the townships, in code order, into four groups for the annual training."""
    size, extra = divmod(len(townships), 4)
    groups, start = [], 0
    for number in range(4):
        end = start + size + (1 if number < extra else 0)
        groups.append(townships[start:end])
        start = end
    return groups


def _year_events(year, county, cadres, rng, *, short_login):
    """Return the events of a year with their enrolment and attendance."""
    township_of = {village.code: village.township_code for village in county.villages}
    sitting = [cadre for cadre in cadres if cadre.status in SITTING and cadre.is_full_time]
    short = set(rng.sample([c.id_number for c in sitting], round(SHORT_SHARE * len(sitting))))
    if year == 2026:
        short.add(short_login)
    pattern = {id_number: rng.choice(SHORT_PATTERNS) for id_number in sorted(short)}
    if year == 2026:
        pattern[short_login] = (Decimal("2.5"), Decimal("2"))  # 4.5 days: half a day short
    events = []

    # Pre-job training for those who started within the year before (§6.1: counts).
    newcomers = [
        cadre.id_number
        for cadre in sitting
        if datetime.date(year - 1, 3, 1) <= cadre.start_date < datetime.date(year, 3, 1)
    ]
    if newcomers:
        events.append(
            _event(
                f"{year}年新任村（社区）干部岗前培训",
                PRE_JOB,
                COUNTY,
                datetime.date(year, 3, 9),
                "3",
                PARTY_SCHOOL,
                enrolled=tuple(newcomers),
                attendance=tuple((id_number, Decimal("3")) for id_number in newcomers),
            )
        )

    # Annual training, one session per group of townships.
    for number, group in enumerate(_township_groups(list(county.townships)), start=1):
        codes = {township.code for township in group}
        members = [c for c in sitting if township_of[c.village_code] in codes]
        attendance = []
        for cadre in members:
            days = pattern.get(cadre.id_number, (ANNUAL_DAYS, None))[0]
            if days:
                attendance.append((cadre.id_number, days))
        events.append(
            _event(
                f"{year}年村（社区）干部年度轮训第{number}期",
                ANNUAL,
                COUNTY,
                datetime.date(year, 4, 7 * number),
                ANNUAL_DAYS,
                PARTY_SCHOOL,
                enrolled=tuple(c.id_number for c in members),
                attendance=tuple(attendance),
            )
        )

    # Special training per post.
    for post, (title, place, month) in SPECIALS.items():
        members = [c for c in sitting if c.post == post]
        attendance = []
        for cadre in members:
            days = pattern.get(cadre.id_number, (None, SPECIAL_DAYS))[1]
            if days:
                attendance.append((cadre.id_number, days))
        events.append(
            _event(
                f"{year}年{title}",
                SPECIAL,
                COUNTY,
                datetime.date(year, month, 12),
                SPECIAL_DAYS,
                place,
                enrolled=tuple(c.id_number for c in members),
                attendance=tuple(attendance),
            )
        )

    # A study tour for thirty cadres, mostly secretaries; one left a day early.
    candidates = sorted(c.id_number for c in sitting if c.id_number not in short)
    secretaries = [
        c.id_number for c in sitting if c.post == SECRETARY and c.id_number in candidates
    ]
    tour = sorted(set(rng.sample(secretaries, 24)) | set(rng.sample(candidates, 6)))
    events.append(
        _event(
            f"{year}年优秀村干部赴浙江考察学习",
            STUDY_TOUR,
            COUNTY,
            datetime.date(year, 10, 13),
            "5",
            "浙江省湖州市安吉县",
            enrolled=tuple(tour),
            attendance=tuple(
                (id_number, Decimal("4") if index == 0 else Decimal("5"))
                for index, id_number in enumerate(tour)
            ),
        )
    )

    # Each township's own session: below county level, so it does not count (§6.1).
    for township in county.townships:
        members = [c for c in sitting if township_of[c.village_code] == township.code]
        attendance = [
            (c.id_number, Decimal("0.5") if rng.random() < 0.1 else Decimal("1"))
            for c in members
            if rng.random() < 0.9
        ]
        events.append(
            _event(
                f"{township.name}{year}年村干部业务培训会",
                SPECIAL,
                BELOW,
                datetime.date(year, 9, 3),
                "1",
                f"{township.name}人民政府会议室",
                township_code=township.code,
                enrolled=tuple(c.id_number for c in members),
                attendance=tuple(attendance),
            )
        )
    return events


def _planned_events(county, cadres):
    """Events after the demo's today: enrolled, nothing attended yet."""
    township_of = {village.code: village.township_code for village in county.villages}
    liye = next(t for t in county.townships if t.name == county_demo.LOGIN_TOWNSHIP)
    sitting = [cadre for cadre in cadres if cadre.status in SITTING and cadre.is_full_time]
    return [
        _event(
            "2026年冬季村（社区）干部乡村振兴专题培训",
            SPECIAL,
            COUNTY,
            datetime.date(2026, 12, 15),
            "2",
            PARTY_SCHOOL,
            enrolled=tuple(c.id_number for c in sitting if c.post == SECRETARY),
        ),
        _event(
            f"{liye.name}2026年冬季防火安全培训",
            SPECIAL,
            BELOW,
            datetime.date(2026, 12, 8),
            "0.5",
            f"{liye.name}人民政府会议室",
            township_code=liye.code,
            enrolled=tuple(
                c.id_number for c in sitting if township_of[c.village_code] == liye.code
            ),
        ),
    ]


def _secondments(county, cadres, rng):
    township_of = {village.code: village.township_code for village in county.villages}
    chosen = rng.sample([c for c in cadres if c.post in (CLERK, SECRETARY)], 20)
    plans = []
    for cadre in sorted(chosen, key=lambda c: c.id_number):
        start = datetime.date(rng.choice((2024, 2025, 2026)), rng.choice((3, 6, 9)), 1)
        start = max(start, cadre.start_date)
        months = rng.choice((6, 6, 12, 12, 18))
        end = datetime.date(
            start.year + (start.month + months - 1) // 12, (start.month + months - 1) % 12 + 1, 1
        )
        end = end - datetime.timedelta(days=1)
        plans.append(
            SecondmentPlan(
                id_number=cadre.id_number,
                township_code=township_of[cadre.village_code],
                office=rng.choice(OFFICES),
                start_date=start,
                end_date=None if end > DEMO_TODAY and rng.random() < 0.5 else end,
            )
        )
    return plans


def _education(cadres, rng):
    # The programme takes cadres without a college degree first.
    without_degree = [
        c for c in cadres if c.education in ("senior_high", "vocational", "junior_high")
    ]
    others = [c for c in cadres if c not in without_degree and c.post != SECRETARY]
    chosen = rng.sample(without_degree, min(30, len(without_degree)))
    chosen += rng.sample(others, 40 - len(chosen))
    plans = []
    for cadre in sorted(chosen, key=lambda c: c.id_number):
        start = datetime.date(rng.choice((2021, 2022, 2023, 2024, 2025)), rng.choice((3, 9)), 1)
        start = max(start, cadre.start_date)
        years = rng.choice((2, 3, 3))
        graduation = datetime.date(start.year + years, 7 if start.month == 9 else 1, 15)
        plans.append(
            EducationPlan(
                id_number=cadre.id_number,
                institution=rng.choice(INSTITUTIONS),
                major=rng.choice(MAJORS),
                start_date=start,
                graduation_date=graduation,
            )
        )
    return plans


@functools.cache
def build_training_plan():
    """Return the demo's training: the same TrainingPlan on every call."""
    county = county_demo.build_county()
    cadres = sorted(county.cadres, key=lambda cadre: cadre.id_number)
    logins = {login.username: login for login in county_demo.demo_logins()}
    rng = random.Random(SEED)
    events = []
    for year in YEARS:
        events += _year_events(
            year, county, cadres, rng, short_login=logins["police"].cadre_id_number
        )
    events += _planned_events(county, cadres)
    for event in events:
        problems = rules.event_problems(
            level=event.level,
            has_township=event.township_code is not None,
            start_date=event.start_date,
            end_date=event.end_date,
            days=event.days,
        )
        assert not problems, (event.title, problems)
    return TrainingPlan(
        events=tuple(events),
        secondments=tuple(_secondments(county, cadres, rng)),
        education=tuple(_education(cadres, rng)),
    )


def demo_load(*, warn):
    """Create what is missing of the demo's training; return the counts created by kind.

    Runs inside the roster loader's transaction; records one `training.demo_loaded` audit
    event when anything was created.
    """
    from cadres.models import Cadre, Township
    from longshan import audit

    from .models import (
        EducationProgrammeEntry,
        Secondment,
        TrainingAttendance,
        TrainingEnrolment,
        TrainingEvent,
    )

    plan = build_training_plan()
    id_numbers = {cadre.id_number for cadre in county_demo.build_county().cadres}
    cadre_ids = dict(Cadre.objects.filter(id_number__in=id_numbers).values_list("id_number", "id"))
    if len(cadre_ids) < len(id_numbers):
        warn(
            _("%(count)s demo cadres are not on the roster; their training is left out.")
            % {"count": len(id_numbers) - len(cadre_ids)}
        )
    townships = dict(Township.objects.values_list("code", "id"))
    created = {}

    existing = {
        (title, start): pk
        for pk, title, start in TrainingEvent.objects.values_list("pk", "title", "start_date")
    }
    missing = [
        TrainingEvent(
            title=event.title,
            event_type=event.event_type,
            level=event.level,
            township_id=townships[event.township_code] if event.township_code else None,
            start_date=event.start_date,
            end_date=event.end_date,
            place=event.place,
            days=event.days,
        )
        for event in plan.events
        if event.key not in existing
    ]
    TrainingEvent.objects.bulk_create(missing)
    created["training_events"] = len(missing)
    event_ids = {
        (title, start): pk
        for pk, title, start in TrainingEvent.objects.filter(
            title__in=[event.title for event in plan.events]
        ).values_list("pk", "title", "start_date")
    }
    planned_ids = [event_ids[event.key] for event in plan.events]

    def missing_rows(model, pairs, make):
        have = set(
            model.objects.filter(event_id__in=planned_ids).values_list("event_id", "cadre_id")
        )
        rows = [make(*pair) for pair in pairs if pair[:2] not in have]
        model.objects.bulk_create(rows, batch_size=1000)
        return len(rows)

    created["training_enrolments"] = missing_rows(
        TrainingEnrolment,
        [
            (event_ids[event.key], cadre_ids[id_number])
            for event in plan.events
            for id_number in event.enrolled
            if id_number in cadre_ids
        ],
        lambda event_id, cadre_id: TrainingEnrolment(event_id=event_id, cadre_id=cadre_id),
    )
    created["training_attendances"] = missing_rows(
        TrainingAttendance,
        [
            (event_ids[event.key], cadre_ids[id_number], days)
            for event in plan.events
            for id_number, days in event.attendance
            if id_number in cadre_ids
        ],
        lambda event_id, cadre_id, days: TrainingAttendance(
            event_id=event_id, cadre_id=cadre_id, days=days
        ),
    )

    have = set(Secondment.objects.values_list("cadre_id", "start_date", "office"))
    secondments = [
        Secondment(
            cadre_id=cadre_ids[row.id_number],
            township_id=townships[row.township_code],
            office=row.office,
            start_date=row.start_date,
            end_date=row.end_date,
        )
        for row in plan.secondments
        if row.id_number in cadre_ids
        and (cadre_ids[row.id_number], row.start_date, row.office) not in have
    ]
    Secondment.objects.bulk_create(secondments)
    created["secondments"] = len(secondments)

    have = set(EducationProgrammeEntry.objects.values_list("cadre_id", "institution", "start_date"))
    entries = [
        EducationProgrammeEntry(
            cadre_id=cadre_ids[row.id_number],
            institution=row.institution,
            major=row.major,
            start_date=row.start_date,
            graduation_date=row.graduation_date,
        )
        for row in plan.education
        if row.id_number in cadre_ids
        and (cadre_ids[row.id_number], row.institution, row.start_date) not in have
    ]
    EducationProgrammeEntry.objects.bulk_create(entries)
    created["education_programme_entries"] = len(entries)

    if any(created.values()):
        audit.record(
            "training.demo_loaded",
            actor=None,
            changes={kind: [None, count] for kind, count in created.items()},
        )
    return created
