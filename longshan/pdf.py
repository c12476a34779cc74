"""Render an HTML template to PDF with WeasyPrint (DESIGN.md, "Documents in three steps").

A selector builds the context; this module turns template and context into PDF bytes.
The URL fetcher serves only the project's static files and `data:` URLs, so a document
can never make the server read another file or reach the network. Chinese text needs a
CJK font: the print stylesheet names "Noto Sans CJK SC" then "WenQuanYi Micro Hei".
"""

import logging
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


def html_to_pdf(html, *, refused=None):
    """Return the PDF bytes of an HTML document, fetching only static files and data: URLs."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    fetcher = static_only_url_fetcher(refused)
    try:
        return HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    except FatalURLFetchingError as error:
        # WeasyPrint's error is a BaseException, which would get past Django's handler.
        raise DocumentResourceError(str(error)) from error


def render_pdf(template_name, context, *, refused=None):
    """Return the PDF bytes of an HTML template rendered with a context."""
    html = render_to_string(
        template_name, {**context, "pdf_font_family": CJK_FONT_FAMILY, "pdf": True}
    )
    return html_to_pdf(html, refused=refused)
