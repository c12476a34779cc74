"""Duty logs, the weekend roster, the calendar and the daily duty check (POLICY §4.1, §4.2)."""

import datetime
import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from attendance import rules, selectors, services
from attendance.models import (
    CalendarOverride,
    DutyCheck,
    DutyCheckItem,
    DutyLog,
    DutyLogCorrection,
    LeaveRequest,
    RosterEntry,
)
from attendance.tasks import check_duty_task
from cadres.models import Cadre, Village
from longshan.models import AuditEvent, RuleValue

from .attendance_fixtures import seeded_rules  # noqa: F401

D = datetime.date
T = datetime.time


def at(*args):
    """Return an aware local datetime (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime(*args))


WEDNESDAY = D(2026, 11, 25)
EVENING = at(2026, 11, 25, 20, 0)


def span(cadre, day, time_in, time_out, *, actor):
    return services.duty_log_create(
        cadre, actor=actor, day=day, time_in=time_in, time_out=time_out, now=EVENING
    )


def items_of(day):
    return sorted(
        (item.kind, item.cadre.name if item.cadre else item.village.name, item.hours)
        for item in DutyCheckItem.objects.filter(check_run__date=day).select_related(
            "cadre", "village"
        )
    )


def test_the_secretary_records_a_day_and_hours_are_the_sum_of_spans(county):
    # Given the secretary of 长春村 and the village's clerk
    secretary, clerk = county.users.secretary_a1, county.cadres["a1_clerk"]
    # When the secretary signs the clerk in at 08:30, out at 12:00, in at 14:00, out at 17:00
    log = services.duty_log_create(
        clerk, actor=secretary, day=WEDNESDAY, time_in=T(8, 30), now=EVENING
    )
    services.duty_log_sign_out(log, actor=secretary, time_out=T(12, 0), now=EVENING)
    span(clerk, WEDNESDAY, T(14, 0), T(17, 0), actor=secretary)
    # Then the day sheet shows 6.50 hours, recorded by the secretary
    sheet = selectors.village_duty_sheet(secretary, county.villages["a1"], WEDNESDAY)
    row = next(row for row in sheet["rows"] if row.cadre == clerk)
    assert row.hours == Decimal("6.50")
    assert sheet["minimum_hours"] == Decimal("6")
    assert {log.source for log in row.logs} == {DutyLog.Source.SECRETARY}
    assert {log.recorded_by_id for log in row.logs} == {secretary.pk}


def test_no_future_entry_no_overlap_no_sign_out_before_sign_in(county):
    secretary, clerk = county.users.secretary_a1, county.cadres["a1_clerk"]
    span(clerk, WEDNESDAY, T(8, 0), T(12, 0), actor=secretary)
    with pytest.raises(ValidationError):  # a future date
        services.duty_log_create(
            clerk, actor=secretary, day=D(2026, 11, 26), time_in=T(8, 0), now=EVENING
        )
    with pytest.raises(ValidationError):  # overlaps 08:00-12:00
        span(clerk, WEDNESDAY, T(11, 0), T(13, 0), actor=secretary)
    with pytest.raises(ValidationError):  # out before in
        span(clerk, WEDNESDAY, T(15, 0), T(14, 0), actor=secretary)
    open_log = services.duty_log_create(
        clerk, actor=secretary, day=WEDNESDAY, time_in=T(13, 0), now=EVENING
    )
    with pytest.raises(ValidationError):  # signed in twice
        services.duty_log_create(
            clerk, actor=secretary, day=WEDNESDAY, time_in=T(14, 0), now=EVENING
        )
    with pytest.raises(ValidationError):  # sign-out before the sign-in
        services.duty_log_sign_out(open_log, actor=secretary, time_out=T(12, 30), now=EVENING)
    assert DutyLog.objects.filter(cadre=clerk).count() == 2


def test_the_database_refuses_a_sign_out_before_the_sign_in(county):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        DutyLog.objects.create(
            cadre=county.cadres["a1_clerk"],
            date=WEDNESDAY,
            time_in=T(12, 0),
            time_out=T(8, 0),
            minutes=10,
            source="secretary",
        )


def test_only_the_villages_secretary_records_and_self_sign_in_needs_the_county_switch(county):
    clerk_user, clerk = county.users.clerk_a1, county.cadres["a1_clerk"]
    now = timezone.localtime()
    with pytest.raises(PermissionDenied):  # another village's cadre
        services.duty_log_create(
            county.cadres["b1_clerk"],
            actor=county.users.secretary_a1,
            day=WEDNESDAY,
            time_in=T(8, 0),
            now=EVENING,
        )
    with pytest.raises(PermissionDenied):  # self sign-in is off by default
        services.duty_log_create(
            clerk, actor=clerk_user, day=now.date(), time_in=now.time(), now=now
        )
    # When the county switches self sign-in on
    RuleValue.objects.create(
        key="duty.self_sign_in", value="true", effective_from=D(2026, 1, 1), reason="试点"
    )
    log = services.duty_log_create(
        clerk,
        actor=clerk_user,
        day=now.date(),
        time_in=(now - datetime.timedelta(minutes=1)).time(),
        now=now,
    )
    # Then the entry says the cadre signed themselves in
    assert log.source == DutyLog.Source.SELF


def test_a_correction_keeps_the_old_values_the_reason_who_and_from_where(county, client):
    secretary, clerk = county.users.secretary_a1, county.cadres["a1_clerk"]
    log = span(clerk, WEDNESDAY, T(8, 30), T(11, 0), actor=secretary)
    client.force_login(county.users.official_a)
    # When township A's official corrects the sign-out to 15:00 through the page
    response = client.post(
        reverse("attendance:duty_log_correct", args=[log.pk]),
        {"time_in": "08:30", "time_out": "15:00", "reason": "签退漏记"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    log.refresh_from_db()
    correction = DutyLogCorrection.objects.get(log=log)
    # Then the entry has the new value and says it was corrected
    assert (log.time_out, log.minutes, log.source) == (T(15, 0), 390, "correction")
    # And the correction keeps what was there before, why, who and the address
    assert (correction.old_time_out, correction.old_source) == (T(11, 0), "secretary")
    assert correction.reason == "签退漏记"
    assert correction.corrected_by == county.users.official_a
    assert correction.ip_address == "10.1.2.3"
    assert AuditEvent.objects.filter(action="duty.corrected", ip_address="10.1.2.3").exists()
    # And a correction without a reason is refused
    with pytest.raises(ValidationError):
        services.duty_log_correct(
            log, actor=secretary, time_in=T(8, 0), time_out=T(15, 0), reason=" ", now=EVENING
        )


def test_the_phone_page_signs_in_and_out_with_htmx_and_keeps_the_address(county, client):
    client.force_login(county.users.secretary_a1)
    clerk = county.cadres["a1_clerk"]
    response = client.post(
        reverse("attendance:duty_sign_in", args=[clerk.pk]),
        headers={"HX-Request": "true"},
        REMOTE_ADDR="10.9.8.7",
    )
    assert response.status_code == 200
    assert 'data-testid="sign-out"' in response.content.decode()
    log = DutyLog.objects.get(cadre=clerk)
    assert (log.ip_address, log.source) == ("10.9.8.7", "secretary")


def test_short_hours_in_a_community_versus_a_village(county, django_capture_on_commit_callbacks):
    # Given 6.5 hours for the clerks of a village (minimum 6) and of a community (minimum 7)
    secretary = county.users.secretary_a1
    span(county.cadres["a1_clerk"], WEDNESDAY, T(8, 30), T(15, 0), actor=secretary)
    log = DutyLog.objects.create(
        cadre=county.cadres["a2_clerk"],
        date=WEDNESDAY,
        time_in=T(8, 30),
        time_out=T(15, 0),
        minutes=390,
        source="secretary",
    )
    assert log.minutes == 390
    # When the duty check of that Wednesday runs
    services.duty_check_run(WEDNESDAY, now=EVENING)
    items = DutyCheckItem.objects.filter(check_run__date=WEDNESDAY)
    # Then the community clerk is short (6.50 of 7) and the village clerk is not
    short = {
        (item.cadre.name, item.hours, item.minimum_hours)
        for item in items.filter(kind="short_hours")
    }
    assert short == {("张三A2", Decimal("6.50"), Decimal("7"))}
    # And every other cadre in post has no log at all
    missing = set(items.filter(kind="missing_log").values_list("cadre__name", flat=True))
    assert len(missing) == 10 and "张三" not in missing and "张三A2" not in missing


def test_approved_leave_excuses_the_day_and_rerunning_gives_the_same_result(county):
    police = county.cadres["b1_auxiliary_police"]
    LeaveRequest.objects.create(
        cadre=police,
        kind="sick",
        starts_at=at(2026, 11, 25, 0, 0),
        ends_at=at(2026, 11, 26, 0, 0),
        reason="发烧",
        status="approved",
        requested_at=at(2026, 11, 24, 9, 0),
    )
    services.duty_check_run(WEDNESDAY, now=EVENING)
    first = items_of(WEDNESDAY)
    services.duty_check_run(WEDNESDAY, now=EVENING)
    assert items_of(WEDNESDAY) == first
    assert DutyCheck.objects.count() == 1
    assert "向明B1" not in {name for _kind, name, _hours in first}
    assert len(first) == 11


def test_a_weekend_with_nobody_planned_or_nobody_signed_in_is_a_gap(county):
    saturday = D(2026, 11, 21)
    secretary = county.users.secretary_a1
    # Given a1 plans its clerk and a2 nobody; the clerk of a1 then signs in on the day
    RosterEntry.objects.create(
        village=county.villages["a1"], date=saturday, cadre=county.cadres["a1_clerk"]
    )
    RosterEntry.objects.create(
        village=county.villages["b1"], date=saturday, cadre=county.cadres["b1_clerk"]
    )
    span(county.cadres["a1_clerk"], saturday, T(9, 0), T(12, 0), actor=secretary)
    # When the check of that Saturday runs after the day
    services.duty_check_run(saturday, now=at(2026, 11, 21, 23, 30))
    # Then a2 and b2 (nobody planned) and b1 (planned, nobody came) are gaps, a1 is not
    assert set(items_of(saturday)) == {
        ("roster_gap", "洗洛村", None),
        ("roster_gap", "民安社区", None),
        ("roster_gap", "里耶社区", None),
    }


def test_the_coming_gaps_are_listed_by_village_for_the_township_and_county(county):
    # Given Friday 2026-11-20: the coming weekend, a1 planned for both days, a2 for Sunday
    friday = D(2026, 11, 20)
    saturday, sunday = D(2026, 11, 21), D(2026, 11, 22)
    for day in (saturday, sunday):
        RosterEntry.objects.create(
            village=county.villages["a1"], date=day, cadre=county.cadres["a1_clerk"]
        )
    RosterEntry.objects.create(
        village=county.villages["a2"], date=sunday, cadre=county.cadres["a2_clerk"]
    )
    # Then township A's official sees a2's Saturday only, and the home count agrees
    official = county.users.official_a
    gaps = selectors.coming_roster_gaps(official, today=friday)
    assert [(village.name, day) for village, day in gaps] == [("里耶社区", saturday)]
    assert selectors.home_waiting(official, today=friday)["roster_gaps"]["count"] == 1
    # And the county sees township B's four village-days as well
    gaps = selectors.coming_roster_gaps(county.users.county, today=friday)
    assert len(gaps) == 1 + 4


def test_the_secretary_plans_the_roster_on_days_off_only(county, client):
    secretary, village = county.users.secretary_a1, county.villages["a1"]
    today = D(2026, 11, 20)
    services.roster_plan(
        village,
        actor=secretary,
        day=D(2026, 11, 21),
        cadres=[county.cadres["a1_clerk"]],
        today=today,
    )
    assert list(RosterEntry.objects.values_list("cadre__name", flat=True)) == ["张三"]
    with pytest.raises(ValidationError):  # a working day
        services.roster_plan(village, actor=secretary, day=D(2026, 11, 23), cadres=[], today=today)
    with pytest.raises(ValidationError):  # a cadre of another village
        services.roster_plan(
            village,
            actor=secretary,
            day=D(2026, 11, 22),
            cadres=[county.cadres["b1_clerk"]],
            today=today,
        )
    with pytest.raises(PermissionDenied):
        services.roster_plan(
            village, actor=county.users.official_a, day=D(2026, 11, 22), cadres=[], today=today
        )


def test_the_check_of_a_year_the_calendar_does_not_know_is_a_clear_error(county):
    with pytest.raises(rules.CalendarUnknownError):
        services.duty_check_run(D(2027, 3, 3), now=at(2027, 3, 3, 23, 30))
    with pytest.raises(CommandError, match="2027"):
        call_command("check_duty", "2027-03-03")
    # When county staff enter 2027 with its National Day holidays
    services.calendar_year_enter(
        actor=county.users.county,
        year=2027,
        holidays=rules.parse_date_list("2027-10-01..2027-10-07"),
        makeup_days=[D(2027, 9, 26)],
        reason="国务院办公厅通知",
    )
    calendar = selectors.working_calendar(D(2027, 1, 1), D(2027, 12, 31))
    assert calendar.is_working_day(D(2027, 3, 3))
    assert not calendar.is_working_day(D(2027, 10, 4))
    assert calendar.is_working_day(D(2027, 9, 26))  # a Sunday make-up day
    assert CalendarOverride.objects.filter(date__year=2027).count() == 8


def test_the_management_command_runs_the_check_of_a_date(county, capsys):
    call_command("check_duty", "2026-11-25")
    assert DutyCheck.objects.get().date == WEDNESDAY
    assert "missing_log=12" in capsys.readouterr().out


def test_the_check_appears_on_the_home_pages_of_the_village_and_township(county, client):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    check = DutyCheck.objects.create(
        date=yesterday, is_working_day=True, computed_at=timezone.now()
    )
    for key in ("a1_clerk", "a1_auxiliary_police", "b1_clerk"):
        cadre = county.cadres[key]
        DutyCheckItem.objects.create(
            check_run=check, village=cadre.village, cadre=cadre, kind="missing_log"
        )
    expected = {"secretary_a1": 2, "official_a": 2, "official_b": 1, "county": 3}
    for role, count in expected.items():
        client.force_login(getattr(county.users, role))
        waiting = client.get(reverse("home")).context["duty_waiting"]
        assert waiting["yesterday_total"] == count, role


@pytest.mark.services
@pytest.mark.usefixtures("seeded_rules")
def test_the_daily_job_runs_on_a_real_worker(county, celery_worker_process):
    # Given a clerk with 3 hours on Wednesday
    span(county.cadres["a1_clerk"], WEDNESDAY, T(8, 0), T(11, 0), actor=county.users.secretary_a1)
    # When the task is sent to the worker process through Redis
    result = check_duty_task.delay("2026-11-25")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not DutyCheck.objects.filter(date=WEDNESDAY).exists():
        if celery_worker_process.poll() is not None:
            break
        time.sleep(0.5)
    if not DutyCheck.objects.filter(date=WEDNESDAY).exists():
        celery_worker_process.terminate()
        output = celery_worker_process.communicate(timeout=20)[0]
        pytest.fail(f"the worker did not run the check ({result.id}):\n{output[-4000:]}")
    # Then the worker wrote the day's findings: 1 short, 11 without a log
    kinds = list(
        DutyCheckItem.objects.filter(check_run__date=WEDNESDAY).values_list("kind", flat=True)
    )
    assert sorted(set(kinds)) == ["missing_log", "short_hours"]
    assert kinds.count("short_hours") == 1 and kinds.count("missing_log") == 11


def test_the_beat_schedule_runs_the_check_every_evening(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["attendance-check-duty"]
    assert entry["task"] == "attendance.check_duty"
    assert entry["schedule"].hour == {23} and entry["schedule"].minute == {30}


def test_a_cadre_not_yet_in_post_or_suspended_is_not_checked(county):
    Cadre.objects.filter(pk=county.cadres["a1_clerk"].pk).update(status="suspended")
    Cadre.objects.filter(pk=county.cadres["a2_clerk"].pk).update(start_date=D(2026, 12, 1))
    services.duty_check_run(WEDNESDAY, now=EVENING)
    assert DutyCheckItem.objects.filter(kind="missing_log").count() == 10
    assert Village.objects.count() == 4
