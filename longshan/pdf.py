"""Render an HTML template to PDF with WeasyPrint (DESIGN.md, "Documents in three steps").

A selector builds the context; this module turns template and context into PDF bytes.
The URL fetcher serves only the project's static files and `data:` URLs, so a document
can never make the server read another file or reach the network. Chinese text needs a
CJK font: the print stylesheet names "Noto Sans CJK SC" then "WenQuanYi Micro Hei".

A long document is rendered in parts (runs of whole townships, by parallel workers) and
joined with `merge_pdfs`, which numbers the joined pages: no part can know the total.
"""

import contextlib
import functools
import gc
import io
import logging
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

# Relative and /static/ URLs of a document resolve against this base; no server answers it.
BASE_URL = "https://static.longshan.invalid/"
CJK_FONT_FAMILY = '"Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'

logger = logging.getLogger(__name__)


class DocumentResourceError(ValueError):
    """A document asked for a resource outside the project's static files."""


def static_file_path(url):
    """Return the file of a portal static URL, or raise DocumentResourceError."""
    parts = urlsplit(url)
    base = urlsplit(BASE_URL)
    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc) or not parts.path.startswith(
        static_prefix
    ):
        raise DocumentResourceError(f"not a static file of the portal: {url}")
    relative = unquote(parts.path.removeprefix(static_prefix))
    if ".." in relative.split("/"):
        raise DocumentResourceError(f"not a static file of the portal: {url}")
    path = finders.find(relative)
    if not path:
        raise DocumentResourceError(f"no such static file: {relative}")
    return path


def static_only_url_fetcher(refused=None):
    """Return a WeasyPrint URL fetcher for static files and data: URLs only.

    Every other URL (file:, http:, a path out of the static files) is refused, logged,
    and appended to `refused` when a list is given.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            try:
                path = static_file_path(url)
            except DocumentResourceError:
                logger.warning("PDF: refused to fetch %s", url[:200])
                if refused is not None:
                    refused.append(url)
                raise
            with open(path, "rb") as handle:
                return URLFetcherResponse(url, handle.read())

    return StaticOnlyURLFetcher(fail_on_errors=True)


@contextlib.contextmanager
def collection_paused():
    """Pause Python's cyclic garbage collector for a render, then collect what it left.

    WeasyPrint builds tens of thousands of boxes; the collections they trigger scan the
    growing tree again and again and cost about a fifth of a render (cProfile, issue 10).
    Everything the render made is still in the youngest generation afterwards, so one
    collection of that generation frees it without scanning the rest of the process
    (a full collection costs about 0.2 s in a worker).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)


# The user-agent stylesheet of a document made only of headings, paragraphs, divisions and
# tables (pdf_tables_ua.css: WeasyPrint's own, less the rules for every other element).
TABLES_ONLY_UA = Path(__file__).with_name("pdf_tables_ua.css")


@functools.cache
def _tables_only_html_class():
    """Return a WeasyPrint HTML class whose user-agent stylesheet is TABLES_ONLY_UA.

    WeasyPrint has no public setting for its user-agent stylesheet; `_ua_stylesheets` is
    the one method that gives it, overridden here (tests/test_security_pdf.py fails if a
    later WeasyPrint stops calling it).
    """
    from weasyprint import CSS, HTML

    stylesheet = CSS(filename=str(TABLES_ONLY_UA))

    class TablesOnlyHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [stylesheet]

    return TablesOnlyHTML


def html_to_pdf(html, *, refused=None, tables_only=False):
    """Return the PDF bytes of an HTML document, fetching only static files and data: URLs.

    `tables_only` is for a document of headings, paragraphs, divisions and tables alone
    (the payroll sheet): WeasyPrint then matches its elements against the few user-agent
    rules for those instead of all 250 (a tenth of the county sheet's render, issue 10).
    """
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    document_class = _tables_only_html_class() if tables_only else HTML
    fetcher = static_only_url_fetcher(refused)
    try:
        with collection_paused():
            return document_class(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as error:
        # WeasyPrint's error is a BaseException, which would get past Django's handler.
        raise DocumentResourceError(str(error)) from error


def render_pdf(template_name, context, *, refused=None, tables_only=False):
    """Return the PDF bytes of an HTML template rendered with a context."""
    html = render_to_string(
        template_name, {**context, "pdf_font_family": CJK_FONT_FAMILY, "pdf": True}
    )
    return html_to_pdf(html, refused=refused, tables_only=tables_only)


def warm_up():
    """Render a line of Chinese once, so that WeasyPrint's modules, stylesheets and fonts
    are loaded (about two seconds the first time in a process)."""
    # The family names are in double quotes: the attribute is in single ones.
    html_to_pdf(f"<p style='font-family: {CJK_FONT_FAMILY}'>龙山县 0123456789</p>")


# Helvetica's widths (thousandths of the size) of what a page number is made of: it is
# one of the 14 fonts every PDF reader has, so the stamp embeds no font.
HELVETICA_WIDTHS = {**dict.fromkeys("0123456789", 556), " ": 278, "/": 278}
MM = 72 / 25.4


def merge_pdfs(parts, *, number_pages=False, font_size=8, foot_mm=14):
    """Return one PDF of the parts' pages in order (each part PDF bytes or a binary file).

    With `number_pages`, stamp "n / total" centred in the bottom `foot_mm` of every page,
    where a document rendered whole has its CSS `counter(page) " / " counter(pages)`.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part) if isinstance(part, bytes) else part))
    if number_pages:
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
        total = len(writer.pages)
        for number, page in enumerate(writer.pages, start=1):
            _stamp(page, f"{number} / {total}", font, font_size=font_size, foot_mm=foot_mm)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _stamp(page, text, font, *, font_size, foot_mm):
    """Draw `text` centred at the foot of a page, after its own content (kept in q … Q)."""
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    box = page.mediabox
    width = sum(HELVETICA_WIDTHS[character] for character in text) * font_size / 1000
    x = float(box.left) + (float(box.width) - width) / 2
    y = float(box.bottom) + foot_mm * MM / 2 - font_size * 0.35
    resources = page.setdefault(NameObject("/Resources"), DictionaryObject()).get_object()
    fonts = resources.setdefault(NameObject("/Font"), DictionaryObject()).get_object()
    fonts[NameObject("/FPageNumber")] = font
    stamp = f"BT /FPageNumber {font_size} Tf {x:.2f} {y:.2f} Td ({text}) Tj ET".encode()
    content = DecodedStreamObject()
    content.set_data(b"q\n" + page.get_contents().get_data() + b"\nQ\n" + stamp)
    page.replace_contents(content)
    page.compress_content_streams()
