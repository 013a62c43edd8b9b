"""Import and export, the only entry points (web pages, admin and commands all call these).

``data_import(dry_run=True)`` is the preview: it runs the library's import with
``dry_run`` inside a transaction that is always rolled back, and reports each
row as new / update / unchanged / error with the values it read (every value of a
new row; before and after of each column an update changes).
``data_import(dry_run=False)`` runs the same import inside ``transaction.atomic``
and rolls everything back when any row (or the file) has an error: any error
means nothing is saved.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export.results import RowResult

from cluster_portal import derived
from cluster_portal.cache import invalidate_public_data
from cluster_portal.tabular import files, permissions, registry
from cluster_portal.tabular.errors import DataFileError, Issue

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"


@dataclass
class RowReport:
    line: int
    status: str
    key: str
    changed: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    #: ``(column, before, after)`` as read from the file: every value of a new row, each change of an update
    values: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    resource: str
    label: str
    file_format: str
    dry_run: bool
    encoding: str | None = None
    total: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[RowReport] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return sum(1 for row in self.rows if row.status == ERROR)

    @property
    def encoding_label(self) -> str:
        return files.encoding_label(self.encoding) if self.encoding else ""


class _Rollback(Exception):
    pass


def _row_key(resource, row: dict) -> str:
    return " / ".join(str(row.get(field.column_name, "")) for field in resource.key_fields())


def _message(error) -> str:
    if isinstance(error, IntegrityError):
        return _("データベースの制約に違反したため保存できません（%(detail)s）。") % {"detail": error}
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or error.__class__.__name__


def _row_issues(resource, row_result, line: int) -> list[Issue]:
    issues = []
    if row_result.validation_error is not None:
        error = row_result.validation_error
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                column = "" if key == NON_FIELD_ERRORS else resource.column_for(key)
                issues += [Issue(message, line=line, column=column) for message in messages]
        else:
            issues += [Issue(message, line=line) for message in error.messages]
    for error in row_result.errors:
        issues.append(Issue(_message(error.error), line=line))
    return issues


def _fill_report(report: ImportReport, resource, dataset, lines, result) -> None:
    rows = list(dataset.dict)
    for index, row_result in enumerate(result.rows):
        line = lines[index] if index < len(lines) else index + 2
        key = _row_key(resource, rows[index]) if index < len(rows) else ""
        if row_result.import_type in (RowResult.IMPORT_TYPE_ERROR, RowResult.IMPORT_TYPE_INVALID):
            issues = _row_issues(resource, row_result, line)
            report.rows.append(RowReport(line, ERROR, key, issues=issues))
            report.errors += issues
        elif row_result.import_type == RowResult.IMPORT_TYPE_NEW:
            report.new += 1
            report.rows.append(RowReport(line, NEW, key, values=row_result.diff if row_result.diff is not None else []))
        elif row_result.import_type == RowResult.IMPORT_TYPE_UPDATE:
            report.updated += 1
            values = [tuple(value) for value in row_result.diff or []]
            report.rows.append(RowReport(line, UPDATE, key, changed=[value[0] for value in values], values=values))
        else:
            report.unchanged += 1
            report.rows.append(RowReport(line, UNCHANGED, key))
    for error in result.base_errors:
        report.errors.append(Issue(_message(error.error)))


def read_dataset(resource, data: bytes, file_format: str, encoding: str, report: ImportReport):
    """The file as a ``tablib.Dataset`` with this resource's column names, and the file row number of each row."""
    parsed = files.read(data, file_format, encoding)
    report.encoding = parsed.encoding
    report.warnings += parsed.warnings
    canonical, warnings, errors = resource.map_headers(parsed.headers)
    report.warnings += warnings
    if errors:
        raise DataFileError(errors)
    keep = [position for position, name in enumerate(canonical) if not name.startswith("\x00")]
    dataset = tablib.Dataset(headers=[canonical[position] for position in keep])
    for row in parsed.rows:
        dataset.append([row[position] for position in keep])
    return dataset, [row.line for row in parsed.rows]


def data_import(
    *,
    user,
    resource: str,
    data: bytes,
    file_format: str,
    encoding: str = files.AUTO,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Preview (``dry_run``) or import a file, all or nothing. Never raises for bad data: read ``report.errors``.

    ``user`` decides permission and region scope; ``None`` is the command line (full access).
    """
    spec = registry.get(resource)
    if user is not None and not permissions.can_import(user, spec):
        raise PermissionDenied(_("このデータを取り込む権限がありません。"))
    instance = spec.resource(user=user)
    report = ImportReport(resource=spec.name, label=str(spec.label), file_format=file_format, dry_run=dry_run)
    try:
        dataset, lines = read_dataset(instance, data, file_format, encoding, report)
    except DataFileError as error:
        report.errors += error.issues
        return report
    report.total = len(dataset)
    if progress is not None:
        instance.progress = lambda done: progress(done, report.total)
    try:
        with transaction.atomic():
            instance.prime(dataset)
            issues = instance.file_issues(dataset, lines)
            if issues:
                report.errors += issues
                raise _Rollback
            with derived.deferred(everything=True):  # derived rows rebuilt once at the end (cluster_portal/derived.py)
                result = instance.import_data(
                    dataset,
                    dry_run=dry_run,
                    use_transactions=True,
                    rollback_on_validation_errors=True,
                    raise_errors=False,
                    user=user,
                )
                _fill_report(report, instance, dataset, lines, result)
                if dry_run or not report.ok:
                    raise _Rollback
                derived.bulk_written(instance._meta.model)  # bulk writes send no signals: derived rows rebuilt
            report.committed = True
            invalidate_public_data()  # bulk writes send no signals; bumps after the commit (cluster_portal/cache.py)
    except _Rollback:
        report.committed = False
    return report


@dataclass
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    rows: int


def data_export(
    *,
    user,
    resource: str,
    file_format: str,
    encoding: str = files.UTF8_BOM,
    queryset=None,
    codes: bool = False,
) -> ExportFile:
    """Export what ``user`` may see of a data set (optionally narrowed to ``queryset``, e.g. admin filters).

    Kinds and states are written as labels (「人件費」), or as codes (``personnel``) with ``codes``;
    the XLSX sheet is named after the data set (``ResourceSpec.sheet``)."""
    spec = registry.get(resource)
    if user is not None and not permissions.can_export(user, spec):
        raise PermissionDenied(_("このデータを出力する権限がありません。"))
    instance = spec.resource(user=user)
    scoped = instance.export_queryset(user)
    if queryset is not None:
        scoped = scoped.filter(pk__in=queryset.order_by().values("pk"))
    rows = list(instance.export_rows(scoped, codes=codes))
    content = files.write(instance.export_headers(), rows, file_format, encoding, title=spec.sheet)
    charset = "" if file_format == "xlsx" else "; charset=" + ("shift_jis" if encoding == files.CP932 else "utf-8")
    filename = f"{spec.name}-{timezone.localdate():%Y%m%d}.{file_format}"
    return ExportFile(content, filename, files.CONTENT_TYPES[file_format] + charset, len(rows))


# --- reports kept between requests (a background job's preview) -------------------------------------


def report_to_dict(report: ImportReport, *, max_rows: int, max_errors: int) -> dict:
    """A JSON-safe summary of ``report``: counts, warnings, the first ``max_errors`` errors and the first
    ``max_rows`` rows that are not unchanged (what the preview page shows), and how many were left out."""

    def issue(item: Issue) -> dict:
        return {"message": item.message, "line": item.line, "column": item.column}

    shown = [row for row in report.rows if row.status != UNCHANGED]
    return {
        "resource": report.resource,
        "label": report.label,
        "file_format": report.file_format,
        "dry_run": report.dry_run,
        "encoding": report.encoding,
        "total": report.total,
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "error_rows": report.error_rows,
        "committed": report.committed,
        "error_count": len(report.errors),
        "errors": [issue(item) for item in report.errors[:max_errors]],
        "warnings": [issue(item) for item in report.warnings],
        "rows": [
            {
                "line": row.line,
                "status": row.status,
                "key": row.key,
                "changed": row.changed,
                "issues": [issue(item) for item in row.issues],
                "values": [list(value) for value in row.values],
            }
            for row in shown[:max_rows]
        ],
        "hidden_rows": max(len(shown) - max_rows, 0),
    }


def report_from_dict(data: dict) -> ImportReport:
    """The report back from ``report_to_dict`` (rows and errors as far as they were kept)."""

    def issue(item: dict) -> Issue:
        return Issue(item["message"], line=item["line"], column=item["column"])

    report = ImportReport(
        resource=data["resource"],
        label=data["label"],
        file_format=data["file_format"],
        dry_run=data["dry_run"],
        encoding=data["encoding"],
        total=data["total"],
        new=data["new"],
        updated=data["updated"],
        unchanged=data["unchanged"],
        committed=data["committed"],
        errors=[issue(item) for item in data["errors"]],
        warnings=[issue(item) for item in data["warnings"]],
        rows=[
            RowReport(
                row["line"],
                row["status"],
                row["key"],
                row["changed"],
                [issue(i) for i in row["issues"]],
                [tuple(value) for value in row.get("values", [])],
            )
            for row in data["rows"]
        ],
    )
    return report
