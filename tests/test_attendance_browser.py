"""Duty journeys in a real browser on a phone: Playwright driving Debian's Chromium."""

import datetime

import pytest
from django.utils import timezone

from attendance import services
from attendance.models import DutyLog, LeaveRequest

from .attendance_fixtures import seeded_rules  # noqa: F401
from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


@pytest.mark.usefixtures("seeded_rules")
def test_a_village_secretary_records_the_days_duty_on_a_phone(county, live_server, phone_page):
    page = phone_page
    clerk, police = county.cadres["a1_clerk"], county.cadres["a1_auxiliary_police"]
    # Given the secretary of 长春村 on a 390×844 phone
    log_in(page, live_server.url, "secretary_a1")
    # When they open "Duty" from the menu
    page.click("[data-testid=record-duty]")
    page.wait_for_selector("[data-testid=duty-sheet]")
    assert page.locator("[data-testid=duty-row]").count() == 3
    # And tap "In now" for the clerk and the auxiliary police officer
    for cadre in (clerk, police):
        row = f"#duty-row-{cadre.pk}"
        page.click(f"{row} [data-testid=sign-in]")
        page.wait_for_selector(f"{row} [data-testid=sign-out]")
    # And enter the secretary's own morning with times
    now = timezone.localtime()
    start = max(now - datetime.timedelta(hours=3), now.replace(hour=0, minute=0))
    end = now - datetime.timedelta(minutes=1)
    secretary_row = f"#duty-row-{county.cadres['a1_secretary'].pk}"
    page.click(f"{secretary_row} summary")
    page.fill(f"{secretary_row} input[name=time_in]", start.strftime("%H:%M"))
    page.fill(f"{secretary_row} input[name=time_out]", end.strftime("%H:%M"))
    page.click(f"{secretary_row} [data-testid=add-span]")
    page.wait_for_selector(f"{secretary_row} [data-testid=duty-span]")
    # Then the day holds two open spans and one closed span, all recorded by the secretary
    logs = DutyLog.objects.filter(date=now.date())
    assert {log.cadre_id for log in logs if log.time_out is None} == {clerk.pk, police.pk}
    closed = logs.get(cadre=county.cadres["a1_secretary"])
    assert closed.minutes == (end - start).seconds // 60
    assert page.locator(f"{secretary_row} [data-testid=hours]").inner_text() != "0.00"
    # And the page fits the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "secretary-duty-390.png"), full_page=True)


@pytest.mark.usefixtures("seeded_rules")
def test_a_township_principal_approves_a_secretarys_leave(county, live_server, phone_page):
    # Given the secretary of 长春村 has asked for two days of leave
    start = timezone.localtime() + datetime.timedelta(days=3)
    leave = services.leave_request(
        actor=county.users.secretary_a1,
        kind="personal",
        starts_at=start,
        ends_at=start + datetime.timedelta(days=2),
        reason="家中老人住院",
        now=timezone.now(),
    )
    page = phone_page
    # When the principal of 里耶镇 logs in on a phone, opens the leave waiting for them
    log_in(page, live_server.url, "official_a")
    assert page.locator("[data-testid=leave-to-decide]").inner_text() == "1"
    page.click("[data-testid=leave-to-decide]")
    page.wait_for_selector("[data-testid=leave-list]")
    page.click(f"a[href='/attendance/leave/{leave.pk}/']")
    # And approves it with a comment
    page.check("input[name=approve][value='1']")
    page.fill("textarea[name=comment]", "同意，注意安排好工作")
    page.click("[data-testid=decide]")
    # Then the request is approved, by them, and the page says so
    page.wait_for_selector("[data-testid=leave-status][data-status=approved]")
    leave = LeaveRequest.objects.get(pk=leave.pk)
    assert (leave.status, leave.decided_by) == ("approved", county.users.official_a)
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "principal-leave-390.png"), full_page=True)
