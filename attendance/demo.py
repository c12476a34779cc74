"""Full-time duty in the Longshan demo county, September to November 2026 (POLICY §4).

On a fixed "demo today" of 2026-11-26 (never the clock): a duty log for every working day
since 2026-09-01 for each full-time cadre in post (most compliant, some short days, a few
missing), weekend and holiday rosters with a few gaps, about 150 leave requests in every
state, about 40 inspections with about 25 violations (a few second ones, one third with
its pending removal), and the daily duty checks of the last two weeks.

Deterministic (fixed seeds and dates) and set-based (bulk_create); a second run finds
the demo's audit event and creates nothing. Logs start in September rather than August
to keep the load well under 20 s on SQLite (about 72,000 rows).
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from cadres.models import Cadre, CadreStatus, User, Village
from longshan import audit
from longshan.models import AuditEvent

from . import selectors, services
from .models import (
    DutyCheck,
    DutyLog,
    Inspection,
    InspectionFinding,
    LeaveRequest,
    LeaveStatus,
    RosterEntry,
    Violation,
)

SEED = "longshan-demo-2026/attendance"
DEMO_TODAY = datetime.date(2026, 11, 26)
LOGS_FROM = datetime.date(2026, 9, 1)
ROSTER_UNTIL = DEMO_TODAY + datetime.timedelta(days=21)
CHECK_DAYS = (DEMO_TODAY - LOGS_FROM).days  # every day with duty logs: settlements read them
LEAVE_REQUESTS = 150
INSPECTIONS = 40
ACTION = "attendance.demo_loaded"
BATCH = 2000

T = datetime.time
LEAVE_REASONS = {
    "personal": ("家中老人住院陪护", "办理子女入学手续", "房屋修缮", "参加亲属婚礼"),
    "sick": ("感冒发烧", "腰椎不适就医", "牙科治疗", "住院检查"),
    "annual": ("年休假", "年休假探亲"),
    "marriage": ("本人结婚",),
    "maternity": ("陪产假",),
    "bereavement": ("直系亲属去世",),
    "other": ("参加县级培训外出", "外出学习考察"),
}
LEAVE_KINDS = (
    ("personal", 45),
    ("sick", 30),
    ("annual", 12),
    ("marriage", 2),
    ("maternity", 2),
    ("bereavement", 3),
    ("other", 6),
)
LEAVE_STATES = (
    (LeaveStatus.CLOSED, 80),
    (LeaveStatus.APPROVED, 25),
    (LeaveStatus.PENDING, 20),
    (LeaveStatus.REJECTED, 12),
    (LeaveStatus.CANCELLED, 13),
)


def _aware(day, time):
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def demo_load(*, warn=None):
    """Write the demo's duty, roster, leave and inspections; return the counts created."""
    warn = warn or (lambda message: None)
    if AuditEvent.objects.filter(action=ACTION).exists():
        return {}
    cadres = list(
        Cadre.objects.filter(status=CadreStatus.ACTIVE, is_full_time=True)
        .select_related("village__township")
        .order_by("village__code", "post", "id_number")
    )
    if not cadres:
        warn("attendance demo: no cadres in post; nothing loaded")
        return {}
    rng = random.Random(SEED)
    calendar = selectors.working_calendar(LOGS_FROM, ROSTER_UNTIL)
    days = selectors.date_range(LOGS_FROM, DEMO_TODAY - datetime.timedelta(days=1))
    working_days = [day for day in days if calendar.is_working_day(day)]
    days_off_all = calendar.days_off(LOGS_FROM, ROSTER_UNTIL)
    users = {user.username: user for user in User.objects.filter(username__in=["county", "liye"])}
    created = {}
    with transaction.atomic():
        leave = _leave(cadres, rng, users)
        created["attendance_leave"] = len(leave)
        on_leave = _leave_days(leave)
        created["attendance_duty_logs"] = _duty_logs(cadres, working_days, on_leave, rng)
        roster, weekend_logs = _roster(cadres, days_off_all, rng)
        created["attendance_roster_entries"] = roster
        created["attendance_duty_logs"] += weekend_logs
        inspections, absent = _inspections(cadres, working_days, on_leave, rng, users)
        created["attendance_inspections"] = inspections
        services.violations_rederive(sorted(absent), [2026], actor=None, record_audit=False)
        created["attendance_violations"] = Violation.objects.count()
    now = _aware(DEMO_TODAY, T(0, 30))
    for offset in range(CHECK_DAYS, 0, -1):
        services.duty_check_run(
            DEMO_TODAY - datetime.timedelta(days=offset), now=now, record_audit=False
        )
    created["attendance_duty_checks"] = DutyCheck.objects.count()
    audit.record(ACTION, actor=None, changes={kind: [None, n] for kind, n in created.items()})
    return created


def _leave(cadres, rng, users):
    """Bulk-create about 150 leave requests in every state; the demo village gets a few
    waiting for its secretary and the township principal."""
    login_village = (
        User.objects.filter(username="secretary")
        .values_list("cadre__village_id", flat=True)
        .first()
    )
    liye = users.get("liye")
    secretary_user = User.objects.filter(username="secretary").first()
    picked = rng.sample(cadres, LEAVE_REQUESTS)
    if login_village:
        demo_village = [cadre for cadre in cadres if cadre.village_id == login_village]
        picked = demo_village + [cadre for cadre in picked if cadre.village_id != login_village]
        picked = picked[:LEAVE_REQUESTS]
    requests = []
    for index, cadre in enumerate(picked):
        demo_village_cadre = cadre.village_id == login_village
        status = LeaveStatus.PENDING if demo_village_cadre else _weighted(rng, LEAVE_STATES)
        if status == LeaveStatus.PENDING:
            start_day = DEMO_TODAY + datetime.timedelta(days=rng.randint(2, 20))
        elif status == LeaveStatus.APPROVED:
            start_day = DEMO_TODAY + datetime.timedelta(days=rng.randint(-1, 18))
        else:
            start_day = LOGS_FROM + datetime.timedelta(days=rng.randint(0, 80))
        length = rng.choice([0, 0, 0, 1, 1, 2, 4])
        half_day = length == 0 and rng.random() < 0.4
        starts_at = _aware(start_day, T(8, 30) if not half_day or index % 2 else T(14, 0))
        ends_at = _aware(
            start_day + datetime.timedelta(days=length),
            T(12, 0) if half_day and index % 2 else T(17, 30),
        )
        kind = _weighted(rng, LEAVE_KINDS)
        decider = None
        if cadre.village.township.name == "里耶镇":
            decider = liye if cadre.post == "secretary" else secretary_user
            if cadre.village_id != login_village and cadre.post != "secretary":
                decider = None
        requested_at = starts_at - datetime.timedelta(days=rng.randint(1, 5), hours=2)
        leave = LeaveRequest(
            cadre=cadre,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=rng.choice(LEAVE_REASONS[kind]),
            status=status,
            requested_at=requested_at,
        )
        if status in (LeaveStatus.APPROVED, LeaveStatus.CLOSED, LeaveStatus.REJECTED):
            leave.decided_by = decider
            leave.decided_at = requested_at + datetime.timedelta(hours=rng.randint(1, 20))
            leave.decision_comment = (
                "工作已安排好，同意"
                if status != LeaveStatus.REJECTED
                else "近期工作任务重，请调整时间"
            )
        if status == LeaveStatus.CLOSED:
            leave.returned_at = ends_at - datetime.timedelta(minutes=rng.choice([0, 0, 30, 120]))
        if status == LeaveStatus.CANCELLED:
            leave.cancelled_at = requested_at + datetime.timedelta(hours=3)
        requests.append(leave)
    LeaveRequest.objects.bulk_create(requests, batch_size=BATCH)
    return requests


def _leave_days(requests):
    """Return {(cadre id, date)} of the days on approved or closed leave."""
    days = set()
    for leave in requests:
        if leave.status not in (LeaveStatus.APPROVED, LeaveStatus.CLOSED):
            continue
        day = timezone.localtime(leave.starts_at).date()
        last = timezone.localtime(leave.covered_until).date()
        while day <= last:
            days.add((leave.cadre_id, day))
            day += datetime.timedelta(days=1)
    return days


def _duty_logs(cadres, working_days, on_leave, rng):
    """Bulk-create one span a working day per cadre: most compliant, some short, a few none."""
    logs = []
    count = 0
    for day in working_days:
        for cadre in cadres:
            if (cadre.pk, day) in on_leave or cadre.start_date > day:
                continue
            draw = rng.random()
            if draw < 0.015:
                continue  # no duty log at all
            community = cadre.village.kind == Village.Kind.COMMUNITY
            start = T(8, rng.choice([0, 10, 20, 30, 40]))
            if draw < 0.06:  # a short day
                end = T(rng.choice([11, 12, 13]), rng.choice([0, 15, 30]))
            else:
                end = T(rng.choice([16, 17]) if community else rng.choice([15, 16, 17]), 30)
            minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
            logs.append(
                DutyLog(
                    cadre_id=cadre.pk,
                    date=day,
                    time_in=start,
                    time_out=end,
                    minutes=minutes,
                    source=DutyLog.Source.SECRETARY,
                )
            )
            if len(logs) >= BATCH:
                DutyLog.objects.bulk_create(logs)
                count += len(logs)
                logs = []
    DutyLog.objects.bulk_create(logs)
    return count + len(logs)


def _roster(cadres, days_off, rng):
    """Plan one or two cadres per village on each weekend and holiday, with a few gaps; on
    past days the planned cadre mostly signs in. Return (entries, weekend logs)."""
    by_village = {}
    for cadre in cadres:
        by_village.setdefault(cadre.village_id, []).append(cadre)
    entries, logs = [], []
    for day in days_off:
        for village_id, village_cadres in by_village.items():
            if rng.random() < 0.03:
                continue  # nobody planned: a gap
            on_duty = rng.sample(
                village_cadres, 1 if rng.random() < 0.8 else min(2, len(village_cadres))
            )
            for cadre in on_duty:
                entries.append(RosterEntry(village_id=village_id, date=day, cadre_id=cadre.pk))
            if day < DEMO_TODAY and rng.random() < 0.96:
                logs.append(
                    DutyLog(
                        cadre_id=on_duty[0].pk,
                        date=day,
                        time_in=T(9, 0),
                        time_out=T(12, 0),
                        minutes=180,
                        source=DutyLog.Source.SECRETARY,
                    )
                )
    RosterEntry.objects.bulk_create(entries, batch_size=BATCH)
    DutyLog.objects.bulk_create(logs, batch_size=BATCH)
    return len(entries), len(logs)


def _inspections(cadres, working_days, on_leave, rng, users):
    """Bulk-create about 40 inspections whose absences give about 25 violations: one cadre
    absent three times, three twice, the rest once. Return (count, absent cadre ids)."""
    inspector = users.get("county")
    liye = users.get("liye")
    if inspector is None:
        return 0, set()
    by_village = {}
    for cadre in cadres:
        by_village.setdefault(cadre.village_id, []).append(cadre)
    villages = rng.sample(sorted(by_village), 34)
    repeat = villages[:4]  # visited more than once, so that a cadre is absent again
    # 40 visits: the first repeated village three times (a third violation), three twice
    visits = [*villages, repeat[0], repeat[0], repeat[1], repeat[2], repeat[3], villages[20]]
    visit_days = sorted(rng.sample(working_days[5:], len(visits)))
    absences = {}
    # Who is absent where: the repeated villages' first cadre each time, then one in 16 others
    for village_id in repeat:
        absences[village_id] = by_village[village_id][0].pk
    others = villages[4:20]
    for village_id in others:
        absences[village_id] = rng.choice(by_village[village_id]).pk
    township_of = dict(Village.objects.values_list("pk", "township__name"))
    inspections, planned_findings = [], []
    for village_id, day in zip(visits, visit_days, strict=True):
        at = _aware(day, T(rng.choice([9, 10, 15]), rng.choice([0, 20, 40])))
        by_liye = township_of[village_id] == "里耶镇" and liye is not None
        inspection = Inspection(
            village_id=village_id,
            at=at,
            level=Inspection.Level.TOWNSHIP if by_liye else Inspection.Level.COUNTY,
            inspector=liye if by_liye else inspector,
            note="工作日随机督查",
        )
        inspections.append(inspection)
        planned_findings.append((inspection, village_id, day))
    Inspection.objects.bulk_create(inspections)
    findings, absent = [], set()
    for inspection, village_id, day in planned_findings:
        missing = absences.get(village_id)
        if missing is not None and (missing, day) in on_leave:
            missing = None
        for cadre in by_village[village_id]:
            present = cadre.pk != missing
            if not present:
                absent.add(cadre.pk)
            findings.append(
                InspectionFinding(inspection=inspection, cadre_id=cadre.pk, present=present)
            )
    InspectionFinding.objects.bulk_create(findings, batch_size=BATCH)
    return len(inspections), absent
