"""Payroll documents (POLICY §8.2, §9.2): the PDF (read back with pdftotext), the xlsx and
the database agree to the fen; the bank transfer file; the county PDF as a background
document with its progress."""

import csv
import datetime
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from compensation import reports, services, tasks
from compensation.models import BankAccount, PayrollDocument, PayrollDocumentPart, PayrollEntry

from .compensation_fixtures import at, pay_rules, run, settle  # noqa: F401
from .factories import CadreFactory, VillageFactory
from .performance_fixtures import rules_seeded  # noqa: F401

D = Decimal
OCTOBER = datetime.date(2026, 10, 1)

pytestmark = pytest.mark.usefixtures("pay_rules")


@pytest.fixture
def october(county):
    """October of the county and ten more villages of township B (42 cadres), with an
    absence, a reward and an adjustment so that every column has figures."""
    for n in range(10):
        village = VillageFactory(
            township=county.townships["b"], name=f"新村{n}", code=f"43313010210{n}"
        )
        for post in ("secretary", "clerk", "auxiliary_police"):
            CadreFactory(village=village, post=post)
    from .compensation_fixtures import absent

    absent(county, "a1_clerk", at(2026, 10, 15, 10))
    services.reward_grant(
        county.villages["b1"],
        actor=county.users.county,
        kind="ten_nos",
        year=2026,
        title="十无村",
        pay_month=OCTOBER,
    )
    services.adjustment_add(
        county.cadres["a2_clerk"],
        actor=county.users.county,
        pay_month=OCTOBER,
        amount=D("-12.34"),
        reason="=HYPERLINK(1)",
    )
    BankAccount.objects.create(
        cadre=county.cadres["a1_clerk"], bank="龙山农商银行", account_number="6230901234567890"
    )
    settle(OCTOBER)
    return run(OCTOBER)


def pdf_text(content, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.fail("poppler-utils is missing: apt-get install poppler-utils", pytrace=False)
    path = tmp_path / "payroll.pdf"
    path.write_bytes(content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    return text, fonts


def assert_titled_and_numbered(text):
    """Assert at least two pages, each headed by October's title and ending "n / total"."""
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 2
    for number, page_text in enumerate(pages, start=1):
        assert "2026-10" in page_text.strip().splitlines()[0]
        assert re.search(rf"\b{number}\s*/\s*{len(pages)}\s*$", page_text.rstrip())


def money_on(line):
    return [D(value.replace(",", "")) for value in re.findall(r"-?[\d,]+\.\d\d", line)]


def test_the_county_pdf_xlsx_and_database_agree_to_the_fen(
    county, october, client, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    # Given October computed; the database's totals
    totals = PayrollEntry.objects.filter(payroll=october).aggregate(
        gross=Sum("gross"), deductions=Sum("deductions"), net=Sum("net")
    )
    assert totals["net"] == october.net_total
    # When the county asks for the county PDF (a background document)
    client.force_login(county.users.county)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("compensation:document_start", args=[october.pk]))
    document = PayrollDocument.objects.get()
    assert response.url == reverse("compensation:document_detail", args=[document.pk])
    assert document.status == "done" and document.progress == 100
    page = client.get(response.url)
    assert b'data-testid="document-download"' in page.content
    download = client.get(reverse("compensation:document_download", args=[document.pk]))
    content = b"".join(download.streaming_content)
    text, fonts = pdf_text(content, tmp_path)
    # Then two A4 landscape pages, each with the title and "page of pages"
    assert_titled_and_numbered(text)
    assert "张三" in text and "里耶镇" in text and "民安街道" in text
    cjk = [line for line in fonts.splitlines() if "CJK" in line or "WenQuanYi" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts
    # and the total line carries the database's gross, deductions and net
    total_line = next(line for line in text.splitlines() if f"{october.net_total:.2f}" in line)
    assert money_on(total_line)[-3:] == [totals["gross"], totals["deductions"], totals["net"]]
    # and each township's subtotal line its own net
    for township in county.townships.values():
        net = PayrollEntry.objects.filter(payroll=october, township=township).aggregate(
            net=Sum("net")
        )["net"]
        assert any(
            township.name in line and money_on(line)[-1] == net for line in text.splitlines()
        )
    # When the county downloads the xlsx
    response = client.get(reverse("compensation:payroll_xlsx", args=[october.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    people = [row for row in rows[2:] if isinstance(row[0], int)]
    total_row = rows[-1]
    # Then 42 cadres whose columns add up to the total row, which is the database's
    assert len(people) == october.cadre_count == 42
    for column in range(5, 15):
        assert sum(D(str(row[column])) for row in people) == D(str(total_row[column]))
    assert [D(str(v)) for v in total_row[-3:]] == [
        totals["gross"],
        totals["deductions"],
        totals["net"],
    ]
    assert money_on(total_line) == [D(str(v)) for v in total_row[5:]]


def rasterized(content, tmp_path, name):
    """Return the PNG bytes of each page of a PDF at 72 dpi (poppler's pdftoppm)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(path), str(tmp_path / name)], check=True)
    return [page.read_bytes() for page in sorted(tmp_path.glob(f"{name}-*.png"))]


def test_the_sheet_prints_the_same_with_the_tables_only_user_agent_stylesheet(
    county, october, tmp_path, monkeypatch
):
    import weasyprint

    from compensation import selectors
    from longshan import pdf

    # Given October's county sheet rendered whole (heading, both townships and their
    # subtotals over two pages, the total, the signatures, page numbers), as the app
    # renders it: with the user-agent stylesheet of tables only (longshan/pdf_tables_ua.css)
    entries = services._payroll_document_entries(october)
    context = selectors.sheet_context(october, entries=entries)
    tables_only = reports.payroll_pdf(context)
    # When it is rendered again with WeasyPrint's whole user-agent stylesheet
    monkeypatch.setattr(pdf, "_tables_only_html_class", lambda: weasyprint.HTML)
    whole = reports.payroll_pdf(context)
    # Then every page is the same, pixel for pixel
    pages = rasterized(tables_only, tmp_path, "tables-only")
    assert len(pages) >= 2
    assert pages == rasterized(whole, tmp_path, "whole")


def test_a_township_pdf_and_the_bank_file(county, october, client, tmp_path):
    client.force_login(county.users.official_a)
    township = county.townships["a"]
    response = client.get(
        reverse("compensation:payroll_pdf", args=[october.pk]), {"township": township.pk}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text, _fonts = pdf_text(response.content, tmp_path)
    net = PayrollEntry.objects.filter(payroll=october, township=township).aggregate(net=Sum("net"))[
        "net"
    ]
    assert f"{net:.2f}" in text
    assert "里耶镇" in text and "民安街道" not in text and re.search(r"1\s*/\s*1", text)
    # Township B's PDF is not township A's to see
    other = client.get(
        reverse("compensation:payroll_pdf", args=[october.pk]),
        {"township": county.townships["b"].pk},
    )
    assert other.status_code == 404
    # The bank file: a line per cadre paid, amounts to the fen, formulas neutralised
    response = client.get(reverse("compensation:payroll_bank_csv", args=[october.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 6
    clerk = next(row for row in rows if row[1] == "张三")
    assert clerk[2:5] == ["龙山农商银行", "6230901234567890", "2764.67"]
    assert sum(D(row[4]) for row in rows[1:]) == net
    from longshan.models import AuditEvent

    assert AuditEvent.objects.filter(action="export.payroll_bank_transfer").exists()


def test_formula_text_is_written_as_text_in_the_xlsx(county, october, client):
    client.force_login(county.users.county)
    from compensation.models import CollectiveShare

    CollectiveShare  # noqa: B018 - the adjustment reason is not on the sheet; names are
    october_entry = PayrollEntry.objects.get(payroll=october, cadre=county.cadres["b1_clerk"])
    october_entry.cadre.name = "=1+2"
    october_entry.cadre.save(update_fields=["name"])
    response = client.get(reverse("compensation:payroll_xlsx", args=[october.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[3] for row in sheet.iter_rows(values_only=True)]
    assert "'=1+2" in names


def test_a_county_pdf_part_that_fails_fails_the_document(
    county, october, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    settings.PAYROLL_PDF_PART_ROWS = 1  # a part a township
    # Given township A's part cannot be rendered (B's, the last, is rendered first)
    render_part = reports.payroll_pdf_part

    def failing(context, **options):
        if context["groups"][0]["township"] == county.townships["a"]:
            raise RuntimeError("no room left on the device")
        return render_part(context, **options)

    monkeypatch.setattr(reports, "payroll_pdf_part", failing)
    # When the county asks for the county PDF (its parts run in-process here)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        services.payroll_document_start(october, actor=county.users.county)
    # Then the document failed with the township and the reason, and no part is kept
    document = PayrollDocument.objects.get()
    assert document.status == "failed" and not document.file
    assert document.error == "里耶镇: no room left on the device"
    assert not PayrollDocumentPart.objects.exists()
    assert not list(tmp_path.rglob("*.pdf")), "the part already rendered is deleted"
    # and running it again leaves it alone
    assert services.payroll_document_run(document.pk, now=october.computed_at).status == "failed"


def test_a_county_pdf_part_of_several_townships_names_them_when_it_fails(
    county, october, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    # Given the county's 42 rows fit in one part (about 200 rows a part), which cannot be
    # rendered
    settings.PAYROLL_PDF_PART_ROWS = 200

    def failing(context, **options):
        assert [group["township"] for group in context["groups"]] == [
            county.townships["a"],
            county.townships["b"],
        ]
        raise RuntimeError("no room left on the device")

    monkeypatch.setattr(reports, "payroll_pdf_part", failing)
    # When the county asks for the county PDF
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        services.payroll_document_start(october, actor=county.users.county)
    # Then the document failed naming the part's first and last township
    document = PayrollDocument.objects.get()
    assert document.status == "failed"
    assert document.error == "里耶镇–民安街道: no room left on the device"
    assert not PayrollDocumentPart.objects.exists()


@pytest.mark.parametrize(
    ("rows", "rows_per_part", "expected"),
    [
        # Longshan: 21 townships of about 57 rows, at 200 a part: 6 parts of 3 or 4
        ([57] * 20 + [58], 200, [4, 3, 4, 3, 4, 3]),
        # a part a township when the parts are to be smaller than any township
        ([6, 36], 1, [1, 1]),
        # all in one when they fit
        ([6, 36], 200, [2]),
        # a large township is never split, and the small ones around it share parts
        ([10, 10, 300, 10, 10, 10], 100, [2, 1, 3]),
        # one township of many rows: one part
        ([900], 200, [1]),
        # nobody on the payroll: no part (the sheet is rendered whole)
        ([], 200, []),
    ],
)
def test_the_county_pdf_parts_are_runs_of_whole_townships_of_about_equal_rows(
    rows, rows_per_part, expected
):
    townships = [(f"T{n:02d}", count) for n, count in enumerate(rows)]
    groups = services.payroll_document_part_groups(townships, rows_per_part=rows_per_part)
    assert [len(group) for group in groups] == expected
    assert [township for group in groups for township in group] == townships, "in order, once"


def _split_county_pdf(county, october, capture, settings):
    """Return the county PDF split into its parts (a township each), no task of it run yet."""
    settings.PAYROLL_PDF_PART_ROWS = 1
    with capture(execute=False):
        document = services.payroll_document_start(october, actor=county.users.county)
        services.payroll_document_run(document.pk, now=october.computed_at)
    parts = list(PayrollDocumentPart.objects.filter(document=document).order_by("position"))
    assert len(parts) == 2 and all(part.status == "queued" for part in parts)
    return document, parts


def _taken_up(rows, *, ago, attempts=1):
    """Mark a document or part as taken up by a worker `ago` (a timedelta) before now."""
    rows.update(status="running", started_at=timezone.now() - ago, attempts=attempts)


def test_a_county_pdf_part_whose_worker_was_lost_is_rendered_again(
    county, october, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    document, (part_a, part_b) = _split_county_pdf(
        county, october, django_capture_on_commit_callbacks, settings
    )
    # Given township A's part taken up by a worker that was then killed an hour ago
    _taken_up(PayrollDocumentPart.objects.filter(pk=part_a.pk), ago=datetime.timedelta(hours=1))
    # and B's taken up a moment ago by a worker still rendering it
    _taken_up(PayrollDocumentPart.objects.filter(pk=part_b.pk), ago=datetime.timedelta(seconds=5))
    now = timezone.now()
    # When B's task is delivered again, it is busy: its task will look again later
    with pytest.raises(services.DocumentBusyError):
        services.payroll_document_part_run(part_b.pk, now=now)
    # and the task says so to Celery (a retry after the render would have been stopped)
    with pytest.raises(Retry) as retried:
        tasks.payroll_document_part_task.apply(args=(part_b.pk,))
    assert retried.value.when == settings.DOCUMENT_TASK_SOFT_TIME_LIMIT + 90
    # When A's task is delivered again, A is rendered anew
    assert services.payroll_document_part_run(part_a.pk, now=now).status == "done"
    part_a.refresh_from_db()
    assert (part_a.status, part_a.attempts, part_a.started_at) == ("done", 2, now)
    # and once B's worker finishes (here: B lost too, taken up again), the PDF is merged
    later = now + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.payroll_document_part_run(part_b.pk, now=later)
    document.refresh_from_db()
    assert document.status == "done", document.error
    assert not PayrollDocumentPart.objects.exists()


def test_a_county_pdf_part_lost_on_its_last_attempt_fails_the_document(
    county, october, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    document, (part_a, _part_b) = _split_county_pdf(
        county, october, django_capture_on_commit_callbacks, settings
    )
    # Given township A's part lost its worker on each of its attempts
    _taken_up(
        PayrollDocumentPart.objects.filter(pk=part_a.pk),
        ago=datetime.timedelta(hours=1),
        attempts=services.DOCUMENT_RENDER_ATTEMPTS,
    )
    # When its task comes back once more, the document fails with the township and why
    services.payroll_document_part_run(part_a.pk, now=timezone.now())
    document.refresh_from_db()
    assert document.status == "failed" and document.error.startswith("里耶镇: ")
    assert not PayrollDocumentPart.objects.exists()


def test_a_township_pdf_whose_worker_was_lost_is_rendered_again(
    county, october, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=False):
        document = services.payroll_document_start(
            october, actor=county.users.county, township=county.townships["a"]
        )
    # Given its worker took it up and is still at it, a second delivery is busy
    documents = PayrollDocument.objects.filter(pk=document.pk)
    _taken_up(documents, ago=datetime.timedelta(seconds=5))
    now = timezone.now()
    with pytest.raises(services.DocumentBusyError):
        services.payroll_document_run(document.pk, now=now)
    # When that worker was lost, the next delivery renders it
    later = now + datetime.timedelta(hours=1)
    assert services.payroll_document_run(document.pk, now=later).status == "done"
    # and a document lost on its last attempt fails, saying so
    _taken_up(documents, ago=datetime.timedelta(0), attempts=services.DOCUMENT_RENDER_ATTEMPTS)
    failed = services.payroll_document_run(document.pk, now=later)
    assert failed.status == "failed" and failed.error


def test_a_done_county_pdf_is_left_alone(
    county, october, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    # Given the county PDF rendered in parts and merged
    with django_capture_on_commit_callbacks(execute=True):
        document = services.payroll_document_start(october, actor=county.users.county)
    document.refresh_from_db()
    assert document.status == "done" and not PayrollDocumentPart.objects.exists()
    name = document.file.name
    # When its task, a part's or the merge is delivered again
    for again in (services.payroll_document_run, services.payroll_document_merge):
        assert again(document.pk, now=october.computed_at).file.name == name
    # Then it is still done with the same file, the only PDF stored
    document.refresh_from_db()
    assert (document.status, document.file.name) == ("done", name)
    assert [path.name for path in tmp_path.rglob("*.pdf")] == [name.rsplit("/", 1)[-1]]


def test_beat_sends_again_the_pdfs_whose_worker_fell_silent(
    county, october, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    hour = datetime.timedelta(hours=1)
    document, (part_a, part_b) = _split_county_pdf(
        county, october, django_capture_on_commit_callbacks, settings
    )
    # Given township A's part taken up an hour ago by a worker that then fell silent (its
    # message lost with it), and B's taken up a moment ago by a worker still at it
    _taken_up(PayrollDocumentPart.objects.filter(pk=part_a.pk), ago=hour)
    _taken_up(PayrollDocumentPart.objects.filter(pk=part_b.pk), ago=datetime.timedelta(seconds=5))
    # and a township's PDF lost the same way on its last attempt, another still queued
    with django_capture_on_commit_callbacks(execute=False):
        township = county.townships["a"]
        lost, queued = (
            services.payroll_document_start(october, actor=county.users.county, township=township)
            for _n in range(2)
        )
    _taken_up(
        PayrollDocument.objects.filter(pk=lost.pk),
        ago=hour,
        attempts=services.DOCUMENT_RENDER_ATTEMPTS,
    )
    # When beat looks (the tasks it sends run in-process here)
    sent = tasks.resend_lost_documents_task.apply().get()
    # Then A's task came again and rendered A; B is left to its worker
    assert sent == {"documents": 1, "parts": 1, "merges": 0}
    statuses = dict(PayrollDocumentPart.objects.values_list("pk", "status"))
    assert (statuses[part_a.pk], statuses[part_b.pk]) == ("done", "running")
    # and the township's PDF failed, saying why; the queued one is left to the broker
    lost.refresh_from_db()
    assert lost.status == "failed" and lost.error == services._render_lost_message()
    assert PayrollDocument.objects.get(pk=queued.pk).status == "queued"
    # When B's worker falls silent too, the next look renders B, and the merge follows
    _taken_up(PayrollDocumentPart.objects.filter(pk=part_b.pk), ago=hour)
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.payroll_documents_resend(now=timezone.now())
    assert sent == {"documents": 0, "parts": 1, "merges": 0}
    document.refresh_from_db()
    assert document.status == "done", document.error
    assert not PayrollDocumentPart.objects.exists()
    # and nothing more is sent once every PDF is done, failed or queued
    assert set(services.payroll_documents_resend(now=timezone.now()).values()) == {0}
    entry = settings.CELERY_BEAT_SCHEDULE["compensation-resend-lost-documents"]
    assert entry["task"] == tasks.resend_lost_documents_task.name


def test_beat_sends_again_the_merge_of_a_county_pdf_whose_parts_are_all_done(
    county, october, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    document, parts = _split_county_pdf(
        county, october, django_capture_on_commit_callbacks, settings
    )
    # Given every part rendered, and the merge they sent lost (never run here)
    with django_capture_on_commit_callbacks(execute=False):
        for part in parts:
            services.payroll_document_part_run(part.pk, now=timezone.now())
    documents = PayrollDocument.objects.filter(pk=document.pk, status="running")
    # and nothing for the merge to do while the document is within the render limit
    documents.update(started_at=timezone.now())
    assert set(services.payroll_documents_resend(now=timezone.now()).values()) == {0}
    # When beat looks once the document is past the limit, the merge is sent again and runs
    documents.update(started_at=timezone.now() - datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.payroll_documents_resend(now=timezone.now())
    assert sent == {"documents": 0, "parts": 0, "merges": 1}
    document.refresh_from_db()
    assert document.status == "done" and document.file
    assert not PayrollDocumentPart.objects.exists()
