"""The dashboards' xlsx: one sheet per table, the same rows and figures as the page.

Text is always written as text: a cell that starts with = + - @, a tab or a carriage
return would otherwise be taken for a formula by a spreadsheet (formula injection).
"""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from longshan.spreadsheets import keep_as_text

NUMBER_FORMATS = {"money": "#,##0.00", "percent": "0.0%", "score": "0.00"}
INVALID_SHEET_CHARACTERS = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _append(sheet, values, *, kinds=None, bold=False):
    sheet.append(list(values))
    for index, cell in enumerate(sheet[sheet.max_row]):
        if isinstance(cell.value, str):
            keep_as_text(cell)
        elif kinds and index < len(kinds) and kinds[index] in NUMBER_FORMATS:
            cell.number_format = NUMBER_FORMATS[kinds[index]]
        if bold:
            cell.font = Font(bold=True)


def dashboard_xlsx(title, tables):
    """Return the bytes of a workbook with one sheet per table."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used = set()
    for table in tables:
        name = str(table.title).translate(INVALID_SHEET_CHARACTERS)[:28]
        while name in used:
            name = name[:26] + f"_{len(used)}"
        used.add(name)
        sheet = workbook.create_sheet(name)
        _append(sheet, [title], bold=True)
        _append(sheet, [str(table.title)], bold=True)
        header = ([_("Rank")] if table.ranked else []) + [str(table.unit_label)]
        header += [str(column.label) for column in table.columns]
        _append(sheet, header, bold=True)
        kinds = (["int"] if table.ranked else []) + ["text"]
        kinds += [column.kind for column in table.columns]
        for row in table.rows:
            rank = [row.rank] if table.ranked else []
            _append(sheet, rank + [row.label] + row.values, kinds=kinds)
        if table.total is not None:
            _append(sheet, [_("Total")] + table.total, kinds=["text"] + kinds[1:], bold=True)
        if table.note:
            _append(sheet, [str(table.note)])
        sheet.column_dimensions["A"].width = 24
        sheet.freeze_panes = "B4"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
