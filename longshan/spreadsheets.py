"""What every spreadsheet the portal writes shares: no cell ever runs as a formula.

A text that starts with = + - @, a tab or a carriage return would be read by Excel or
LibreOffice as a formula (OWASP CSV injection). In csv such a text gets a leading
apostrophe (`neutralise`); in xlsx its cell is typed as text and quote-prefixed
(`keep_as_text`), so it stays text also when the user edits it.
"""

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return a cell value that can never run as a formula: a formula-like text gets an
    apostrophe in front; anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def keep_as_text(cell):
    """Type an openpyxl cell holding text as text, quote-prefixed when it looks like a
    formula; a cell holding anything else is left alone."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
