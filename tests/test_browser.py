"""User journeys in a real browser: Playwright driving Debian's Chromium."""

import os
from pathlib import Path

import pytest

from .conftest import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def phone_page(chromium_path, live_server):
    """A fresh browser page the size of a phone (390×844), speaking Chinese."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test
    # itself are still synchronous, so Django's async guard would refuse them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def log_in(page, base_url, username):
    page.goto(base_url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=cadre-count]")


def test_village_secretary_on_a_phone_sees_only_their_own_village(county, live_server, phone_page):
    page = phone_page
    # Given the party secretary of 长春村 on a 390-px phone
    # When they log in
    log_in(page, live_server.url, "secretary_a1")
    # Then the home page, in Chinese, counts their village's three cadres
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("[data-testid=cadre-count]").inner_text() == "3"
    assert "长春村" in page.content()
    # And the menu (collapsed on a phone) leads to a roster of their own village only
    page.click(".navbar-toggler")
    page.click("#main-nav a[href='/cadres/']")
    page.wait_for_selector("[data-testid=roster]")
    villages = page.locator("[data-testid=roster] tbody tr td:nth-child(4)").all_inner_texts()
    assert villages == ["长春村"] * 3
    body = page.content()
    for other in ("里耶社区", "洗洛村", "民安社区"):
        assert other not in body
    # And the page fits the phone's width
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "secretary-roster-390.png"), full_page=True)
    # And another township's village answers as if it did not exist
    response = page.goto(f"{live_server.url}/villages/{county.villages['b1'].pk}/")
    assert response.status == 404
