"""A dispatch order's journey in a real browser on a phone (POLICY §5.1): dispatched by
the township to three villages, reported by a village secretary, scored by the township."""

import datetime

import pytest
from django.utils import timezone

from performance.models import DispatchAssignment, DispatchOrder

from .conftest import ARTIFACTS, log_in
from .factories import VillageFactory
from .performance_fixtures import rules_seeded  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("rules_seeded")]


def test_an_order_for_three_villages_is_dispatched_reported_and_scored(
    county, live_server, phone_page
):
    page = phone_page
    third = VillageFactory(township=county.townships["a"], name="八面山村", code="433130101003")
    villages = [county.villages["a1"], county.villages["a2"], third]
    today = timezone.localdate()
    deadline = today + datetime.timedelta(days=10)
    # Given township A's official on a phone
    log_in(page, live_server.url, "official_a")
    # When they dispatch an order for this month to three villages
    page.goto(f"{live_server.url}/performance/orders/")
    page.click("[data-testid=new-order]")
    page.fill("#id_title", "人居环境整治")
    page.fill("#id_content", "清理村内垃圾死角，上报整治照片")
    page.fill("#id_weight", "2")
    page.fill("#id_deadline", deadline.isoformat())
    for village in villages:
        page.check(f"input[name=villages][value='{village.pk}']")
    page.click("[data-testid=save-order]")
    page.wait_for_selector("[data-testid=order-title]")
    # Then one order reaches the three villages, open
    order = DispatchOrder.objects.get(title="人居环境整治")
    assert order.month == today.replace(day=1)
    assert sorted(order.assignments.values_list("village_id", flat=True)) == sorted(
        v.pk for v in villages
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "official-order-390.png"), full_page=True)

    # When the secretary of 长春村 opens their orders and reports it
    page.context.clear_cookies()
    log_in(page, live_server.url, "secretary_a1")
    assert page.locator("[data-testid=orders-to-report]").inner_text() == "1"
    page.click("[data-testid=orders-to-report]")
    page.click("[data-testid=assignment-row]")
    page.fill("#id_report_text", "已清理垃圾死角12处，照片见附件")
    page.click("[data-testid=send-report]")
    page.wait_for_selector("[data-testid=report-text]")
    assignment = DispatchAssignment.objects.get(order=order, village=county.villages["a1"])
    assert (assignment.status, assignment.on_time) == ("reported", True)

    # When the official opens the order from the home page and scores the report
    page.context.clear_cookies()
    log_in(page, live_server.url, "official_a")
    assert page.locator("[data-testid=orders-to-score]").inner_text() == "1"
    page.goto(f"{live_server.url}/performance/orders/{order.pk}/")
    page.click(f"[data-testid=assignment-{county.villages['a1'].code}] a")
    page.fill("#id_score", "92")
    page.fill("#id_comment", "整治彻底")
    page.click("[data-testid=save-score]")
    page.wait_for_selector("[data-testid=assignment-list]")
    # Then the village's order is scored 92, and the two others are still open
    assignment.refresh_from_db()
    assert (assignment.status, assignment.score) == ("scored", 92)
    states = page.locator("[data-testid=assignment-list] [data-testid=state]").all_inner_texts()
    assert len(states) == 3 and "92.00" in states[0]
    page.screenshot(path=str(ARTIFACTS / "official-scored-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
