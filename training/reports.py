"""Spreadsheets of training: the compliance export and a blank attendance sheet.

Text is always written as text: a cell whose value starts with = + - @, a tab or a
carriage return would otherwise be taken for a formula by a spreadsheet (formula
injection). ID numbers are masked unless the reader may see them (longshan.privacy).
"""

import io
from decimal import Decimal

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from longshan import privacy
from longshan.spreadsheets import keep_as_text

from . import rules


def _append(sheet, values, *, bold=False):
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        keep_as_text(cell)
        if bold:
            cell.font = Font(bold=True)


def _workbook_bytes(title, header, rows, *, widths):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    _append(sheet, header, bold=True)
    for row in rows:
        _append(sheet, row)
    for letter, width in zip("ABCDEFGHIJ", widths, strict=False):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def compliance_columns():
    """Return the headers of the compliance table, the same on the page and in the file."""
    return [
        _("Township"),
        _("Village or community"),
        _("Name"),
        _("Post"),
        _("Days at county level or above"),
        _("Minimum"),
        _("Days short"),
    ]


def compliance_table(cadres, *, minimum):
    """Return the rows of the compliance table for cadres annotated with `training_days`."""
    minimum = Decimal(minimum).quantize(rules.ONE_DECIMAL)
    return [
        [
            cadre.village.township.name,
            cadre.village.name,
            cadre.name,
            str(cadre.get_post_display()),
            Decimal(cadre.training_days).quantize(rules.ONE_DECIMAL),
            minimum,
            rules.training_shortfall(cadre.training_days, minimum=minimum),
        ]
        for cadre in cadres
    ]


def compliance_xlsx(rows, *, year):
    """Return the compliance table as xlsx bytes: the same columns and rows as the page."""
    return _workbook_bytes(
        _("Training %(year)s") % {"year": year},
        compliance_columns(),
        rows,
        widths=[14, 16, 10, 12, 16, 10, 10],
    )


def attendance_sheet_xlsx(cadres, *, reveal_personal=False):
    """Return an attendance sheet to fill in: cadres with an empty days column.

    The headers are the sheet format's own (Chinese) names, which the import also reads.
    Without `reveal_personal` the ID numbers are masked, and the sheet cannot be imported
    back as it is: the import matches cadres by full ID number.
    """

    def id_number(cadre):
        return cadre.id_number if reveal_personal else privacy.mask_id_number(cadre.id_number)

    return _workbook_bytes(
        _("Attendance"),
        ["身份证号", "姓名", "天数"],
        [[id_number(cadre), cadre.name, None] for cadre in cadres],
        widths=[22, 12, 8],
    )
