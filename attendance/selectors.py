"""Reads of duty, roster, leave and inspections; each list takes the user and goes through scope.

Every function runs a fixed number of queries, whatever the county's size.
"""

import calendar as month_calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

import chinese_calendar
from django.db.models import CharField, Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from cadres import rules as cadre_rules
from cadres.models import Cadre, CadreStatus, Role, User, Village
from longshan import rulebook, scoping

from . import rules
from .models import (
    REMOVAL_SOURCE,
    CalendarOverride,
    CalendarYear,
    DutyCheck,
    DutyCheckItem,
    DutyLog,
    LeaveRequest,
    LeaveStatus,
    RemovalOrder,
    RosterEntry,
)

SITTING = [CadreStatus.ACTIVE, CadreStatus.SUSPENDED]
# Leave that excuses duty and covers an absence: approved, or approved and reported back.
COVERING_STATUSES = [LeaveStatus.APPROVED, LeaveStatus.CLOSED]


# ---------------------------------------------------------------- calendar (§4.1)


class WorkingCalendar:
    """Working days over a range of dates: the county's overrides, then the national library.

    The overrides of the range are loaded in one query; the county's entered years only
    when a date falls outside the library.
    """

    def __init__(self, overrides, *, entered_years=None):
        self.overrides = overrides
        self._entered_years = entered_years

    @property
    def entered_years(self):
        if self._entered_years is None:
            self._entered_years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        return self._entered_years

    def is_working_day(self, day):
        try:
            return rules.is_working_day(
                day, overrides=self.overrides, library=chinese_calendar.is_workday
            )
        except rules.CalendarUnknownError:
            return rules.is_working_day(
                day,
                overrides=self.overrides,
                library=chinese_calendar.is_workday,
                entered_years=self.entered_years,
            )

    def days_off(self, start, end):
        """Return the weekends and holidays from start to end, both included."""
        return [day for day in date_range(start, end) if not self.is_working_day(day)]


def working_calendar(start, end):
    """Return the WorkingCalendar of the dates from start to end (one query)."""
    overrides = dict(
        CalendarOverride.objects.filter(date__range=(start, end)).values_list(
            "date", "is_working_day"
        )
    )
    return WorkingCalendar(overrides)


def date_range(start, end):
    return [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]


def calendar_year(year):
    """Return the county's calendar page of a year: overrides, and the library's exceptions.

    The exceptions are the days where the national calendar differs from the plain week:
    weekday holidays and weekend make-up working days.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    overrides = list(
        CalendarOverride.objects.filter(date__range=(start, end)).select_related("created_by")
    )
    holidays, makeup_days, library_knows = [], [], True
    for day in date_range(start, end):
        try:
            working = chinese_calendar.is_workday(day)
        except NotImplementedError:
            library_knows = False
            break
        if day.weekday() < 5 and not working:
            holidays.append(day)
        elif day.weekday() >= 5 and working:
            makeup_days.append(day)
    return {
        "year": year,
        "overrides": overrides,
        "library_knows": library_knows,
        "library_holidays": holidays if library_knows else [],
        "library_makeup_days": makeup_days if library_knows else [],
        "entered": CalendarYear.objects.filter(year=year).first(),
    }


# ---------------------------------------------------------------- duty (§4.1)


def duty_minimums(on):
    """Return (village hours, community hours) in force on a date."""
    book = rulebook.RuleBook.load([rulebook.DUTY_HOURS_VILLAGE, rulebook.DUTY_HOURS_COMMUNITY])
    return book.value(rulebook.DUTY_HOURS_VILLAGE, on), book.value(
        rulebook.DUTY_HOURS_COMMUNITY, on
    )


def minimum_hours_of(village, *, village_hours, community_hours):
    return cadre_rules.duty_hours_minimum(
        is_community=village.kind == Village.Kind.COMMUNITY,
        village_hours=village_hours,
        community_hours=community_hours,
    )


@dataclass
class DutyRow:
    """One cadre on a village's duty sheet of a day."""

    cadre: Cadre
    logs: list = field(default_factory=list)
    minutes: int = 0
    on_leave: bool = False

    @property
    def open_log(self):
        return next((log for log in self.logs if log.time_out is None), None)

    @property
    def hours(self):
        return rules.hours_of_minutes(self.minutes)


def village_duty_sheet(user, village, day):
    """Return the sheet of a village's day: its sitting cadres the user may see, their spans,
    hours, whether they are on leave, the minimum and whether the day is a working day."""
    cadres = list(
        scoping.cadres_visible_to(user)
        .filter(village=village, status__in=SITTING)
        .order_by("post", "name_pinyin")
    )
    rows = {cadre.pk: DutyRow(cadre) for cadre in cadres}
    for log in DutyLog.objects.filter(cadre_id__in=rows, date=day).order_by("time_in"):
        row = rows[log.cadre_id]
        row.logs.append(log)
        row.minutes += log.minutes or 0
    for cadre_id in _cadres_on_leave(rows.keys(), day):
        rows[cadre_id].on_leave = True
    village_hours, community_hours = duty_minimums(day)
    try:
        working = working_calendar(day, day).is_working_day(day)
        calendar_error = None
    except rules.CalendarUnknownError as error:
        working, calendar_error = None, error.message
    return {
        "rows": list(rows.values()),
        "minimum_hours": minimum_hours_of(
            village, village_hours=village_hours, community_hours=community_hours
        ),
        "is_working_day": working,
        "calendar_error": calendar_error,
    }


def _day_bounds(day):
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def covering_leave_q(start, end, prefix=""):
    """Return a filter of leave that covers some of [start, end): approved, or reported back
    after start."""
    p = prefix
    return Q(**{f"{p}starts_at__lt": end, f"{p}ends_at__gt": start}) & (
        Q(**{f"{p}status": LeaveStatus.APPROVED})
        | Q(**{f"{p}status": LeaveStatus.CLOSED, f"{p}returned_at__gt": start})
    )


def _cadres_on_leave(cadre_ids, day):
    start, end = _day_bounds(day)
    return set(
        LeaveRequest.objects.filter(covering_leave_q(start, end), cadre_id__in=list(cadre_ids))
        .values_list("cadre_id", flat=True)
        .distinct()
    )


def cadre_duty_days(cadre, *, start, end):
    """Return a cadre's days from start to end with their spans and hours, newest first."""
    days = defaultdict(list)
    for log in DutyLog.objects.filter(cadre=cadre, date__range=(start, end)).order_by(
        "date", "time_in"
    ):
        days[log.date].append(log)
    return [
        {
            "date": day,
            "logs": logs,
            "hours": rules.hours_of_minutes(sum(log.minutes or 0 for log in logs)),
        }
        for day, logs in sorted(days.items(), reverse=True)
    ]


def duty_overview(user, day, *, township_id=None):
    """Return the villages in scope with their duty of a day: cadres, logged and compliant.

    Four queries whatever the county's size.
    """
    villages = scoping.villages_with_duty_visible_to(user).select_related("township")
    if township_id:
        villages = villages.filter(township_id=township_id)
    villages = list(villages.order_by("township__code", "code"))
    cadres = scoping.cadres_visible_to(user).filter(
        status=CadreStatus.ACTIVE, village_id__in=[v.pk for v in villages]
    )
    cadre_village = dict(cadres.values_list("pk", "village_id"))
    minutes = dict(
        DutyLog.objects.filter(date=day, cadre_id__in=cadres.values("pk"))
        .values("cadre_id")
        .annotate(total=Sum("minutes", default=0))
        .values_list("cadre_id", "total")
    )
    village_hours, community_hours = duty_minimums(day)
    by_village = defaultdict(lambda: {"cadres": 0, "logged": 0, "compliant": 0})
    kinds = {v.pk: v for v in villages}
    for cadre_id, village_id in cadre_village.items():
        counts = by_village[village_id]
        counts["cadres"] += 1
        if cadre_id in minutes:
            counts["logged"] += 1
            minimum = minimum_hours_of(
                kinds[village_id], village_hours=village_hours, community_hours=community_hours
            )
            if rules.duty_compliance(minutes=minutes[cadre_id], minimum_hours=minimum)[1]:
                counts["compliant"] += 1
    for village in villages:
        village.duty = by_village[village.pk]
    return villages


def duty_check_of(user, day):
    """Return the duty check of a date and its findings in the user's scope (or None, [])."""
    check = DutyCheck.objects.filter(date=day).first()
    if check is None:
        return None, []
    items = (
        DutyCheckItem.objects.filter(
            check_run=check,
            village_id__in=scoping.villages_with_duty_visible_to(user).values("pk"),
        )
        .select_related("village__township", "cadre")
        .order_by("village__township__code", "village__code", "kind", "cadre__name_pinyin")
    )
    if user.role == Role.PUBLIC_SECURITY:
        items = items.filter(cadre__post=Cadre.Post.AUXILIARY_POLICE)
    elif user.role in (Role.VILLAGE_CADRE,):
        items = items.filter(cadre_id=user.cadre_id)
    return check, list(items)


# ---------------------------------------------------------------- roster (§4.2)


def roster_days(village, *, start, end):
    """Return the weekends and holidays from start to end with the cadres planned for each."""
    days_off = working_calendar(start, end).days_off(start, end)
    planned = defaultdict(list)
    for entry in RosterEntry.objects.filter(
        village=village, date__range=(start, end)
    ).select_related("cadre"):
        planned[entry.date].append(entry.cadre)
    return [{"date": day, "cadres": planned.get(day, [])} for day in days_off]


# ---------------------------------------------------------------- leave (§4.3)


def leave_list(user, *, status="", to_decide=False):
    """Return the leave requests the user may read (or decide), newest first."""
    requests = (
        scoping.leave_requests_decidable_by(user)
        if to_decide
        else scoping.leave_requests_visible_to(user)
    )
    if status:
        requests = requests.filter(status=status)
    return requests.select_related("cadre__village__township").order_by("-starts_at", "-id")


def leave_approvers(leave):
    """Return the users who may approve a leave request (§4.3), by the routing rule."""
    cadre = leave.cadre
    secretaries = User.objects.filter(
        role=Role.VILLAGE_SECRETARY,
        is_active=True,
        cadre__village_id=cadre.village_id,
        cadre__post=Cadre.Post.SECRETARY,
        cadre__status__in=SITTING,
    ).exclude(cadre_id=cadre.pk)
    routed_to_principal = (
        rules.leave_approver_kind(cadre.post) == rules.TOWNSHIP_PRINCIPAL
        or not secretaries.exists()
    )
    if not routed_to_principal:
        return secretaries
    return User.objects.filter(
        role=Role.TOWNSHIP_OFFICIAL,
        is_active=True,
        is_township_principal=True,
        pk__in=scoping.TownshipUserObjectPermission.objects.filter(
            content_object_id=cadre.village.township_id,
            permission__codename=scoping.VIEW_TOWNSHIP,
        ).values("user_id"),
    )


def ledger_context(township, *, year, month, all_posts=False):
    """Return the context of a township's leave ledger of a month (请销假报备台账, §4.3).

    The leave that overlaps the month, of the township's secretaries (POLICY §4.3), or of
    every post when `all_posts`. Built without WeasyPrint, so it is tested on its own.
    """
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, month_calendar.monthrange(year, month)[1])
    start, _ = _day_bounds(first)
    _, end = _day_bounds(last)
    requests = LeaveRequest.objects.filter(
        cadre__village__township=township, starts_at__lt=end, ends_at__gt=start
    ).exclude(status=LeaveStatus.PENDING)
    if not all_posts:
        requests = requests.filter(cadre__post=Cadre.Post.SECRETARY)
    requests = requests.select_related("cadre__village", "decided_by").order_by(
        "starts_at", "cadre__village__code", "id"
    )
    rows = []
    for number, leave in enumerate(requests, start=1):
        rows.append(
            {
                "number": number,
                "leave": leave,
                "days": _leave_days(leave),
            }
        )
    return {
        "township": township,
        "year": year,
        "month": month,
        "first": first,
        "last": last,
        "rows": rows,
        "all_posts": all_posts,
    }


def _leave_days(leave):
    """Return the calendar days a leave spans, counted in local dates."""
    start = timezone.localtime(leave.starts_at).date()
    end = timezone.localtime(leave.covered_until - datetime.timedelta(seconds=1)).date()
    return max((end - start).days + 1, 1)


# ---------------------------------------------------------------- inspections (§4.4)


def inspection_list(user):
    return (
        scoping.inspections_visible_to(user)
        .select_related("village__township", "inspector")
        .annotate(
            absent_count=Count("findings", filter=Q(findings__present=False)),
            violation_count=Count("findings__violation"),
        )
        .order_by("-at", "-id")
    )


def violation_list(user, *, year=None):
    violations = scoping.violations_visible_to(user).select_related(
        "cadre__village__township", "finding__inspection"
    )
    if year:
        violations = violations.filter(year=year)
    return violations.order_by("-finding__inspection__at", "cadre__name_pinyin")


def waiting_for_county(orders):
    """Keep the removal orders whose removal event still waits for county staff.

    The order stays PENDING in this app; once county staff confirm or reject the removal
    event of the appointment history (cadres.services), it no longer waits.
    """
    from cadres.models import AppointmentEvent

    waiting = AppointmentEvent.objects.filter(
        source=REMOVAL_SOURCE,
        source_ref=Cast(OuterRef("pk"), CharField()),
        status=AppointmentEvent.Status.PENDING,
    )
    return orders.filter(status=RemovalOrder.Status.PENDING).filter(Exists(waiting))


def cadre_attendance_summary(user, cadre, *, year):
    """Return what a cadre's page shows of duty discipline, in one query: the year's
    violations, and those of any year whose removal waits for the county (the appointment
    history must turn a pending removal into the removal event)."""
    pending = waiting_for_county(RemovalOrder.objects.filter(cadre=cadre))
    violations = list(
        scoping.violations_visible_to(user)
        .filter(cadre=cadre)
        .filter(Q(year=year) | Q(year__in=pending.values("year")))
        .annotate(removal_pending=Exists(pending.filter(violation=OuterRef("pk"))))
        .select_related("finding__inspection")
        .order_by("year", "nth")
    )
    return {
        "violations": [v for v in violations if v.year == year],
        "removals": [v for v in violations if v.removal_pending],
        "year": year,
    }


# ---------------------------------------------------------------- home page


def home_waiting(user, *, today, village_count=None):
    """Return what waits for the user on the home page; a handful of queries per role.

    `village_count`, when the caller has it, is the number of villages the user sees.
    """
    waiting = {}
    role = user.role
    if role == Role.VILLAGE_SECRETARY or (
        role == Role.TOWNSHIP_OFFICIAL and user.is_township_principal
    ):
        waiting["leave_to_decide"] = (
            scoping.leave_requests_decidable_by(user).filter(status=LeaveStatus.PENDING).count()
        )
    if role in (Role.VILLAGE_SECRETARY, Role.TOWNSHIP_OFFICIAL):
        waiting["roster_gaps"] = _coming_roster_gaps(user, today=today, village_count=village_count)
    if role in (Role.VILLAGE_SECRETARY, Role.TOWNSHIP_OFFICIAL, Role.COUNTY_STAFF):
        yesterday = today - datetime.timedelta(days=1)
        counts = dict(
            DutyCheckItem.objects.filter(
                check_run__date=yesterday,
                village_id__in=scoping.villages_with_duty_visible_to(user).values("pk"),
            )
            .values_list("kind")
            .annotate(n=Count("id"))
            .order_by()
        )
        waiting["yesterday"] = yesterday
        waiting["yesterday_items"] = counts
        waiting["yesterday_total"] = sum(counts.values())
    if role == Role.COUNTY_STAFF:
        waiting["pending_removals"] = waiting_for_county(RemovalOrder.objects.all()).count()
    if role in (Role.VILLAGE_SECRETARY, Role.VILLAGE_CADRE) and user.cadre_id:
        waiting["own_open_leave"] = LeaveRequest.objects.filter(
            cadre_id=user.cadre_id, status__in=[LeaveStatus.PENDING, LeaveStatus.APPROVED]
        ).count()
    return waiting


def coming_roster_gaps(user, *, today):
    """Return the coming week's (village, day off) pairs with nobody planned (§4.2), in the
    user's scope, ordered by township and village: three queries whatever the county's size.
    """
    start, end = today + datetime.timedelta(days=1), today + datetime.timedelta(days=7)
    try:
        days_off = working_calendar(start, end).days_off(start, end)
    except rules.CalendarUnknownError:
        return []
    if not days_off:
        return []
    villages = list(
        scoping.villages_with_roster_visible_to(user)
        .select_related("township")
        .order_by("township__code", "code")
    )
    planned = set(
        RosterEntry.objects.filter(date__in=days_off, village_id__in=[v.pk for v in villages])
        .values_list("village_id", "date")
        .distinct()
    )
    return [
        (village, day)
        for village in villages
        for day in days_off
        if (village.pk, day) not in planned
    ]


def _coming_roster_gaps(user, *, today, village_count=None):
    """Return (days off in the coming week, villages × days with nobody planned)."""
    end = today + datetime.timedelta(days=7)
    start = today + datetime.timedelta(days=1)
    try:
        days_off = working_calendar(start, end).days_off(start, end)
    except rules.CalendarUnknownError:
        return {"days": [], "count": 0}
    if not days_off:
        return {"days": [], "count": 0}
    villages = scoping.villages_with_duty_visible_to(user)
    pairs = (
        RosterEntry.objects.filter(date__in=days_off, village_id__in=villages.values("pk"))
        .values("village_id", "date")
        .distinct()
        .count()
    )
    if village_count is None:
        village_count = villages.count()
    return {"days": days_off, "count": village_count * len(days_off) - pairs}


def townships_for_ledger(user):
    return scoping.townships_with_ledger_for(user).order_by("code")


def inspection_with_findings(inspection):
    findings = list(
        inspection.findings.select_related("cadre", "violation").order_by(
            "present", "cadre__post", "cadre__name_pinyin"
        )
    )
    return findings


def village_options_for_inspection(user):
    return (
        scoping.villages_inspectable_by(user)
        .select_related("township")
        .order_by("township__code", "code")
    )
