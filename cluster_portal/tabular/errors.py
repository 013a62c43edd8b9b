"""Problems found in an import file, worded for the person who fixes the file.

Every problem names the row (the row number as Excel shows it: the header is
row 1, the first data row is row 2), the column (its Japanese header) and the
reason, e.g. 「12行目 配分額（円）: 数値を入力してください。」.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Issue:
    message: str
    line: int | None = None
    column: str = ""

    def __str__(self) -> str:
        if self.line is not None and self.column:
            return _("%(line)s行目 %(column)s: %(message)s") % {
                "line": f"{self.line:,}",
                "column": self.column,
                "message": self.message,
            }
        if self.line is not None:
            return _("%(line)s行目: %(message)s") % {"line": f"{self.line:,}", "message": self.message}
        if self.column:
            return _("%(column)s: %(message)s") % {"column": self.column, "message": self.message}
        return self.message


class DataFileError(Exception):
    """The file as a whole cannot be imported (too large, unreadable, wrong columns ...).

    Raised before any row is looked at; nothing has been written.
    """

    def __init__(self, issues: list[Issue] | Issue | str):
        if isinstance(issues, str):
            issues = [Issue(issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues = list(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))


def data_line(index: int) -> int:
    """File row number of the ``index``-th data row (1-based): the header is row 1."""
    return index + 1
