"""Attendance sheets (POLICY §6.1): read an uploaded xlsx or csv into rows to check.

Columns: resident ID number, name, days, with a header row in Chinese or English. The
file's size and type are checked before it is parsed, and parsing stops at MAX_ROWS.

Why plain openpyxl and csv rather than a django-import-export Resource: a Resource saves
row by row and reports our checks (name against the roster, the importer's scope,
duplicates within the file) either as tracebacks or as model-validation errors without
the spreadsheet's row numbers, and one audit event for the file would mean overriding
most of its hooks. Its XLSX reader also loads the whole sheet with no cap on rows, so a
small zip-compressed file could exhaust memory. Reading the three columns here is short;
the checks are pure functions (`rules.check_attendance_sheet`) and the save is one service
call in one transaction (`services.attendance_sheet_import`).
"""

import csv
import io
import zipfile

from django.utils.translation import gettext as _

from .rules import SheetRow

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a county-wide sheet of 1,200 rows is about 60 KB
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024  # of all the parts of an xlsx together
MAX_ROWS = 5000
XLSX_MAGIC = b"PK\x03\x04"
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # Excel in China saves csv as GBK

# Accepted headers, compared without spaces and case.
HEADERS = {
    "id_number": {
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "居民身份证号码",
        "residentidnumber",
        "idnumber",
    },
    "name": {"姓名", "name"},
    "days": {"天数", "培训天数", "参训天数", "参加天数", "days", "daysattended"},
}


class SheetFileError(Exception):
    """The uploaded file cannot be read as an attendance sheet; `message` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _header_key(cell):
    return "".join(str(cell or "").split()).lower().replace("_", "")


def _columns(header):
    """Return {column kind: index} from a header row, or raise SheetFileError."""
    columns = {}
    for index, cell in enumerate(header):
        key = _header_key(cell)
        for kind, names in HEADERS.items():
            if key in names and kind not in columns:
                columns[kind] = index
    missing = [kind for kind in HEADERS if kind not in columns]
    if missing:
        raise SheetFileError(
            _(
                "The first row must name the columns 身份证号 (resident ID number), 姓名 (name) "
                "and 天数 (days)."
            )
        )
    return columns


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(raw_rows):
    """Turn raw rows (the header first) into SheetRows numbered as the spreadsheet does."""
    rows = []
    columns = None
    for row_number, raw in enumerate(raw_rows, start=1):
        cells = list(raw or ())
        if not any(_cell_text(cell) for cell in cells):
            continue
        if columns is None:
            columns = _columns(cells)
            continue
        if len(rows) >= MAX_ROWS:
            raise SheetFileError(
                _("A sheet may have at most %(rows)s rows of cadres.") % {"rows": MAX_ROWS}
            )

        id_number, name, days = (
            cells[columns[kind]] if columns[kind] < len(cells) else None for kind in HEADERS
        )
        rows.append(
            SheetRow(
                row_number=row_number,
                id_number=_cell_text(id_number),
                name=_cell_text(name),
                days=days.strip() if isinstance(days, str) else days,
            )
        )
    if columns is None:
        raise SheetFileError(_("The file is empty."))
    if not rows:
        raise SheetFileError(_("The sheet has no rows of cadres."))
    return rows


def _read_xlsx(content):
    from openpyxl import load_workbook

    if not content.startswith(XLSX_MAGIC):
        raise SheetFileError(_("This is not an xlsx file."))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(part.file_size for part in archive.infolist()) > MAX_UNCOMPRESSED_BYTES:
                raise SheetFileError(_("The xlsx file is too large once unpacked."))
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except SheetFileError:
        raise
    except Exception:  # noqa: BLE001 - any parse failure means the same to the user
        raise SheetFileError(_("The xlsx file cannot be read.")) from None
    try:
        sheet = workbook.worksheets[0]
        # Read a few more rows than allowed, so that _rows can say the sheet is too long.
        return _rows(sheet.iter_rows(max_row=MAX_ROWS + 50, max_col=20, values_only=True))
    finally:
        workbook.close()


def _read_csv(content):
    if b"\x00" in content:
        raise SheetFileError(_("This is not a csv text file."))
    for encoding in CSV_ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetFileError(_("The csv file is neither UTF-8 nor GB18030 text."))
    try:
        return _rows(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise SheetFileError(_("The csv file cannot be read.")) from None


def read_attendance_sheet(uploaded_file):
    """Return the rows of an uploaded attendance sheet (xlsx or csv), or raise SheetFileError."""
    name = (uploaded_file.name or "").lower()
    if uploaded_file.size > MAX_UPLOAD_BYTES:
        raise SheetFileError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    if not name.endswith((".xlsx", ".csv")):
        raise SheetFileError(_("Upload an xlsx or csv file."))
    content = uploaded_file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise SheetFileError(
            _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // 1024 // 1024}
        )
    if name.endswith(".xlsx"):
        return _read_xlsx(content)
    return _read_csv(content)
