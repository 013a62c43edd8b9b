"""The one formula-safe CSV/XLSX writer: every spreadsheet file the portal writes goes through here.

A spreadsheet runs a text cell beginning with ``=``, ``+``, ``-``, ``@``, tab or CR
as a formula (``=HYPERLINK(...)``, ``+cmd|...``). The two formats are protected differently:

- **XLSX** has cell types: such text is written as an explicit string cell (``t="s"``,
  never a formula) with the ``quotePrefix`` style, the flag Excel and LibreOffice set
  themselves when someone types ``'=1+1``. Both show the text exactly as typed, with no
  apostrophe, and keep it text when the cell is edited. Nothing is added to the value, so
  the import reads it as it is.
- **CSV** has no types: every spreadsheet decides what a cell is. OWASP's recommendation
  (CSV injection) is followed: such text gets an apostrophe in front, which every
  spreadsheet reads as "text"; Excel and LibreOffice show that apostrophe in a CSV. The
  import reader (``files.py``) removes exactly that prefix again, so an export imports
  back unchanged (text that itself begins with apostrophes before a formula character
  gets one more, so it survives the round trip). Staff who want cells as typed use XLSX.

Only text is escaped: numbers stay numbers (``-5`` as an int is written as ``-5``).

Used by the import/export engine (``files.write``: data pages, admin, ``export_data``)
and by the public open-data downloads (``public/export.py``), which stream
:func:`csv_lines` row by row.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator

from django.utils.functional import Promise

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"
LINE_TERMINATOR = "\r\n"


def starts_like_formula(value) -> bool:
    """Text a spreadsheet would evaluate: it begins with =, +, -, @, tab or CR."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def _escaped(value) -> bool:
    """Apostrophes, then a formula character: what :func:`escape_formula` writes (and must protect)."""
    return isinstance(value, str) and value.startswith("'") and starts_like_formula(value.lstrip("'"))


def escape_formula(value):
    """For CSV: text a spreadsheet would evaluate gets an apostrophe in front (OWASP's rule).

    Text already written as apostrophes before a formula character gets one more, so that
    :func:`unescape_formula` gives it back exactly."""
    if starts_like_formula(value) or _escaped(value):
        return "'" + value
    return value


def unescape_formula(value):
    """The reverse of :func:`escape_formula`, for cells read from CSV."""
    if _escaped(value) and len(value) > 1:
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


SHEET_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
SHEET_MAX = 31


def sheet_title(name) -> str:
    """A worksheet name from a data set's name: at most 31 characters, none of \\ / ? * [ ] :,
    not starting or ending with an apostrophe (Excel's rules; LibreOffice refuses the same)."""
    title = SHEET_FORBIDDEN.sub("・", str(name or "")).strip().strip("'")
    return title[:SHEET_MAX].strip() or "Sheet1"


def xlsx_bytes(headers: Iterable, rows: Iterable[Iterable], *, title="") -> bytes:
    """An XLSX workbook of one sheet named ``title`` (see :func:`sheet_title`): text as string cells
    (never formulas; formula-like text flagged ``quotePrefix``), numbers as numbers, dates as dates,
    date-times as date-times shown with hours and minutes."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def xlsx_cell(value):
        value = _text(value)
        if isinstance(value, datetime.datetime):
            # the wall-clock time where it was written (callers pass Japan time: timezone.localtime)
            cell = WriteOnlyCell(sheet, value=value.replace(tzinfo=None))
            cell.number_format = "yyyy-mm-dd hh:mm"
            return cell
        if isinstance(value, datetime.date):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        if isinstance(value, bool):
            return 1 if value else 0
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if not starts_like_formula(value):
                return value
            cell = WriteOnlyCell(sheet)
            cell._value = value
            cell.data_type = "s"  # a string cell: never written as <f>, whatever it begins with
            cell.quotePrefix = True  # shown as typed, no apostrophe; stays text when edited
            return cell
        return value

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    sheet.append([xlsx_cell(header) for header in headers])
    for row in rows:
        sheet.append([xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
