"""The yearly rank adjustment in a real browser on a phone (POLICY §7.4): county staff
change one proposal with a reason, approve the year, and the cadre sees the new level."""

import pytest

from ranks import services
from ranks.models import RankProposal, RankStep

from .conftest import ARTIFACTS, log_in
from .ranks_fixtures import at, grade, rank_rules  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("rank_rules")]


def test_the_county_changes_a_proposal_approves_the_year_and_the_clerk_sees_it(
    county, live_server, phone_page
):
    page = phone_page
    clerk = county.cadres["a1_clerk"]
    services.ranks_place_unplaced()
    grade(clerk, 2025, "competent")
    grade(county.cadres["b1_clerk"], 2025, "excellent")
    services.ranks_propose(2025, now=at(2026, 1, 5))
    proposal = RankProposal.objects.get(cadre=clerk)
    # Given county staff on a phone, on the 2025 adjustment
    log_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}/ranks/adjustments/2025/")
    # When they raise the clerk one level with a reason
    page.click(f"[data-testid=proposal][data-cadre='{clerk.pk}'] a")
    page.select_option("#id_level", "9")
    page.fill("#id_reason", "疫情防控表现突出，经县委组织部研究")
    page.click("[data-testid=change]")
    page.wait_for_selector("[data-testid=approve-form]")
    # and, back on township A's proposals, approve them from the default date
    page.click("[data-testid=approve]")
    page.wait_for_selector("[data-testid=cycle-status]")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "county-rank-adjustment-390.png"), full_page=True)
    # Then the clerk's move is in the rank history from 2026-01-01; township B still waits
    proposal.refresh_from_db()
    assert (proposal.status, proposal.level, proposal.proposed_level) == ("approved", 9, 10)
    step = RankStep.objects.get(kind="adjustment")
    assert (step.cadre_id, str(step.effective_from)) == (clerk.pk, "2026-01-01")
    assert RankProposal.objects.get(cadre=county.cadres["b1_clerk"]).status == "proposed"
    # When the clerk opens their own page, then the rank panel shows level 9 and its history
    page.context.clear_cookies()
    log_in(page, live_server.url, "clerk_a1")
    page.goto(f"{live_server.url}{clerk.get_absolute_url()}")
    assert page.get_attribute("[data-testid=rank-level]", "data-level") == "9"
    assert page.locator("[data-testid=rank-step]").count() == 2
    page.screenshot(path=str(ARTIFACTS / "clerk-rank-390.png"), full_page=True)
