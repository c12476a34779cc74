"""The audit trail (issue 11): who reads it, filters, paging, export, and what it records.

Sign-ins, scope denials and exports are written to the trail; auditors read and export it.
"""

import csv
import datetime
import io
import ipaddress
from unittest import mock

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cadres import services as cadre_services
from cadres.models import User
from longshan import audit
from longshan.audit_trail import neutralise
from longshan.models import AuditEvent

from .conftest import PASSWORD
from .test_access import without_csrf_token

ROLES = ["county", "official_a", "official_b", "secretary_a1", "clerk_a1", "psb", "reviewer"]
GROUP = "county auditor"


def make_auditor(username="auditor"):
    """Return a county staff account in the "county auditor" group."""
    # A transactional test before this one may have flushed the group the migration made.
    group, _created = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(Permission.objects.get(codename="view_audit_trail"))
    user = cadre_services.user_create(
        actor=None, username=username, password=PASSWORD, role=User.Role.COUNTY_STAFF
    )
    user.groups.add(group)
    return user


@pytest.mark.django_db
def test_the_migration_creates_the_auditor_group_with_the_permission():
    group = Group.objects.get(name=GROUP)
    assert list(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("longshan", "view_audit_trail")
    ]


# ---------------------------------------------------------------- who may read it


@pytest.mark.parametrize("role", ROLES)
def test_no_role_reads_the_trail_without_the_permission(county, client, role):
    client.force_login(getattr(county.users, role))
    assert client.get(reverse("audit_trail")).status_code == 404
    assert client.get(reverse("audit_trail_export", args=["csv"])).status_code == 404
    menu = client.get(reverse("home")).context["nav_items"]
    assert reverse("audit_trail") not in [item["url"] for item in menu]


def test_an_auditor_reads_the_trail_and_has_it_in_the_menu(county, client):
    client.force_login(make_auditor())
    response = client.get(reverse("audit_trail"))
    assert response.status_code == 200
    assert reverse("audit_trail") in [item["url"] for item in response.context["nav_items"]]


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(reverse("audit_trail"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------- filters and paging


def events_shown(client, **params):
    response = client.get(reverse("audit_trail"), params)
    assert response.status_code == 200
    return [(event.action, event.actor_username) for event in response.context["page"]]


def test_the_filters_select_by_action_actor_target_township_and_date(county, client):
    # Given events of several kinds, people, townships and days
    cadre = county.cadres["a1_clerk"]
    township_a, township_b = county.townships["a"], county.townships["b"]
    audit.record(
        "cadre.updated", actor=county.users.county, target=cadre, township_id=township_a.pk
    )
    audit.record("cadre.updated", actor=county.users.official_b, township_id=township_b.pk)
    audit.record("export.leave_ledger", actor=county.users.official_a, township_id=township_a.pk)
    forty_days_ago = timezone.now() - datetime.timedelta(days=40)
    with mock.patch("django.utils.timezone.now", return_value=forty_days_ago):
        audit.record("rule.set", actor=county.users.county)
    client.force_login(make_auditor())

    # Then each filter narrows the list as an auditor expects
    assert events_shown(client, action="cadre.") == [
        ("cadre.updated", "official_b"),
        ("cadre.updated", "county"),
    ]
    assert events_shown(client, actor="OFFICIAL_A") == [("export.leave_ledger", "official_a")]
    assert events_shown(client, object_type="cadres.cadre", object_id=str(cadre.pk)) == [
        ("cadre.updated", "county")
    ]
    in_b = events_shown(client, township=township_b.pk, action="cadre.")
    assert in_b == [("cadre.updated", "official_b")]
    today = timezone.localdate()
    assert events_shown(client, date_from=today.isoformat(), action="rule.") == []
    day = timezone.localtime(forty_days_ago).date().isoformat()
    assert events_shown(client, date_from=day, date_to=day) == [("rule.set", "county")]
    # And a start after the end is refused with a message, not a crash
    response = client.get(reverse("audit_trail"), {"date_from": day, "date_to": "2020-01-01"})
    assert response.status_code == 200 and response.context["form"].errors
    assert list(response.context["page"]) == []


def test_the_address_filter_finds_the_events_of_one_client_address(county, client):
    client.force_login(make_auditor())
    client.post(reverse("login"), {"username": "county", "password": "wrong-1234"})
    client.post(
        reverse("login"),
        {"username": "official_a", "password": "wrong-1234"},
        REMOTE_ADDR="10.20.30.40",
    )
    shown = events_shown(client, ip_address="10.20.30.40")
    assert shown == [("auth.sign_in_failed", "official_a")]
    # An address that is not one is a field error
    response = client.get(reverse("audit_trail"), {"ip_address": "not-an-address"})
    assert "ip_address" in response.context["form"].errors


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_whatever_the_data_size(county, client):
    client.force_login(make_auditor())
    url = reverse("audit_trail")
    client.get(url)  # the session is renewed at most once a minute: not inside the count
    small = count_queries(client, url)
    for n in range(120):
        township = county.townships["ab"[n % 2]]
        audit.record("test.event", actor=county.users.county, township_id=township.pk)
    assert count_queries(client, url) == small
    assert count_queries(client, url, {"page": 2, "action": "test."}) == small
    assert small <= 10


# ---------------------------------------------------------------- export


def test_cells_that_a_spreadsheet_would_read_as_formulas_are_neutralised():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("彭国华") == "彭国华"
    assert neutralise(None) == ""


def formula_event(county):
    return audit.record(
        "cadre.updated",
        actor=county.users.county,
        target=county.cadres["a1_clerk"],
        changes={"name": ["张三", '=HYPERLINK("http://evil")']},
        actor_username='=cmd|" /C calc"!A0',
    )


def test_the_csv_export_carries_the_filtered_events_neutralised_and_is_audited(county, client):
    formula_event(county)
    audit.record("rule.set", actor=county.users.county)
    auditor = make_auditor()
    client.force_login(auditor)

    response = client.get(reverse("audit_trail_export", args=["csv"]), {"action": "cadre."})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2  # the header and the one cadre event
    event = rows[1]
    assert event[1] == "cadre.updated"
    assert event[2] == '\'=cmd|" /C calc"!A0'
    assert event[4] == str(county.cadres["a1_clerk"].pk)
    assert event[6] == "里耶镇" or event[6] == ""
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in event)
    # And the download itself is in the trail, with its filter
    export = AuditEvent.objects.filter(action="export.audit_trail").get()
    assert export.actor == auditor
    assert export.changes["format"] == "csv"
    assert export.changes["filters"] == {"action": "cadre."}


def test_the_xlsx_export_holds_text_cells_only(county, client):
    formula_event(county)
    client.force_login(make_auditor())

    response = client.get(reverse("audit_trail_export", args=["xlsx"]), {"action": "cadre."})

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][2] == '\'=cmd|" /C calc"!A0'
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    export = AuditEvent.objects.get(action="export.audit_trail")
    assert (export.changes["format"], export.changes["rows"]) == ("xlsx", 1)


def test_an_unknown_export_format_is_not_found(county, client):
    client.force_login(make_auditor())
    assert client.get(reverse("audit_trail_export", args=["pdf"])).status_code == 404


# ---------------------------------------------------------------- what is recorded


def _failed_sign_in_address(client, **meta):
    # A new name each time: five failures would lock a username out.
    username = f"tester-{AuditEvent.objects.count()}"
    client.post(reverse("login"), {"username": username, "password": "wrong-1234"}, **meta)
    return AuditEvent.objects.get(action="auth.sign_in_failed", actor_username=username).ip_address


def test_behind_a_trusted_proxy_the_forwarded_address_is_recorded(county, client, settings):
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # Without a trusted proxy configured, a forwarded address is never taken
    assert _failed_sign_in_address(client, **proxy, HTTP_X_FORWARDED_FOR="10.5.5.5") == "10.0.0.2"
    # Behind the county's proxy (10.0.0.2), what it forwarded is the client's address
    settings.LONGSHAN_TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/30")]
    assert _failed_sign_in_address(client, **proxy, HTTP_X_FORWARDED_FOR="10.5.5.5") == "10.5.5.5"
    # A client that writes the header itself is still recorded by what the proxy saw
    forged = "198.51.100.1, 10.5.5.6"
    assert _failed_sign_in_address(client, **proxy, HTTP_X_FORWARDED_FOR=forged) == "10.5.5.6"
    # Two trusted proxies in a row are read through; no header leaves the proxy's own
    chained = "10.5.5.7, 10.0.0.1"
    assert _failed_sign_in_address(client, **proxy, HTTP_X_FORWARDED_FOR=chained) == "10.5.5.7"
    assert _failed_sign_in_address(client, **proxy) == "10.0.0.2"
    assert _failed_sign_in_address(client, **proxy, HTTP_X_FORWARDED_FOR="junk") == "10.0.0.2"
    # From an address that is not a trusted proxy, the header is ignored
    direct = {"REMOTE_ADDR": "10.9.9.9", "HTTP_X_FORWARDED_FOR": "10.5.5.8"}
    assert _failed_sign_in_address(client, **direct) == "10.9.9.9"


def test_a_sign_in_and_a_failed_one_are_recorded_with_the_username_and_address(county, client):
    client.post(
        reverse("login"), {"username": "county", "password": "wrong-1234"}, REMOTE_ADDR="10.0.0.7"
    )
    client.post(
        reverse("login"), {"username": "nobody-here", "password": "x"}, REMOTE_ADDR="10.0.0.8"
    )
    response = client.post(
        reverse("login"), {"username": "county", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302

    failed = AuditEvent.objects.filter(action="auth.sign_in_failed").order_by("id")
    assert [(e.actor_username, e.ip_address, e.actor_id) for e in failed] == [
        ("county", "10.0.0.7", None),
        ("nobody-here", "10.0.0.8", None),
    ]
    assert all("password" not in str(e.changes) for e in failed)
    signed_in = AuditEvent.objects.get(action="auth.signed_in")
    assert (signed_in.actor, signed_in.ip_address) == (county.users.county, "10.0.0.9")


def test_an_object_outside_scope_answers_404_and_the_denial_is_recorded(county, client):
    # Given a township official of A asking for a cadre of B, and for an id that never existed
    client.force_login(county.users.official_a)
    outside = county.cadres["b1_clerk"]
    outside_url = reverse("cadres:cadre_detail", args=[outside.pk])
    missing_url = reverse("cadres:cadre_detail", args=[987654])
    out_of_scope, missing = client.get(outside_url), client.get(missing_url)

    # Then both answer the same 404 (but for the address the language form returns to)
    assert out_of_scope.status_code == missing.status_code == 404
    assert without_csrf_token(out_of_scope.content).replace(outside_url.encode(), b"URL") == (
        without_csrf_token(missing.content).replace(missing_url.encode(), b"URL")
    )

    # And only the existing object is recorded as a denial, with who, what and where
    denials = AuditEvent.objects.filter(action="scope.denied")
    assert denials.count() == 1
    denial = denials.get()
    assert denial.actor == county.users.official_a
    assert (denial.object_type, denial.object_id) == ("cadres.cadre", str(outside.pk))
    assert denial.township_id == county.townships["b"].pk
    assert denial.ip_address == "127.0.0.1"


def test_the_training_compliance_and_leave_ledger_exports_are_recorded(county, client):
    client.force_login(county.users.official_a)
    response = client.get(reverse("training:compliance_export"), {"year": 2026})
    assert response.status_code == 200
    response = client.get(
        reverse("attendance:ledger_pdf", args=[county.townships["a"].pk]), {"month": "2026-11"}
    )
    assert response.status_code == 200
    events = {e.action: e for e in AuditEvent.objects.filter(action__startswith="export.")}
    assert set(events) == {"export.training_compliance", "export.leave_ledger"}
    compliance = events["export.training_compliance"]
    assert (compliance.actor, compliance.changes["format"]) == (county.users.official_a, "xlsx")
    assert compliance.changes["filters"] == {"year": "2026"}
    ledger = events["export.leave_ledger"]
    assert ledger.township_id == county.townships["a"].pk
    assert ledger.changes == {"format": "pdf", "filters": {"month": "2026-11"}}
