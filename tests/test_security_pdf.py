"""Documents fetch nothing but the portal's own static files (issue 11, DESIGN "Documents").

A loopback HTTP server stands in for the cloud metadata address and any intranet host:
it must receive no request while a PDF is rendered.
"""

import http.server
import logging
import shutil
import subprocess
import threading

import pytest
from django.urls import reverse

from cadres.models import Cadre, Township, Village
from longshan import pdf

from . import test_attendance_leave as leave_tests


@pytest.fixture
def loopback_server():
    """An HTTP server on 127.0.0.1 that records every request it receives."""
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


HOSTILE_SNIPPETS = {
    "image of a local file": '<img src="file:///etc/passwd">',
    "image of the metadata address": '<img src="http://169.254.169.254/latest/meta-data/">',
    "image of a loopback host": '<img src="{base}/latest/meta-data/">',
    "stylesheet of a loopback host": '<link rel="stylesheet" href="{base}/style.css">',
    "@import of a loopback host": '<style>@import url("{base}/imported.css");</style>',
    "css url() of a loopback host": '<style>body {{ background: url("{base}/b.png"); }}</style>',
    "css url() of a local file": '<style>h1 {{ background: url("file:///etc/hostname"); }}</style>',
    "path out of the static files": '<img src="/static/../../longshan/settings.py">',
    "absolute path outside /static/": '<img src="/accounts/login/">',
}


@pytest.mark.parametrize("snippet", HOSTILE_SNIPPETS.values(), ids=HOSTILE_SNIPPETS.keys())
def test_a_document_asking_for_a_file_or_a_host_gets_nothing(loopback_server, snippet):
    # Given a document that asks for a local file, the metadata address or a loopback host
    base, received = loopback_server
    html = f"<html><head>{snippet.format(base=base)}</head><body><h1>彭国华</h1></body></html>"
    refused = []

    # When it is rendered, then the renderer refuses (a document never half-prints)
    with pytest.raises(pdf.DocumentResourceError):
        pdf.html_to_pdf(html, refused=refused)

    # And the fetcher recorded the refusal, and no request left the renderer
    assert len(refused) == 1
    assert received == []


def test_the_portal_static_files_and_data_urls_are_read(loopback_server):
    base, received = loopback_server
    refused = []
    html = """<html><head><link rel="stylesheet" href="/static/css/portal.css"></head>
      <body><h1>彭国华</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></body></html>"""
    assert pdf.html_to_pdf(html, refused=refused).startswith(b"%PDF")
    assert refused == []


def test_markup_in_a_cadres_name_is_printed_not_fetched(county, client, loopback_server, caplog):
    # Given a secretary, village and township whose names carry image tags
    base, received = loopback_server
    leave_tests.make_ledger(county)
    secretary = county.cadres["a1_secretary"]
    Cadre.objects.filter(pk=secretary.pk).update(name='<img src="file:///etc/passwd">')
    Village.objects.filter(pk=secretary.village_id).update(name=f'<img src="{base}/m">')
    Township.objects.filter(pk=county.townships["a"].pk).update(
        name="<img src=http://169.254.169.254/latest/meta-data/>"
    )
    client.force_login(county.users.official_a)

    # When the township's leave ledger is printed
    with caplog.at_level(logging.WARNING, logger="longshan.pdf"):
        response = client.get(
            reverse("attendance:ledger_pdf", args=[county.townships["a"].pk]),
            {"month": "2026-11"},
        )

    # Then the PDF holds the names as text, and nothing was fetched or even tried
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert received == []
    assert [r.getMessage() for r in caplog.records if r.name == "longshan.pdf"] == []
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "<img src=http://169.254.169.254/latest/meta-data/>" in text


def test_the_workers_warm_up_asks_for_the_cjk_fonts_by_name(caplog):
    # Given the warm-up a Celery worker renders when it starts (longshan/celery.py)
    # When it renders, then WeasyPrint reads its style whole (the family names' quotes
    # once closed the style attribute: "Ignored `font-family: `")
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf.warm_up()
    assert [record.getMessage() for record in caplog.records] == []


def test_a_tables_only_document_gets_the_user_agent_rules_of_tables_alone(tmp_path):
    # Given a list, which the user-agent stylesheet of tables only has no rule for
    html = "<body><ul><li>第一项</li></ul><table><tr><td>单元格</td></tr></table></body>"
    texts = {}
    for tables_only in (False, True):
        # When it is rendered with WeasyPrint's whole stylesheet, then with tables only
        path = tmp_path / f"{tables_only}.pdf"
        path.write_bytes(pdf.html_to_pdf(html, tables_only=tables_only))
        texts[tables_only] = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    # Then only the whole one draws the list's bullet: WeasyPrint still asks the overridden
    # `_ua_stylesheets` (a private method) for its user-agent stylesheet
    assert "•" in texts[False] and "第一项" in texts[False]
    assert "•" not in texts[True] and "第一项" in texts[True] and "单元格" in texts[True]
