"""Payroll documents (§8.2, §9.2): the sheet as PDF (WeasyPrint) and xlsx, and the bank
transfer file (CSV). All three are built from `selectors.sheet_context`, so their
figures are the database's to the fen.

Text is always written as text: a cell that starts with = + - or @ would otherwise be
taken for a formula by a spreadsheet (formula injection).
"""

import csv
import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from longshan.pdf import merge_pdfs, render_pdf
from longshan.spreadsheets import neutralise

MONEY_FORMAT = "#,##0.00"


def column_headers():
    return [
        _("Base pay"),
        _("Rank pay"),
        _("Performance pay"),
        _("Team reward"),
        _("Deductions and unpaid days"),
        _("Insurance subsidy"),
        _("Other"),
        _("Gross pay"),
        _("Withheld"),
        _("Net pay"),
    ]


def sheet_title(context):
    month = context["payroll"].month.strftime("%Y-%m")
    unit = context["township"].name if context["township"] else _("Longshan County")
    return _("%(unit)s village cadres' pay, %(month)s") % {"unit": unit, "month": month}


def payroll_pdf(context, *, language=None):
    """Return the PDF bytes of a payroll sheet (A4 landscape, header on every page)."""
    return payroll_pdf_part(context, first=True, last=True, numbered=True, language=language)


def payroll_pdf_part(context, *, first, last, numbered=False, language=None):
    """Return the PDF bytes of part of a payroll sheet: the heading only on the `first`
    part, the total and signatures only on the `last`, page numbers only when `numbered`
    (a merged sheet gets them from `payroll_pdf_merge`)."""
    with translation.override(language or translation.get_language()):
        return render_pdf(
            "compensation/payroll_pdf.html",
            {
                **context,
                "title": sheet_title(context),
                "headers": column_headers(),
                "first_part": first,
                "last_part": last,
                "numbered": numbered,
            },
            tables_only=True,
        )


# The sheet's bottom page margin (payroll_pdf.html), where the merged pages are numbered.
PAGE_FOOT_MM = 14


def payroll_pdf_merge(parts):
    """Return one PDF of the parts (bytes or binary files, in order), its pages numbered
    "n / total" where a sheet rendered whole has them."""
    return merge_pdfs(parts, number_pages=True, foot_mm=PAGE_FOOT_MM)


def _append(sheet, values, *, bold=False):
    sheet.append([neutralise(value) for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
        elif cell.value is not None and not isinstance(cell.value, int):
            cell.number_format = MONEY_FORMAT
        if bold:
            cell.font = Font(bold=True)


def payroll_xlsx(context):
    """Return the payroll sheet as xlsx bytes: the PDF's rows, subtotals and total."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = context["payroll"].month.strftime("%Y-%m")
    _append(sheet, [sheet_title(context)], bold=True)
    header = [_("No."), _("Township"), _("Village or community"), _("Name"), _("Post")]
    _append(sheet, header + column_headers(), bold=True)
    for group in context["groups"]:
        for row in group["rows"]:
            entry = row["entry"]
            _append(
                sheet,
                [
                    row["number"],
                    group["township"].name,
                    entry.village.name,
                    entry.cadre.name,
                    str(entry.get_post_display()),
                    *row["money_list"],
                ],
            )
        _append(
            sheet,
            ["", group["township"].name, _("Subtotal"), "", "", *group["subtotal_list"]],
            bold=True,
        )
    _append(sheet, ["", "", _("Total"), "", "", *context["total_list"]], bold=True)
    for letter, width in zip("ABCDEFGHIJKLMNO", [6, 14, 16, 10, 12] + [12] * 10, strict=False):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def bank_transfer_csv(context):
    """Return the bank transfer file: one line per cadre with pay to transfer (UTF-8 BOM,
    so that Excel reads the Chinese names)."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([_("No."), _("Name"), _("Bank"), _("Account number"), _("Amount"), _("Month")])
    month = context["payroll"].month.strftime("%Y-%m")
    number = 0
    for group in context["groups"]:
        for row in group["rows"]:
            entry = row["entry"]
            if entry.net <= 0:
                continue
            account = getattr(entry.cadre, "bank_account", None)
            number += 1
            writer.writerow(
                [
                    number,
                    neutralise(entry.cadre.name),
                    neutralise(account.bank if account else ""),
                    neutralise(account.account_number if account else ""),
                    f"{entry.net:.2f}",
                    month,
                ]
            )
    return "\ufeff" + output.getvalue()


def filename(context, extension):
    unit = context["township"].code if context["township"] else "county"
    return f"payroll-{unit}-{context['payroll'].month:%Y-%m}.{extension}"
