"""User journeys in a real browser: Playwright driving Debian's Chromium."""

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS, log_in

pytestmark = pytest.mark.browser


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


@pytest.mark.parametrize("username", ["county", "official_a", "secretary_a1"])
def test_every_main_page_fits_a_360_px_phone(county, live_server, phone_page, username):
    # Given the narrowest phone the county's cadres use
    page = phone_page
    page.set_viewport_size({"width": 360, "height": 740})
    log_in(page, live_server.url, username)
    # When each page of the user's menu is opened, then nothing is wider than the screen
    links = page.eval_on_selector_all("#main-nav a.nav-link", "links => links.map(a => a.href)")
    assert links
    for link in links:
        page.goto(link)
        assert page.evaluate("document.documentElement.scrollWidth") <= 361, link


def test_the_village_filter_follows_the_chosen_township(
    county, live_server, phone_page, monkeypatch
):
    # Given more villages in scope than one select offers (a province)
    monkeypatch.setattr("cadres.filters.VILLAGE_CHOICES_LIMIT", 3)
    page = phone_page
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}/cadres/")
    # Then the village filter offers no village until a township is chosen
    assert page.locator("#id_village option").count() == 1
    # When township B is chosen, then its villages appear in the village filter
    page.select_option("#id_township", str(county.townships["b"].pk))
    expect(page.locator("#id_village option")).to_have_count(3)
    # And choosing one of them filters the list to its cadres
    b1 = county.villages["b1"]
    page.select_option("#id_village", str(b1.pk))
    expect(page.locator("[data-testid=roster] tbody tr")).to_have_count(3)
    villages = page.locator("[data-testid=roster] tbody tr td:nth-child(4)").all_inner_texts()
    assert set(villages) == {b1.name}
