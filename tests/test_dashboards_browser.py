"""The county dashboard in a real browser on a phone: charts drawn by the vendored ECharts
under the Content-Security-Policy, tables beside them, nothing wider than the screen."""

import pytest

from .compensation_fixtures import pay_rules  # noqa: F401
from .conftest import ARTIFACTS, log_in
from .performance_fixtures import rules_seeded  # noqa: F401
from .test_dashboards_access import grow
from .test_dashboards_figures import figures  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def every_rule_seeded(pay_rules):  # noqa: F811
    """A live-server test runs after other transactional tests flushed the seeded rules:
    `pay_rules` puts back every app's defaults, the dashboards' own included."""


@pytest.mark.usefixtures("every_rule_seeded", "figures")
def test_county_staff_read_the_county_dashboard_on_a_phone(county, live_server, phone_page):
    # Given a county of 21 townships and 64 villages with some work recorded
    grow(county, villages=60)
    page = phone_page
    errors = []
    page.on("console", lambda message: "Refused" in message.text and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    # When county staff open the statistics of October 2026 on a 390-px phone
    log_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}/dashboards/?year=2026&month=10")
    # Then every chart is drawn (SVG) with its table beside it
    page.wait_for_selector("[data-testid=chart-structure_by_post] svg")
    charts = page.locator("[data-chart]")
    assert charts.count() >= 10
    assert page.locator("[data-chart] svg").count() == charts.count()
    assert "全职化秘书" in page.locator("[data-testid=table-structure_by_post]").inner_text()
    # And the Content-Security-Policy refused nothing
    assert errors == []
    # And the page fits the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-county-390.png"), full_page=True)
