"""The payroll's journey in a real browser on a phone (POLICY §8.2): each township reviews
its part, the county approves and locks it, and the county PDF downloads."""

import datetime

import pytest

from compensation.models import PayrollMonth

from .compensation_fixtures import pay_rules, run, settle  # noqa: F401
from .conftest import ARTIFACTS, log_in
from .performance_fixtures import rules_seeded  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("pay_rules")]
OCTOBER = datetime.date(2026, 10, 1)


def test_townships_review_the_county_approves_and_the_pdf_downloads(
    county, live_server, phone_page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    page = phone_page
    # Given October settled (and its settlement locked) and its payroll computed
    settle(OCTOBER, lock=True, county=county)
    payroll = run(OCTOBER)
    url = f"{live_server.url}/pay/payroll/{payroll.pk}/"
    # When each township's official opens the payroll and marks their part reviewed
    for username, code in (("official_a", "433130101"), ("official_b", "433130102")):
        page.context.clear_cookies()
        log_in(page, live_server.url, username)
        page.goto(url)
        row = page.locator(f"[data-testid=township-{code}]")
        row.locator("[data-testid=review-township]").click()
        page.wait_for_selector(f"[data-testid=township-{code}] [data-testid=reviewed]")
    payroll.refresh_from_db()
    assert payroll.status == PayrollMonth.Status.REVIEWED
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "payroll-reviewed-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    # When the county approves it and locks it
    page.context.clear_cookies()
    log_in(page, live_server.url, "county")
    page.goto(url)
    page.click("[data-testid=approve-payroll]")
    page.click("[data-testid=lock-payroll]")
    page.wait_for_selector("[data-testid=county-pdf]")
    payroll.refresh_from_db()
    assert payroll.status == PayrollMonth.Status.LOCKED
    # And asks for the county PDF: the progress page offers the file when it is ready
    page.click("[data-testid=county-pdf]")
    page.wait_for_selector("[data-testid=document-download]")
    with page.expect_download() as download_info:
        page.click("[data-testid=document-download]")
    download = download_info.value
    path = tmp_path / "county.pdf"
    download.save_as(path)
    assert path.read_bytes()[:5] == b"%PDF-"
    assert download.suggested_filename == "payroll-county-2026-10.pdf"
    page.screenshot(path=str(ARTIFACTS / "payroll-pdf-ready-390.png"), full_page=True)
