"""Imports and exports (issue 11): a dry run writes and queues nothing, a file with any bad
row writes nothing, and no exported cell can run as a formula in a spreadsheet.
"""

import csv
import datetime
import io
import os

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cadres import resources
from cadres import views as cadres_views
from cadres.models import AppointmentEvent, Cadre
from longshan import audit
from longshan.models import AuditEvent, Job
from training.models import TrainingAttendance, TrainingEvent

from .factories import make_id_number
from .test_security_audit_trail import make_auditor
from .test_security_privacy import grant_personal_data
from .test_selection_import import csv_bytes, many_rows, row
from .training_factories import EnrolmentFactory, TrainingEventFactory

DANGEROUS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]


def counts():
    """Return the rows an import could write: cadres, history, attendance, audit, jobs."""
    return (
        Cadre.objects.count(),
        AppointmentEvent.objects.count(),
        TrainingAttendance.objects.count(),
        AuditEvent.objects.count(),
        Job.objects.count(),
    )


# ---------------------------------------------------------------- roster import


def test_a_roster_dry_run_writes_nothing_and_queues_nothing(
    county, client, django_capture_on_commit_callbacks
):
    client.force_login(county.users.county)
    before = counts()
    upload = SimpleUploadedFile("roster.csv", csv_bytes(many_rows(county, 20)))
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("cadres:roster_import"), {"file": upload})
    # The preview counts 20 new cadres, and nothing is written or queued
    assert response.context["totals"]["new"] == 20
    assert counts() == before
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        result = resources.import_roster(
            csv_bytes(many_rows(county, 20)), "csv", user=county.users.county, dry_run=True
        )
    assert result.totals["new"] == 20
    assert counts() == before and callbacks == []


def test_a_roster_file_with_one_invalid_row_writes_none_of_its_good_rows(
    county, django_capture_on_commit_callbacks
):
    rows = many_rows(county, 10)
    # One row with an impossible date among nine good ones
    rows.append(row(county.villages["a1"], birth=datetime.date(1991, 1, 1), start="2024-13-40"))
    before = counts()
    with django_capture_on_commit_callbacks() as callbacks:
        result = resources.import_roster(
            csv_bytes(rows), "csv", user=county.users.county, dry_run=False
        )
    assert result.has_validation_errors()
    assert counts() == before and callbacks == []


def test_a_confirmed_roster_import_whose_file_went_bad_writes_nothing(county, client):
    client.force_login(county.users.county)
    rows = many_rows(county, 5)
    upload = SimpleUploadedFile("roster.csv", csv_bytes(rows))
    token = client.post(reverse("cadres:roster_import"), {"file": upload}).context["token"]
    # Meanwhile one of its people is put on the roster by somebody else, in another village
    person = rows[2]
    Cadre.objects.create(
        **{
            **{k: v for k, v in person.items() if k in ("id_number", "ethnicity", "phone")},
            "name": "别人",
            "education": "college",
            "political_status": "masses",
            "village": county.villages["b1"],
            "post": "clerk",
            "start_date": datetime.date(2024, 3, 1),
        }
    )
    before = counts()
    response = client.post(reverse("cadres:roster_import"), {"token": token})
    assert response.context["bad_rows"]
    assert counts() == before


# ---------------------------------------------------------------- uploads awaiting confirmation


def _pending_files(settings):
    folder = settings.VAR_DIR / "imports"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_an_upload_left_unconfirmed_is_not_kept(county, client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(county.users.county)
    rows = many_rows(county, 3)
    url = reverse("cadres:roster_import")
    # Given a roster uploaded and previewed, never confirmed
    first = client.post(url, {"file": SimpleUploadedFile("a.csv", csv_bytes(rows))})
    assert _pending_files(settings) == [f"{first.context['token']}.csv"]
    # When the same person uploads another file, the first one goes
    second = client.post(url, {"file": SimpleUploadedFile("b.csv", csv_bytes(rows))})
    assert _pending_files(settings) == [f"{second.context['token']}.csv"]
    # and confirming the first one's page says it expired, writing nothing
    before = counts()
    response = client.post(url, {"token": first.context["token"]}, follow=True)
    assert response.status_code == 200 and counts() == before
    assert _pending_files(settings) == [f"{second.context['token']}.csv"]
    # When a day passes with nobody confirming, the next upload by anybody clears it
    stale = tmp_path / "imports" / f"{second.context['token']}.csv"
    day_ago = stale.stat().st_mtime - cadres_views.IMPORT_PENDING_HOURS * 3600 - 60
    os.utime(stale, (day_ago, day_ago))
    other = Client()
    other.force_login(county.users.county)
    bad = [{**rows[0], "id_number": "123"}]
    response = other.post(url, {"file": SimpleUploadedFile("c.csv", csv_bytes(bad))})
    assert response.context["bad_rows"]
    assert _pending_files(settings) == []
    # and confirming it then asks for the file again instead of failing
    before = counts()
    response = client.post(url, {"token": second.context["token"]}, follow=True)
    assert response.status_code == 200 and counts() == before
    assert "roster_import" not in client.session


def test_a_confirmed_upload_is_removed(county, client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    client.force_login(county.users.county)
    url = reverse("cadres:roster_import")
    upload = SimpleUploadedFile("roster.csv", csv_bytes(many_rows(county, 2)))
    token = client.post(url, {"file": upload}).context["token"]
    response = client.post(url, {"token": token})
    assert response.status_code == 302
    assert _pending_files(settings) == []


# ---------------------------------------------------------------- training attendance sheet


@pytest.fixture
def session(county):
    event = TrainingEventFactory(
        level=TrainingEvent.Level.BELOW_COUNTY, township=county.townships["a"], days=2
    )
    for key, cadre in county.cadres.items():
        if key.startswith("a"):
            EnrolmentFactory(event=event, cadre=cadre)
    return event


def sheet(rows):
    text = "\n".join(["身份证号,姓名,天数", *(",".join(map(str, r)) for r in rows)]) + "\n"
    return SimpleUploadedFile("sheet.csv", text.encode(), content_type="text/csv")


def test_a_training_sheet_preview_writes_nothing_and_queues_nothing(
    county, client, session, django_capture_on_commit_callbacks
):
    c = county.cadres
    client.force_login(county.users.official_a)
    before = counts()
    rows = [
        (c["a1_clerk"].id_number, c["a1_clerk"].name, 2),
        (c["a2_clerk"].id_number, c["a2_clerk"].name, 1),
    ]
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("training:attendance_import", args=[session.pk]), {"file": sheet(rows)}
        )
    assert len(response.context["rows"]) == 2 and response.context["payload"]
    assert counts() == before and callbacks == []


def test_a_training_sheet_with_one_bad_row_saves_none_of_it(county, client, session):
    c = county.cadres
    client.force_login(county.users.official_a)
    rows = [
        (c["a1_clerk"].id_number, c["a1_clerk"].name, 2),
        (c["b1_clerk"].id_number, c["b1_clerk"].name, 2),  # outside the official's scope
        (make_id_number(datetime.date(1990, 1, 1)), "无此人", 1),  # not on the roster
    ]
    before = counts()
    response = client.post(
        reverse("training:attendance_import", args=[session.pk]), {"file": sheet(rows)}
    )
    assert len(response.context["bad_rows"]) == 2
    assert "payload" not in response.context
    assert counts() == before


# ---------------------------------------------------------------- exports: formulas stay text


def xlsx_cells(content):
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [cell for cells in sheet.iter_rows(min_row=2) for cell in cells]


def assert_text_cell(cells, dangerous):
    """Assert that the dangerous text is in some cell, typed as text (or guarded by ')."""
    wanted = {dangerous, dangerous.replace("\r", "\n"), "'" + dangerous}
    wanted.add("'" + dangerous.replace("\r", "\n"))
    matching = [cell for cell in cells if cell.value in wanted]
    assert matching, f"{dangerous!r} not exported"
    for cell in matching:
        assert cell.data_type == "s"
        assert cell.quotePrefix or str(cell.value).startswith("'")


@pytest.mark.parametrize("dangerous", DANGEROUS)
def test_every_text_column_of_the_roster_export_stays_text(county, client, dangerous):
    cadre = county.cadres["a1_clerk"]
    Cadre.objects.filter(pk=cadre.pk).update(name=dangerous, phone="")
    county.villages["a1"].__class__.objects.filter(pk=county.villages["a1"].pk).update(
        name=dangerous
    )
    client.force_login(grant_personal_data(county.users.county))
    xlsx = client.get(reverse("cadres:roster_export"), {"format": "xlsx", "village": ""}).content
    assert_text_cell(xlsx_cells(xlsx), dangerous)
    text = client.get(reverse("cadres:roster_export"), {"format": "csv"}).content
    cells = [c for r in csv.reader(io.StringIO(text.decode("utf-8-sig"), newline="")) for c in r]
    assert "'" + dangerous in cells
    assert dangerous not in cells


@pytest.mark.parametrize("dangerous", DANGEROUS)
def test_the_training_compliance_export_keeps_formulas_as_text(county, client, dangerous):
    Cadre.objects.filter(pk=county.cadres["a1_clerk"].pk).update(name=dangerous)
    client.force_login(county.users.county)
    response = client.get(reverse("training:compliance_export"), {"year": 2026, "show": "all"})
    assert_text_cell(xlsx_cells(response.content), dangerous)


@pytest.mark.parametrize("dangerous", DANGEROUS)
def test_the_audit_trail_export_keeps_formulas_as_text(county, client, dangerous):
    audit.record("auth.sign_in_failed", actor=None, actor_username=dangerous)
    client.force_login(make_auditor())
    text = b"".join(client.get(reverse("audit_trail_export", args=["csv"])).streaming_content)
    cells = [c for r in csv.reader(io.StringIO(text.decode("utf-8-sig"), newline="")) for c in r]
    assert "'" + dangerous in cells and dangerous not in cells
    xlsx = client.get(reverse("audit_trail_export", args=["xlsx"])).content
    values = [cell.value for cell in xlsx_cells(xlsx)]
    # XML itself turns a carriage return into a line feed
    assert {"'" + dangerous, "'" + dangerous.replace("\r", "\n")} & set(values)
    assert dangerous not in values
