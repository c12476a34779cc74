"""Leave with approval and the township leave ledger (POLICY §4.3)."""

import datetime
import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from attendance import selectors, services
from attendance.models import LeaveRequest
from cadres import services as cadre_services
from cadres.models import User

from .conftest import PASSWORD


def at(*args):
    return timezone.make_aware(datetime.datetime(*args))


NOW = at(2026, 11, 2, 9, 0)


def account(county, key, username):
    """Give a cadre of the test county a login of their own."""
    cadre = county.cadres[key]
    role = User.Role.VILLAGE_SECRETARY if cadre.post == "secretary" else User.Role.VILLAGE_CADRE
    return cadre_services.user_create(
        actor=None, username=username, password=PASSWORD, role=role, cadre=cadre
    )


def ask(user, *, start=(2026, 11, 3, 8, 0), end=(2026, 11, 4, 18, 0), kind="personal"):
    return services.leave_request(
        actor=user, kind=kind, starts_at=at(*start), ends_at=at(*end), reason="家中有事", now=NOW
    )


@pytest.mark.parametrize(
    ("key", "approvers"),
    [
        ("a1_secretary", {"official_a"}),  # a secretary's leave: the township principal
        ("a1_clerk", {"secretary_a1"}),  # a clerk's: the village secretary
        ("a1_auxiliary_police", {"secretary_a1"}),  # auxiliary police: the village secretary
        ("a2_clerk", {"official_a"}),  # a village with no secretary account: the principal
    ],
)
def test_leave_goes_to_the_right_approver_for_each_post(county, key, approvers):
    user = county.users.clerk_a1 if key == "a1_clerk" else None
    user = user or (
        county.users.secretary_a1 if key == "a1_secretary" else account(county, key, "asker")
    )
    leave = ask(user)
    assert {approver.username for approver in selectors.leave_approvers(leave)} == approvers
    # And exactly those approvers see it in their queue
    for username in ("official_a", "official_b", "secretary_a1"):
        deciders = selectors.leave_list(getattr(county.users, username), to_decide=True)
        assert (leave in deciders) is (username in approvers), username


def test_a_non_principal_official_does_not_approve_a_secretarys_leave(county):
    official = cadre_services.user_create(
        actor=None,
        username="official_a2",
        password=PASSWORD,
        role=User.Role.TOWNSHIP_OFFICIAL,
        township=county.townships["a"],
    )
    leave = ask(county.users.secretary_a1)
    with pytest.raises(PermissionDenied):
        services.leave_decide(leave, actor=official, approve=True, comment="", now=NOW)


def test_a_township_principal_approves_a_secretarys_leave(county):
    leave = ask(county.users.secretary_a1)
    services.leave_decide(
        leave, actor=county.users.official_a, approve=True, comment="同意", now=NOW
    )
    leave.refresh_from_db()
    assert (leave.status, leave.decided_by, leave.decision_comment) == (
        "approved",
        county.users.official_a,
        "同意",
    )


def test_nobody_approves_their_own_leave(county):
    leave = ask(county.users.secretary_a1)
    with pytest.raises(PermissionDenied):
        services.leave_decide(
            leave, actor=county.users.secretary_a1, approve=True, comment="", now=NOW
        )


def test_overlapping_leave_is_refused(county):
    ask(county.users.clerk_a1)
    with pytest.raises(ValidationError):
        ask(county.users.clerk_a1, start=(2026, 11, 4, 8, 0), end=(2026, 11, 5, 18, 0))
    # A rejected request no longer blocks the dates
    leave = LeaveRequest.objects.get()
    services.leave_decide(
        leave, actor=county.users.secretary_a1, approve=False, comment="人手不足", now=NOW
    )
    ask(county.users.clerk_a1, start=(2026, 11, 4, 8, 0), end=(2026, 11, 5, 18, 0))


def test_the_leave_life_cycle_and_refused_moves(county):
    clerk, secretary = county.users.clerk_a1, county.users.secretary_a1
    leave = ask(clerk)
    with pytest.raises(ValidationError):  # a rejection needs a reason
        services.leave_decide(leave, actor=secretary, approve=False, comment="", now=NOW)
    with pytest.raises(ValidationError):  # not approved yet: no report back
        services.leave_report_back(leave, actor=clerk, returned_at=NOW, now=NOW)
    services.leave_decide(leave, actor=secretary, approve=True, comment="", now=NOW)
    # Reported back on the 4th at 12:00: the leave is closed with the actual return
    returned = at(2026, 11, 4, 12, 0)
    services.leave_report_back(leave, actor=clerk, returned_at=returned, now=at(2026, 11, 4, 13))
    leave.refresh_from_db()
    assert (leave.status, leave.returned_at) == ("closed", returned)
    with pytest.raises(ValidationError):  # closed is final
        services.leave_cancel(leave, actor=clerk, now=NOW)
    # An approved leave is cancelled only before it starts
    other = ask(clerk, start=(2026, 11, 10, 8, 0), end=(2026, 11, 10, 18, 0))
    services.leave_decide(other, actor=secretary, approve=True, comment="", now=NOW)
    with pytest.raises(ValidationError):
        services.leave_cancel(other, actor=clerk, now=at(2026, 11, 10, 9, 0))
    services.leave_cancel(other, actor=clerk, now=at(2026, 11, 9, 9, 0))
    assert LeaveRequest.objects.get(pk=other.pk).status == "cancelled"


def test_leave_cannot_be_asked_for_afterwards(county):
    with pytest.raises(ValidationError):
        ask(county.users.clerk_a1, start=(2026, 11, 1, 8, 0), end=(2026, 11, 1, 18, 0))


def make_ledger(county):
    secretary = county.users.secretary_a1
    leave = ask(secretary, start=(2026, 11, 3, 8, 0), end=(2026, 11, 5, 18, 0), kind="sick")
    services.leave_decide(leave, actor=county.users.official_a, approve=True, comment="", now=NOW)
    ask(county.users.clerk_a1)  # a clerk's leave: not in the secretaries' ledger
    return leave


def test_the_ledger_selector_lists_the_townships_secretaries_leave_of_the_month(county):
    make_ledger(county)
    context = selectors.ledger_context(county.townships["a"], year=2026, month=11)
    assert [(row["leave"].cadre.name, row["days"]) for row in context["rows"]] == [("彭国华", 3)]
    assert selectors.ledger_context(county.townships["b"], year=2026, month=11)["rows"] == []
    assert selectors.ledger_context(county.townships["a"], year=2026, month=10)["rows"] == []


def test_the_ledger_pdf_reads_back_in_chinese_with_an_embedded_cjk_font(county, tmp_path, client):
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils is missing: apt-get install poppler-utils", pytrace=False)
    make_ledger(county)
    client.force_login(county.users.official_a)
    response = client.get(
        reverse("attendance:ledger_pdf", args=[county.townships["a"].pk]), {"month": "2026-11"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    pdf = tmp_path / "ledger.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in ("里耶镇", "长春村", "彭国华", "2026-11-03 08:00", "2026-11-05 18:00"):
        assert expected in text, expected
    assert "张三" not in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line or "WenQuanYi" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts


def test_the_pdf_renderer_reads_no_file_outside_the_static_files():
    from longshan.pdf import static_only_url_fetcher

    fetcher = static_only_url_fetcher()
    for url in (
        "file:///etc/passwd",
        "https://example.com/a.css",
        "https://static.longshan.invalid/static/../settings.py",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    css = fetcher.fetch("https://static.longshan.invalid/static/css/portal.css")
    assert css.read().startswith(b"/*")
    assert fetcher.fetch("data:text/plain,ok").read() == b"ok"


def test_a_principal_approves_through_the_pages(county, client):
    leave = ask(county.users.secretary_a1)
    client.force_login(county.users.official_a)
    page = client.get(reverse("attendance:leave_detail", args=[leave.pk]))
    assert 'data-testid="decide-form"' in page.content.decode()
    response = client.post(
        reverse("attendance:leave_decide", args=[leave.pk]), {"approve": "1", "comment": "同意"}
    )
    assert response.status_code == 302
    assert LeaveRequest.objects.get(pk=leave.pk).status == "approved"
    # The village secretary cannot decide a secretary's leave: 404, as if it did not exist
    client.force_login(county.users.secretary_a1)
    other = ask(county.users.secretary_a1, start=(2026, 11, 20, 8), end=(2026, 11, 20, 18))
    response = client.post(
        reverse("attendance:leave_decide", args=[other.pk]), {"approve": "1", "comment": ""}
    )
    assert response.status_code == 404
    assert LeaveRequest.objects.get(pk=other.pk).status == "pending"
