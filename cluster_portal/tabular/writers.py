"""The one formula-safe CSV/XLSX writer: every spreadsheet file the portal writes goes through here.

A spreadsheet runs a text cell beginning with ``=``, ``+``, ``-``, ``@``, tab or CR
as a formula (``=HYPERLINK(...)``, ``+cmd|...``), so such text gets an apostrophe in
front; the import reader (``files.py``) removes exactly that prefix again, so an
export imports back unchanged. Only text is escaped: numbers stay numbers (``-5``
as an int is written as ``-5``).

Used by the import/export engine (``files.write``: data pages, admin, ``export_data``)
and by the public open-data downloads (``public/export.py``), which stream
:func:`csv_lines` row by row.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator

from django.utils.functional import Promise

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"
LINE_TERMINATOR = "\r\n"


def escape_formula(value):
    """Text a spreadsheet would evaluate (=, +, -, @, tab, CR first) gets an apostrophe in front."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_formula(value):
    """The reverse of :func:`escape_formula`, for cells read from CSV and XLSX."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value.startswith(FORMULA_PREFIXES, 1):
        return value[1:]
    return value


def _text(value):
    """Lazy translations as text, lists as one ``;``-separated text cell; other values unchanged."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(str(item) for item in value)
    return value


def csv_cell(value):
    """One CSV cell: empty for None, 1/0 for booleans, ISO dates, escaped text, numbers as they are."""
    value = _text(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return escape_formula(value)


class _Echo:
    """A file-like object whose ``write`` returns the text, so ``csv.writer`` yields lines."""

    def write(self, value):
        return value


def csv_lines(headers: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """The header line, then one CSV record per row, lazily (for streaming responses)."""
    writer = csv.writer(_Echo(), lineterminator=LINE_TERMINATOR)
    yield writer.writerow([csv_cell(header) for header in headers])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_text(headers: Iterable, rows: Iterable[Iterable]) -> str:
    """The whole CSV as one text (the caller encodes it)."""
    buffer = io.StringIO()
    buffer.writelines(csv_lines(headers, rows))
    return buffer.getvalue()


def xlsx_bytes(headers: Iterable, rows: Iterable[Iterable]) -> bytes:
    """An XLSX workbook of one sheet: escaped text, numbers as numbers, dates as dates (yyyy-mm-dd)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def xlsx_cell(value):
        value = _text(value)
        if isinstance(value, datetime.datetime):
            value = value.replace(tzinfo=None)
        if isinstance(value, (datetime.date, datetime.datetime)):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        if isinstance(value, bool):
            return 1 if value else 0
        if isinstance(value, str):
            return escape_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
        return value

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([xlsx_cell(header) for header in headers])
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
