"""Reading import files and writing export files.

Reading refuses, before anything is parsed, files over ``DATAIO_MAX_BYTES`` and
files with more than ``DATAIO_MAX_ROWS`` data rows; it detects the text
encoding (UTF-8, UTF-8 with BOM, Shift_JIS/CP932 as Japanese Excel writes it)
unless the user chose one, and says which was used. XLSX cells holding formulas
and merged cells are refused (their values cannot be trusted or are ambiguous).

CSV and XLSX are written by the portal's one formula-safe writer (``writers.py``):
text a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
tab or CR) is an explicit string cell in XLSX (shown as typed) and gets an apostrophe
in front in CSV; reading a CSV removes exactly that prefix again
(``writers.unescape_formula``), an XLSX cell is read as it is, so an export imports
back unchanged. Only the first sheet of a workbook is read; the others are named in a
warning.
"""

import csv
import datetime
import io
import json
import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_portal.tabular import limits
from cluster_portal.tabular.errors import DataFileError, Issue
from cluster_portal.tabular.writers import csv_text, unescape_formula, xlsx_bytes

FORMATS = {
    "csv": gettext_lazy("CSV"),
    "xlsx": gettext_lazy("Excel（.xlsx）"),
    "json": gettext_lazy("JSON"),
}
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}

# Encodings a user may choose for CSV. "auto" detects: a BOM means UTF-8 with BOM,
# valid UTF-8 means UTF-8, else Shift_JIS/CP932 (Microsoft's Shift_JIS, which also
# holds NEC/IBM extensions such as 「髙」「﨑」).
AUTO = "auto"
UTF8 = "utf-8"
UTF8_BOM = "utf-8-sig"
CP932 = "cp932"
IMPORT_ENCODINGS = {
    AUTO: gettext_lazy("自動判別"),
    UTF8: gettext_lazy("UTF-8"),
    UTF8_BOM: gettext_lazy("UTF-8（BOM付き）"),
    CP932: gettext_lazy("Shift_JIS（CP932、日本語版Excelの「CSV」）"),
}
EXPORT_ENCODINGS = {
    UTF8_BOM: gettext_lazy("UTF-8（BOM付き、Excelで文字化けしません）"),
    UTF8: gettext_lazy("UTF-8（BOMなし）"),
    CP932: gettext_lazy("Shift_JIS（CP932）"),
}
ENCODING_ALIASES = {
    "utf8": UTF8,
    "utf-8": UTF8,
    "utf_8": UTF8,
    "utf-8-sig": UTF8_BOM,
    "utf8-sig": UTF8_BOM,
    "utf_8_sig": UTF8_BOM,
    "utf-8-bom": UTF8_BOM,
    "cp932": CP932,
    "ms932": CP932,
    "windows-31j": CP932,
    "shift_jis": CP932,
    "shift-jis": CP932,
    "sjis": CP932,
    "auto": AUTO,
}
BOM = b"\xef\xbb\xbf"


def normalize_encoding(name: str | None) -> str:
    if not name:
        return AUTO
    try:
        return ENCODING_ALIASES[name.strip().lower()]
    except KeyError:
        raise DataFileError(
            _("文字コード「%(name)s」には対応していません。UTF-8 または Shift_JIS（CP932）を指定してください。")
            % {"name": name}
        ) from None


def encoding_label(name: str | None) -> str:
    return str(IMPORT_ENCODINGS.get(name or "", name or "—"))


def guess_format(filename: str) -> str | None:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {"csv": "csv", "txt": "csv", "xlsx": "xlsx", "json": "json"}.get(suffix)


# ------------------------------------------------------------------ reading


@dataclass
class ParsedFile:
    format: str
    headers: list[str]
    rows: list[list]
    encoding: str | None = None  # the encoding actually used (text formats only)
    warnings: list[Issue] = field(default_factory=list)


def check_size(size: int) -> None:
    if size > limits.max_bytes():
        raise DataFileError(
            _("ファイルが大きすぎます（%(size)sMB）。%(limit)sMB以下のファイルにしてください。")
            % {"size": limits.megabytes(size), "limit": limits.megabytes(limits.max_bytes())}
        )


def too_many_rows_error(limit: int) -> DataFileError:
    return DataFileError(
        _(
            "行数が多すぎます。1ファイルのデータ行は%(limit)s行以下にしてください"
            "（コマンド import_data も同じ上限です）。"
        )
        % {"limit": f"{limit:,}"}
    )


def decode(data: bytes, declared: str = AUTO) -> tuple[str, str]:
    """Text and the encoding used. A declared encoding that does not fit the bytes is an error, never a guess."""
    declared = normalize_encoding(declared)
    if declared == AUTO:
        if data.startswith(BOM):
            return _decode_strict(data, UTF8_BOM), UTF8_BOM
        try:
            return data.decode(UTF8), UTF8
        except UnicodeDecodeError:
            pass
        try:
            return data.decode(CP932), CP932
        except UnicodeDecodeError as error:
            raise DataFileError(
                _(
                    "文字コードを判別できません（%(position)sバイト目）。"
                    "UTF-8 または Shift_JIS（CP932）で保存し直してください。"
                )
                % {"position": f"{error.start + 1:,}"}
            ) from None
    if declared in (UTF8, UTF8_BOM):
        used = UTF8_BOM if data.startswith(BOM) else UTF8
        return _decode_strict(data, used), used
    # CP932 declared: refuse UTF-8 files rather than turning them into mojibake.
    if data.startswith(BOM):
        raise DataFileError(
            _(
                "このファイルは UTF-8（BOM付き）で保存されています。"
                "文字コードに「自動判別」か「UTF-8」を選んでください。"
            )
        )
    try:
        data.decode(UTF8)
    except UnicodeDecodeError:
        pass
    else:
        if not data.isascii():
            raise DataFileError(
                _(
                    "このファイルは UTF-8 で保存されているようです（Shift_JIS として読むと文字化けします）。"
                    "文字コードに「自動判別」か「UTF-8」を選んでください。"
                )
            )
    return _decode_strict(data, CP932), CP932


def _decode_strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding == CP932:
            message = _(
                "Shift_JIS（CP932）として読み取れません（%(position)sバイト目）。"
                "文字コードに「自動判別」を選ぶか、ファイルの文字コードを確認してください。"
            )
        else:
            message = _(
                "UTF-8 として読み取れません（%(position)sバイト目）。Shift_JIS（CP932）で保存されたファイルの"
                "可能性があります。文字コードに「自動判別」か「Shift_JIS（CP932）」を選んでください。"
            )
        raise DataFileError(message % {"position": f"{error.start + 1:,}"}) from None


def read(data: bytes, file_format: str, encoding: str = AUTO) -> ParsedFile:
    """Parse an upload after checking its size; rows beyond the limit are refused, not truncated."""
    check_size(len(data))
    if file_format not in FORMATS:
        raise DataFileError(_("ファイル形式は CSV、Excel（.xlsx）、JSON のいずれかにしてください。"))
    if not data.strip() or data.strip() == BOM:
        raise DataFileError(_("ファイルが空です。見出し行とデータ行のあるファイルを選んでください。"))
    if file_format == "xlsx":
        parsed = _read_xlsx(data)
    else:
        text, used = decode(data, encoding)
        parsed = _read_json(text) if file_format == "json" else _read_csv(text)
        parsed.encoding = used
    if not any(header for header in parsed.headers):
        raise DataFileError(_("ファイルが空です。見出し行とデータ行のあるファイルを選んでください。"))
    if not parsed.rows:
        raise DataFileError(_("見出し行だけで、データ行がありません。"))
    return parsed


def _is_blank_row(values) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _read_csv(text: str) -> ParsedFile:
    limit = limits.max_rows()
    if text.count("\n") > limit + 1:
        # More lines than allowed rows: count real records (cells may hold line breaks) before parsing them.
        records = sum(1 for _record in csv.reader(io.StringIO(text)))
        if records > limit + 1:
            raise too_many_rows_error(limit)
    reader = csv.reader(io.StringIO(text))
    headers = [cell.strip() for cell in next(reader, [])]
    rows = []
    warnings = []
    for line, record in enumerate(reader, start=2):
        if _is_blank_row(record):
            continue
        if len(record) > len(headers) and not _is_blank_row(record[len(headers) :]):
            warnings.append(Issue(_("見出しのない位置に値があるため、その値は無視しました。"), line=line))
        record = [unescape_formula(value) for value in record[: len(headers)]]
        record += [""] * (len(headers) - len(record))
        rows.append(_Row(line, record))
    return ParsedFile("csv", headers, rows, warnings=warnings)


class _Row(list):
    """A data row that remembers its row number in the file (blank rows are skipped, numbers are not)."""

    def __init__(self, line: int, values):
        super().__init__(values)
        self.line = line


def _read_json(text: str) -> ParsedFile:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise DataFileError(
            _("JSON として読み取れません（%(line)s行目 %(column)s文字目）。")
            % {"line": error.lineno, "column": error.colno}
        ) from None
    if isinstance(payload, dict) and isinstance(payload.get("rows"), list):
        payload = payload["rows"]
    if not isinstance(payload, list) or not all(isinstance(item, dict) for item in payload):
        raise DataFileError(_("JSON は、1行を1つのオブジェクトとする配列（[{...}, {...}]）にしてください。"))
    if len(payload) > limits.max_rows():
        raise too_many_rows_error(limits.max_rows())
    headers: list[str] = []
    for item in payload:
        for key in item:
            if key not in headers:
                headers.append(key)
    rows = []
    for number, item in enumerate(payload, start=1):
        values = []
        for header in headers:
            value = item.get(header)
            if isinstance(value, (dict, list)):
                raise DataFileError(
                    Issue(_("値は文字列か数値にしてください（入れ子は使えません）。"), line=number + 1, column=header)
                )
            values.append("" if value is None else value)
        rows.append(_Row(number + 1, values))
    if not payload:
        headers = headers or [""]
    return ParsedFile("json", headers, rows)


def _xlsx_cell_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time(0) else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value  # a string cell is text as typed: XLSX exports add no apostrophe to remove


def _read_xlsx(data: bytes) -> ParsedFile:
    import openpyxl
    from openpyxl.utils import get_column_letter

    unreadable = DataFileError(_("Excel（.xlsx）ファイルとして読み取れません。.xlsx 形式で保存し直してください。"))
    limit = limits.max_rows()
    try:
        # First the sheet's declared size only (nothing parsed yet), to refuse huge sheets early.
        probe = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        declared_rows = probe.worksheets[0].max_row if probe.worksheets else 0
        probe.close()
        if declared_rows and declared_rows > limit + 1:
            raise too_many_rows_error(limit)
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except DataFileError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise unreadable from None
    if not workbook.worksheets:
        raise unreadable
    sheet = workbook.worksheets[0]
    if sheet.max_row > limit + 1:
        raise too_many_rows_error(limit)
    warnings = []
    if len(workbook.worksheets) > 1:
        warnings.append(
            Issue(
                _("2枚目以降のシート（%(names)s）は読み込みません。1枚目のシート「%(first)s」だけを読み込みます。")
                % {
                    "names": "、".join(f"「{other.title}」" for other in workbook.worksheets[1:]),
                    "first": sheet.title,
                }
            )
        )
    issues = [
        Issue(
            _("結合されたセル（%(range)s）は取り込めません。結合を解除し、各セルに値を入れてください。")
            % {"range": merged.coord},
            line=merged.min_row,
        )
        for merged in sheet.merged_cells.ranges
    ]
    table = list(sheet.iter_rows())
    if not table:
        raise DataFileError(_("ファイルが空です。見出し行とデータ行のあるファイルを選んでください。"))
    headers = [str(cell.value).strip() if cell.value is not None else "" for cell in table[0]]
    while headers and not headers[-1]:
        headers.pop()
    rows = []
    for cells in table[1:]:
        line = cells[0].row if cells else 0
        for cell in cells:
            if cell.data_type == "f":
                column = headers[cell.column - 1] if cell.column <= len(headers) else get_column_letter(cell.column)
                issues.append(
                    Issue(
                        _("数式（%(cell)s）は取り込めません。「値の貼り付け」で値にしてから取り込んでください。")
                        % {"cell": cell.coordinate},
                        line=line,
                        column=column,
                    )
                )
        values = [_xlsx_cell_value(cell.value) for cell in cells[: len(headers)]]
        values += [""] * (len(headers) - len(values))
        if _is_blank_row(values):
            continue
        rows.append(_Row(line, values))
    if issues:
        raise DataFileError(issues)
    return ParsedFile("xlsx", headers, rows, warnings=warnings)


# ------------------------------------------------------------------ writing


def write(headers: list[str], rows, file_format: str, encoding: str = UTF8_BOM, *, title: str = "") -> bytes:
    """Export rows (native values: str, int, date, bool, None) as CSV, XLSX or JSON bytes.

    ``title`` names the XLSX sheet (the data set's name)."""
    if file_format == "csv":
        return _write_csv(headers, rows, normalize_encoding(encoding))
    if file_format == "xlsx":
        return xlsx_bytes(headers, rows, title=title)
    if file_format == "json":
        return _write_json(headers, rows)
    raise DataFileError(_("ファイル形式は CSV、Excel（.xlsx）、JSON のいずれかにしてください。"))


def _write_csv(headers, rows, encoding: str) -> bytes:
    if encoding == AUTO:
        encoding = UTF8_BOM
    text = csv_text(headers, rows)
    try:
        return text.encode(encoding)
    except UnicodeEncodeError as error:
        character = text[error.start : error.end]
        raise DataFileError(
            _("「%(character)s」は Shift_JIS（CP932）で表せません。UTF-8 を選んで出力してください。")
            % {"character": character}
        ) from None


def _write_json(headers, rows) -> bytes:
    def native(value):
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        return value

    payload = [dict(zip(headers, (native(value) for value in row), strict=False)) for row in rows]
    return json.dumps(payload, ensure_ascii=False, indent=1).encode(UTF8)
