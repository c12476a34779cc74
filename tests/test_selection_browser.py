"""A candidate taken from the pool through joint vetting to appointment, in a real browser."""

import datetime

import pytest

from cadres import services
from cadres.models import Cadre, User, VettingCase

from .conftest import ARTIFACTS, PASSWORD, log_in, seed_rules_again

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded_selection(transactional_db):
    """Put back the seeded selection rules and checklist that an earlier flush removed."""
    seed_rules_again()


def log_in_reviewer(page, base_url, username):
    page.goto(base_url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=review-queue-link]")


def test_county_staff_take_a_candidate_through_vetting_to_appointment(
    seeded_selection, county, live_server, phone_page
):
    page = phone_page
    # Given a clerk candidate for 里耶社区 in the pool, and a reviewer for every department
    candidate = services.candidate_create(
        actor=county.users.county,
        data={
            "name": "龚小燕",
            "id_number": "43313019960504002X",
            "ethnicity": "15",
            "phone": "13912340000",
            "education": "bachelor",
            "political_status": "youth_league",
            "village": county.villages["a2"],
            "post": "clerk",
            "channel": "village_director",
            "planned_on": datetime.date(2026, 12, 1),
        },
    )
    reviewers = {"discipline": county.users.reviewer}
    for department in User.Department.values[1:]:
        reviewers[department] = services.user_create(
            actor=None,
            username=f"vet_{department}",
            password=PASSWORD,
            role=User.Role.VETTING_REVIEWER,
            department=department,
        )
    # When county staff attest the checklist and send the candidate to joint vetting
    log_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}{candidate.get_absolute_url()}")
    page.click("[data-testid=attestation-form] button")
    page.wait_for_selector("[data-testid=no-problems]")
    page.click("[data-testid=start-vetting]")
    page.wait_for_selector("[data-testid=reviews]")
    case = VettingCase.objects.get(candidate=candidate)
    assert page.locator("[data-testid=case-status]").get_attribute("data-status") == "in_progress"
    assert page.locator("[data-testid=appoint]").is_disabled()
    # And eight departments pass (through the service)
    for department in User.Department.values[1:]:
        services.review_decide(
            case.reviews.get(department=department), actor=reviewers[department], passed=True
        )
    # When the discipline reviewer logs in, finds the case in their queue and passes it
    page.context.clear_cookies()
    log_in_reviewer(page, live_server.url, "reviewer")
    assert page.locator("[data-testid=review-queue-count]").inner_text() == "1"
    page.click("[data-testid=review-queue-link]")
    page.click("[data-testid=queue-row] a")
    page.check("input[name=verdict][value=pass]")
    page.click("[data-testid=decide]")
    page.wait_for_selector("[data-testid=queue]")
    assert page.locator("[data-testid=queue-row]").count() == 0
    # Then county staff find the case waiting and appoint the candidate
    page.context.clear_cookies()
    log_in(page, live_server.url, "county")
    page.click("[data-testid=cases-to-appoint]")
    page.click("[data-testid=cases] tbody a")
    assert page.locator("[data-testid=case-status]").get_attribute("data-status") == "passed"
    page.fill("#id_on", "2026-12-01")
    page.click("[data-testid=appoint]")
    page.wait_for_selector("[data-testid=timeline]")
    # And the cadre's page shows the appointment as the first event of the history
    cadre = Cadre.objects.get(id_number="43313019960504002X")
    assert (cadre.status, cadre.post, cadre.village) == ("active", "clerk", county.villages["a2"])
    events = page.locator("[data-testid=event]")
    assert events.count() == 1 and events.first.get_attribute("data-kind") == "appointment"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "selection-appointed-390.png"), full_page=True)
