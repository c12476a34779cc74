"""Roster import and export (xlsx and csv) with django-import-export (POLICY §1.4, §3.1)."""

import csv as csv_module
import datetime
import io
import time

import openpyxl
import pytest
from django.urls import reverse

from cadres import resources
from cadres.models import AppointmentEvent, Cadre
from longshan.models import AuditEvent

from .factories import CadreFactory, make_id_number
from .test_security_privacy import grant_personal_data


def headers():
    return [field.column_name for field in resources.CadreResource().fields.values()]


def row(village, *, birth, post="clerk", id_number=None, name="新人", start="2024-03-01"):
    return {
        "id_number": id_number or make_id_number(birth),
        "name": name,
        "ethnicity": "15",
        "phone": "13800001111",
        "education": "college",
        "political_status": "masses",
        "party_join_date": "",
        "township": village.township.name,
        "village": village.code,
        "village_name": village.name,
        "post": post,
        "status": "active",
        "start_date": start,
    }


def csv_bytes(rows):
    lines = [",".join(headers())]
    for values in rows:
        lines.append(",".join(str(value) for value in values.values()))
    return ("\n".join(lines) + "\n").encode("utf-8")


def many_rows(county, n):
    villages = [county.villages[key] for key in ("a1", "a2", "b1", "b2")]
    first = datetime.date(1990, 1, 1)
    return [
        row(
            villages[i % 4],
            birth=first + datetime.timedelta(days=i),
            post="clerk" if i % 2 else "auxiliary_police",
            name=f"导入{i}",
        )
        for i in range(n)
    ]


def test_a_thousand_rows_with_three_bad_ones_save_nothing_and_list_each(county):
    rows = many_rows(county, 1000)
    # row 10: a wrong check digit; row 500: an unknown village; row 900: too old for the post
    good_id = rows[9]["id_number"]
    rows[9]["id_number"] = good_id[:17] + ("0" if good_id[17] != "0" else "1")
    rows[499]["village"] = "433130999999"
    rows[899]["id_number"] = make_id_number(datetime.date(1970, 1, 1))
    before = Cadre.objects.count(), AppointmentEvent.objects.count(), AuditEvent.objects.count()
    started = time.monotonic()
    result = resources.import_roster(
        csv_bytes(rows), "csv", user=county.users.county, dry_run=False
    )
    elapsed = time.monotonic() - started
    # Then nothing is saved, and exactly the three rows are listed with their numbers
    assert (
        Cadre.objects.count(),
        AppointmentEvent.objects.count(),
        AuditEvent.objects.count(),
    ) == before
    assert [invalid.number for invalid in result.invalid_rows] == [10, 500, 900]
    assert not result.row_errors()
    messages = [" ".join(invalid.error.messages) for invalid in result.invalid_rows]
    assert "校验" in messages[0] or "check" in messages[0]
    assert "433130999999" in messages[1]
    assert "54" in messages[2]  # aged 54 on the start date, over the limit of 45
    assert elapsed < 20, elapsed


def test_a_good_file_saves_every_row_with_events_and_one_audit_event(county, client):
    rows = many_rows(county, 40)
    client.force_login(county.users.county)
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "roster.csv"
    # The dry run shows the preview and saves nothing
    response = client.post(reverse("cadres:roster_import"), {"file": upload})
    assert response.status_code == 200
    assert response.context["totals"]["new"] == 40
    assert not response.context["bad_rows"]
    assert Cadre.objects.count() == 12
    # Confirming writes them all, in one transaction
    response = client.post(reverse("cadres:roster_import"), {"token": response.context["token"]})
    assert response.status_code == 302
    assert Cadre.objects.count() == 52
    imported = Cadre.objects.filter(name__startswith="导入")
    assert imported.count() == 40
    assert AppointmentEvent.objects.filter(cadre__in=imported, kind="appointment").count() == 40
    cadre = imported.get(name="导入3")
    assert (cadre.post, cadre.status, cadre.start_date) == (
        "clerk",
        "active",
        datetime.date(2024, 3, 1),
    )
    assert (cadre.birth_date, cadre.sex, cadre.name_pinyin) == (
        datetime.date(1990, 1, 4),
        "M",
        "daoru",
    )
    event = AuditEvent.objects.get(action="roster.imported")
    assert event.changes["created"] == [None, 40]
    assert event.actor == county.users.county


def test_duplicates_and_rows_outside_the_importers_scope_are_refused(county):
    rows = many_rows(county, 4)  # a1, a2, b1, b2
    rows.append(dict(rows[0], name="重复"))
    result = resources.import_roster(
        csv_bytes(rows), "csv", user=county.users.official_a, dry_run=True
    )
    numbers = [invalid.number for invalid in result.invalid_rows]
    # b1 and b2 are outside township A; the fifth row repeats the first ID number
    assert numbers == [3, 4, 5]
    assert "洗洛村" in " ".join(result.invalid_rows[0].error.messages)
    assert not Cadre.objects.filter(name__startswith="导入").exists()


def test_an_import_cannot_move_a_cadre(county):
    clerk = county.cadres["a1_clerk"]
    values = row(county.villages["a2"], birth=clerk.birth_date, id_number=clerk.id_number)
    values.update(name=clerk.name, political_status="party_member", party_join_date="2010-07-01")
    result = resources.import_roster(
        csv_bytes([values]), "csv", user=county.users.county, dry_run=False
    )
    assert [invalid.number for invalid in result.invalid_rows] == [1]
    clerk.refresh_from_db()
    assert clerk.village == county.villages["a1"]


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(county, client, file_format):
    # A name that starts like a formula survives the round trip unchanged
    CadreFactory(
        village=county.villages["a1"], post="clerk", name="=HYPERLINK()", phone="13800002222"
    )
    # Full ID numbers, which the import matches on, only for those allowed (issue 11)
    client.force_login(grant_personal_data(county.users.county))
    exported = client.get(reverse("cadres:roster_export"), {"format": file_format})
    assert exported.status_code == 200
    before = list(Cadre.objects.order_by("pk").values())
    events, audits = AppointmentEvent.objects.count(), AuditEvent.objects.count()
    result = resources.import_roster(
        exported.content, file_format, user=county.users.county, dry_run=False
    )
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["new"] == 0 and result.totals["update"] == 0
    assert result.totals["skip"] == 13
    assert list(Cadre.objects.order_by("pk").values()) == before
    assert AppointmentEvent.objects.count() == events
    assert AuditEvent.objects.filter(action="roster.imported").count() == 1
    assert AuditEvent.objects.count() == audits + 1


def test_export_contains_exactly_the_filtered_list(county, client):
    client.force_login(grant_personal_data(county.users.official_a))
    response = client.get(reverse("cadres:roster_export"), {"format": "xlsx", "post": "clerk"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    id_numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert id_numbers == {county.cadres["a1_clerk"].id_number, county.cadres["a2_clerk"].id_number}
    listed = client.get(reverse("cadres:cadre_list"), {"post": "clerk"}).context["page"]
    assert id_numbers == {cadre.id_number for cadre in listed}
    assert AuditEvent.objects.filter(action="export.roster").count() == 1


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_looks_like_a_formula_is_exported_as_text(county, client, dangerous):
    cadre = county.cadres["a1_clerk"]
    Cadre.objects.filter(pk=cadre.pk).update(name=dangerous)
    client.force_login(grant_personal_data(county.users.county))
    params = {"q": cadre.id_number[-8:]}
    xlsx = client.get(reverse("cadres:roster_export"), {"format": "xlsx", **params}).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    names = [c for c in sheet[2] if c.column == 2]
    # typed as text; XML itself turns a carriage return into a line feed
    assert names[0].data_type == "s"
    assert names[0].value in (dangerous, dangerous.replace("\r", "\n"))
    csv = client.get(reverse("cadres:roster_export"), {"format": "csv", **params}).content
    parsed = list(csv_module.reader(io.StringIO(csv.decode("utf-8-sig"), newline="")))
    assert parsed[1][1] == "'" + dangerous


def test_the_import_page_lists_bad_rows_with_their_spreadsheet_row_numbers(county, client):
    rows = many_rows(county, 3)
    rows[1]["village"] = "000000000000"
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "roster.csv"
    client.force_login(county.users.county)
    response = client.post(reverse("cadres:roster_import"), {"file": upload})
    # data row 2 is spreadsheet row 3 (the header is row 1)
    assert [row["number"] for row in response.context["bad_rows"]] == [3]
    assert 'data-testid="bad-row" data-row="3"' in response.content.decode()


def test_an_import_refuses_a_second_secretary_and_relatives_in_one_village(county):
    from cadres.models import Relation

    # Given the sister of a1's clerk, recorded as a relative, and a file that puts her in a1
    # beside him and a second party secretary in a1
    clerk = county.cadres["a1_clerk"]
    sister = row(county.villages["a1"], birth=datetime.date(1992, 5, 5), name="姐妹")
    Relation.objects.create(
        kind="sibling",
        id_number_a=sister["id_number"],
        name_a="姐妹",
        id_number_b=clerk.id_number,
        name_b=clerk.name,
    )
    second = row(
        county.villages["a1"], birth=datetime.date(1980, 1, 1), post="secretary", name="书记二"
    )
    second["political_status"], second["party_join_date"] = "party_member", "2010-07-01"
    elsewhere = dict(sister, village=county.villages["b1"].code, name="姐妹")
    before = Cadre.objects.count()
    # When it is imported
    result = resources.import_roster(
        csv_bytes([sister, second]), "csv", user=county.users.county, dry_run=False
    )
    # Then both rows are refused with a clear reason and nothing is saved
    assert Cadre.objects.count() == before
    assert [invalid.number for invalid in result.invalid_rows] == [1, 2]  # data rows
    messages = [" ".join(invalid.error.messages) for invalid in result.invalid_rows]
    assert "姐妹" in messages[0] and clerk.name in messages[0]
    assert "secretary" in messages[1] or "书记" in messages[1]
    # And the sister may serve in another village
    result = resources.import_roster(
        csv_bytes([elsewhere]), "csv", user=county.users.county, dry_run=True
    )
    assert not result.invalid_rows
