"""Importing an attendance sheet: preview every row, then all of it or nothing (POLICY §6.1)."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from longshan.models import AuditEvent
from training import resources
from training.models import TrainingAttendance, TrainingEvent

from .test_security_privacy import grant_personal_data
from .training_factories import AttendanceFactory, EnrolmentFactory, TrainingEventFactory

D = Decimal


@pytest.fixture
def session(county):
    """Township A's own 2-day session, its six cadres enrolled."""
    event = TrainingEventFactory(
        title="里耶镇业务培训班",
        level=TrainingEvent.Level.BELOW_COUNTY,
        township=county.townships["a"],
        days=D("2"),
        start_date=datetime.date(2026, 9, 3),
    )
    for key, cadre in county.cadres.items():
        if key.startswith("a"):
            EnrolmentFactory(event=event, cadre=cadre)
    return event


def csv_file(rows, *, encoding="utf-8", name="sheet.csv", header="身份证号,姓名,天数"):
    text = "\n".join([header, *(",".join(str(cell) for cell in row) for row in rows)]) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file(rows, *, name="sheet.xlsx"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["身份证号", "姓名", "天数"])
    for row in rows:
        sheet.append(list(row))
    content = io.BytesIO()
    workbook.save(content)
    return SimpleUploadedFile(name, content.getvalue())


def upload(client, event, file):
    return client.post(reverse("training:attendance_import", args=[event.pk]), {"file": file})


def row_of(cadre, days):
    return (cadre.id_number, cadre.name, days)


def test_a_good_sheet_is_previewed_then_saved_whole(county, client, session):
    c = county.cadres
    client.force_login(county.users.official_a)
    rows = [
        row_of(c["a1_secretary"], "2"),
        row_of(c["a1_clerk"], "1.5"),
        row_of(c["a2_clerk"], "0.5"),
    ]
    # When the official uploads a sheet of three good rows
    preview = upload(client, session, csv_file(rows))
    # Then every row is previewed, and nothing is saved yet
    assert preview.status_code == 200
    assert [row.row_number for row in preview.context["rows"]] == [2, 3, 4]
    assert preview.context["bad_rows"] == []
    assert not TrainingAttendance.objects.exists()
    # When they confirm
    confirm = client.post(
        reverse("training:attendance_import", args=[session.pk]),
        {"payload": preview.context["payload"]},
    )
    # Then the three rows are saved, with one audit event for the file
    assert confirm.status_code == 302 and confirm.url == session.get_absolute_url()
    saved = dict(TrainingAttendance.objects.values_list("cadre__name", "days"))
    assert saved == {"彭国华": D("2"), "张三": D("1.5"), "张三A2": D("0.5")}
    event = AuditEvent.objects.get(action="training.attendance_imported")
    assert event.actor == county.users.official_a
    assert event.changes["rows"] == [None, 3] and event.changes["file"] == [None, "sheet.csv"]
    assert event.changes[str(c["a1_clerk"].pk)] == [None, "1.5"]


def test_a_sheet_with_any_bad_row_saves_nothing_and_lists_every_bad_row(county, client, session):
    c = county.cadres
    client.force_login(county.users.official_a)
    rows = [
        row_of(c["a1_secretary"], "2"),  # row 2: good
        ("433130199001010011", "无名", "1"),  # row 3: not a valid ID number
        (c["a1_clerk"].id_number, "李四", "1"),  # row 4: the name does not match
        row_of(c["a2_clerk"], "2.5"),  # row 5: above the event's 2 days
        row_of(c["a2_secretary"], "0"),  # row 6: not above zero
        row_of(c["a1_secretary"], "1"),  # row 7: a duplicate of row 2
        row_of(c["b1_clerk"], "1"),  # row 8: township B's clerk, outside the scope
    ]
    response = upload(client, session, csv_file(rows))
    bad = {row.row_number: row.codes for row in response.context["bad_rows"]}
    assert bad == {
        3: ("id_invalid",),
        4: ("name_mismatch",),
        5: ("days_over_event",),
        6: ("days_not_positive",),
        7: ("duplicate",),
        8: ("out_of_scope",),
    }
    # And the page lists them, offers no confirmation, and nothing is saved
    body = response.content.decode()
    assert 'data-testid="sheet-errors"' in body and "payload" not in response.context
    for number in bad:
        assert f'data-row="{number}"' in body
    assert not TrainingAttendance.objects.exists()
    assert not AuditEvent.objects.filter(action="training.attendance_imported").exists()


def test_an_unknown_id_number_is_reported(county, client, session):
    from cadres.rules import id_check_character

    unknown = "43313019900101003" + id_check_character("43313019900101003")
    client.force_login(county.users.county)
    response = upload(client, session, csv_file([(unknown, "无名", "1")]))
    assert [row.codes for row in response.context["bad_rows"]] == [("id_unknown",)]


def test_county_staff_may_import_any_cadre(county, client, session):
    client.force_login(county.users.county)
    response = upload(client, session, csv_file([row_of(county.cadres["b1_clerk"], "1")]))
    assert response.context["bad_rows"] == []


def test_an_xlsx_sheet_with_excel_numbers_and_existing_rows(county, client, session):
    c = county.cadres
    AttendanceFactory(event=session, cadre=c["a1_clerk"], days=D("2"))
    client.force_login(county.users.official_a)
    # Given an xlsx sheet in which Excel stored the days as numbers
    rows = [row_of(c["a1_clerk"], 0.5), row_of(c["a1_secretary"], 2)]
    preview = upload(client, session, xlsx_file(rows))
    assert [row.change for row in preview.context["rows"]] == ["changed", "new"]
    client.post(
        reverse("training:attendance_import", args=[session.pk]),
        {"payload": preview.context["payload"]},
    )
    saved = dict(TrainingAttendance.objects.values_list("cadre__name", "days"))
    assert saved == {"张三": D("0.5"), "彭国华": D("2")}


def test_a_csv_saved_by_excel_in_chinese_gbk_is_read(county, client, session):
    client.force_login(county.users.official_a)
    file = csv_file([row_of(county.cadres["a1_clerk"], "1")], encoding="gbk")
    response = upload(client, session, file)
    assert response.context["bad_rows"] == [] and response.context["rows"][0].name == "张三"


def test_english_headers_and_blank_lines_are_accepted(county, client, session):
    client.force_login(county.users.official_a)
    cadre = county.cadres["a1_clerk"]
    text = f"Resident ID number,Name,Days\n\n{cadre.id_number},{cadre.name},1\n,,\n"
    file = SimpleUploadedFile("s.csv", text.encode())
    response = upload(client, session, file)
    assert [row.row_number for row in response.context["rows"]] == [3]


@pytest.mark.parametrize(
    ("file", "fragment"),
    [
        (SimpleUploadedFile("sheet.txt", b"a,b,c\n"), "xlsx"),
        (SimpleUploadedFile("sheet.xlsx", b"not a zip file"), "xlsx"),
        (SimpleUploadedFile("sheet.xlsx", b"PK\x03\x04broken"), "xlsx"),
        (SimpleUploadedFile("sheet.csv", b"id,who,n\n1,2,3\n"), "身份证号"),
        (SimpleUploadedFile("sheet.csv", b"\xff\xfe\x00a\x00b"), "csv"),
        (SimpleUploadedFile("sheet.csv", "身份证号,姓名,天数\n".encode()), ""),
        (SimpleUploadedFile("sheet.csv", b"x" * (resources.MAX_UPLOAD_BYTES + 1)), "2"),
    ],
)
def test_a_file_of_the_wrong_size_or_type_is_refused(county, client, session, file, fragment):
    client.force_login(county.users.county)
    response = upload(client, session, file)
    assert response.status_code == 200
    errors = response.context["upload_form"].errors["file"]
    assert errors and fragment in errors[0]
    assert response.context["rows"] is None


def test_a_sheet_longer_than_the_cap_is_refused(county, monkeypatch):
    monkeypatch.setattr(resources, "MAX_ROWS", 2)
    rows = [("1", "a", "1")] * 3
    with pytest.raises(resources.SheetFileError):
        resources.read_attendance_sheet(csv_file(rows))


def test_an_xlsx_that_unpacks_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(resources, "MAX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(resources.SheetFileError):
        resources.read_attendance_sheet(xlsx_file([("1", "a", "1")]))


def test_a_tampered_or_foreign_preview_is_refused(county, client, session):
    client.force_login(county.users.official_a)
    preview = upload(client, session, csv_file([row_of(county.cadres["a1_clerk"], "1")]))
    payload = preview.context["payload"]
    url = reverse("training:attendance_import", args=[session.pk])
    # A changed payload
    response = client.post(url, {"payload": payload[:-3] + "abc"})
    assert response.context["sheet_error"]
    # The same payload sent for another event, or by another user
    other = TrainingEventFactory(
        level=TrainingEvent.Level.BELOW_COUNTY, township=county.townships["a"], days=D("2")
    )
    response = client.post(
        reverse("training:attendance_import", args=[other.pk]), {"payload": payload}
    )
    assert response.context["sheet_error"]
    client.force_login(county.users.county)
    assert client.post(url, {"payload": payload}).context["sheet_error"]
    assert not TrainingAttendance.objects.exists()


def test_a_preview_gone_stale_saves_nothing(county, client, session):
    # Given a previewed sheet of 2 days for the clerk
    client.force_login(county.users.official_a)
    preview = upload(client, session, csv_file([row_of(county.cadres["a1_clerk"], "2")]))
    # When county staff shorten the event to 1.5 days before the official confirms
    TrainingEvent.objects.filter(pk=session.pk).update(days=D("1.5"))
    response = client.post(
        reverse("training:attendance_import", args=[session.pk]),
        {"payload": preview.context["payload"]},
    )
    # Then the rows are checked again, the bad one is listed, and nothing is saved
    assert response.status_code == 200
    assert [row.codes for row in response.context["bad_rows"]] == [("days_over_event",)]
    assert not TrainingAttendance.objects.exists()


def test_the_blank_sheet_lists_the_enrolled_cadres_of_the_scope(county, client, session):
    # Full ID numbers, which the import matches on, only for those allowed (issue 11)
    client.force_login(grant_personal_data(county.users.official_a))
    response = client.get(reverse("training:attendance_sheet", args=[session.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("身份证号", "姓名", "天数")
    assert {row[1] for row in rows[1:]} == {
        cadre.name for key, cadre in county.cadres.items() if key.startswith("a")
    }
    # And the same file, with days filled in, imports cleanly
    for row in sheet.iter_rows(min_row=2):
        row[2].value = 1
    content = io.BytesIO()
    sheet.parent.save(content)
    preview = upload(client, session, SimpleUploadedFile("filled.xlsx", content.getvalue()))
    assert len(preview.context["rows"]) == 6 and preview.context["bad_rows"] == []
