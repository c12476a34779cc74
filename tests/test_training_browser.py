"""Training journeys in a real browser on a phone (Playwright driving Debian's Chromium)."""

import datetime
from decimal import Decimal

import pytest

from training.models import TrainingAttendance, TrainingEvent

from .conftest import ARTIFACTS, log_in, seed_rules_again
from .training_factories import EnrolmentFactory, TrainingEventFactory, attend

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def training_minimum(transactional_db):
    """Seed §6.1's minimum again: a live-server test's flush empties the migration's rows."""
    seed_rules_again()


def test_a_township_official_records_a_half_day_on_a_phone(county, live_server, phone_page):
    # Given township A's own one-day session with the six cadres of A enrolled
    event = TrainingEventFactory(
        title="里耶镇业务培训会",
        level=TrainingEvent.Level.BELOW_COUNTY,
        township=county.townships["a"],
        days=Decimal("1"),
        start_date=datetime.date(2026, 9, 3),
    )
    for key, cadre in county.cadres.items():
        if key.startswith("a"):
            EnrolmentFactory(event=event, cadre=cadre)
    clerk = county.cadres["a1_clerk"]
    page = phone_page
    # When the official opens Training from the menu, the session, and records attendance
    log_in(page, live_server.url, "official_a")
    page.click(".navbar-toggler")
    page.click("#main-nav a[href='/training/events/']")
    page.click("text=里耶镇业务培训会")
    page.click("[data-testid=record-attendance]")
    page.fill(f"#id_days_{clerk.pk}", "0.5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    page.click("[data-testid=attendance-save]")
    # Then the event page counts one attendance of half a day
    page.wait_for_selector("[data-testid=attended-days]")
    assert page.inner_text("[data-testid=attended-count]") == "1"
    assert page.inner_text("[data-testid=attended-days]") == "0.5"
    assert TrainingAttendance.objects.get().days == Decimal("0.5")


def test_a_secretary_sees_who_in_the_village_is_short_on_a_phone(county, live_server, phone_page):
    # Given the clerk of a1 at 5 days and the police officer at 4.5
    attend(county.cadres["a1_clerk"], "5")
    attend(county.cadres["a1_auxiliary_police"], "4.5", event_days=Decimal("5"))
    page = phone_page
    page.set_viewport_size({"width": 360, "height": 740})
    # When the secretary opens Training compliance
    log_in(page, live_server.url, "secretary_a1")
    page.click(".navbar-toggler")
    page.click("#main-nav a[href='/training/compliance/']")
    page.wait_for_selector("[data-testid=compliance]")
    # Then the police officer (half a day short) and the secretary (no training) are listed
    names = page.locator("[data-testid=compliance] tbody tr td:nth-child(3)").all_inner_texts()
    assert sorted(names) == sorted(["彭国华", "向明"])
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "secretary-training-compliance-360.png"), full_page=True)
