"""The Content-Security-Policy in a real browser: the pages and htmx run with nothing refused."""

import pytest

from .conftest import log_in

pytestmark = pytest.mark.browser


def test_the_browser_refuses_nothing_on_the_main_pages(county, live_server, phone_page):
    # Given Chromium reporting every console message and CSP violation
    page = phone_page
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    # When county staff sign in and use the roster filter (htmx) and other pages
    log_in(page, live_server.url, "county")
    page.goto(f"{live_server.url}/cadres/")
    page.locator("#id_q").press_sequentially("zs")  # keyup: what htmx listens to
    rows = page.locator("[data-testid=roster] tbody tr")
    for _ in range(50):  # htmx swaps the results in (no wait_for_function: it needs eval)
        if rows.count() <= 4:
            break
        page.wait_for_timeout(200)
    assert rows.count() <= 4
    for path in ("/villages/", "/training/compliance/", "/attendance/leave/"):
        page.goto(live_server.url + path)
    # Then the policy refused nothing: no inline script or style element was needed
    refused = [text for text in messages if "Content Security Policy" in text or "CSP" in text]
    assert refused == []
