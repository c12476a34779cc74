"""Documents of full-time duty: the township leave ledger as PDF (§4.3).

A township's month is a few dozen rows, so the view renders it at once; a county-wide
ledger would belong in a background job (longshan.models.Job).
"""

from longshan.pdf import render_pdf

from . import selectors


def leave_ledger_pdf(township, *, year, month, all_posts=False):
    """Return the PDF bytes of a township's leave ledger of a month."""
    context = selectors.ledger_context(township, year=year, month=month, all_posts=all_posts)
    return render_pdf("attendance/ledger_pdf.html", context)


def leave_ledger_filename(township, *, year, month):
    return f"leave-ledger-{township.code}-{year}-{month:02d}.pdf"
