"""What the import preview shows for a row: the columns it sets or changes, as read from the file
(``ChangedColumns``, in place of the library's HTML diff), formatted only for the rows shown
(``LazyPreview``)."""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from cluster_portal.tabular.widgets import (
    BooleanValueWidget,
    ChoiceWidget,
)

PREVIEW_TEXT_MAX = 100


def preview_text(field, value) -> str:
    """A value as the preview shows it, after reading: 「1,234」 → 1234, 「R2.4.1」 → 2020-04-01,
    「人件費」 → 人件費（personnel）, booleans as はい/いいえ."""
    if value is None or value == "":
        return ""
    widget = field.widget
    if isinstance(widget, BooleanValueWidget):
        return _("はい") if value else _("いいえ")
    if isinstance(widget, ChoiceWidget):
        label = widget.label_of(value)
        return label if label == value else f"{label}（{value}）"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= PREVIEW_TEXT_MAX else text[: PREVIEW_TEXT_MAX - 1] + "…"


class PreviewValue(tuple):
    """``(column, before, after)`` as the preview shows them (``before`` is "" for a new row)."""

    __slots__ = ()

    def __new__(cls, column, before, after):
        return super().__new__(cls, (column, before, after))

    @property
    def column(self) -> str:
        return self[0]


class LazyPreview(Sequence):
    """A new row's preview values, worked out when first read: a 10,000-row import shows a few
    hundred rows (``report_to_dict``'s ``max_rows``), so the rest are never formatted."""

    __slots__ = ("_compute", "_values")

    def __init__(self, compute):
        self._compute = compute
        self._values = None

    def _list(self) -> list:
        if self._values is None:
            self._values = self._compute()
            self._compute = None
        return self._values

    def __getitem__(self, index):
        return self._list()[index]

    def __len__(self):
        return len(self._list())

    def __eq__(self, other):
        return self._list() == (list(other) if isinstance(other, Sequence) else other)

    def __repr__(self):
        return repr(self._list())


class ChangedColumns:
    """Stands in for the library's HTML diff: what a row will hold once imported, as read from the file.

    ``as_html()`` gives :class:`PreviewValue` triples: for a new row every column with a value,
    for an updated row each column it changes (before and after), so staff check what the
    import understood (「1,234」 is 1234, 「R2.4.1」 is 2020-04-01) before confirming.
    A new row's values are read from the instance only when shown (:class:`LazyPreview`),
    unless a column is many-to-many (read from the database, which a preview rolls back)."""

    def __init__(self, resource, instance, new):
        self.resource = resource
        self.new = new
        self.left = [] if new else self._values(instance)  # a new row has no "before"
        self.right = []
        self.instance = None

    def _values(self, instance):
        if instance is None:
            return []
        return [field.export(instance) for field in self.resource.diff_fields()]

    def compare_with(self, resource, instance):
        if self.new and instance is not None and not self.resource.diff_reads_database():
            self.instance = instance  # read when shown (the instance's own values, set by this row)
        else:
            self.right = self._values(instance)

    def as_html(self):
        fields = self.resource.diff_fields()
        if self.new:
            instance, right = self.instance, self.right

            def values():
                after = right if instance is None else self._values(instance)
                shown = ((field, preview_text(field, value)) for field, value in zip(fields, after, strict=False))
                return [(field.column_name, "", text) for field, text in shown if text != ""]

            self.instance = None
            return LazyPreview(values)
        return [
            PreviewValue(field.column_name, preview_text(field, before), preview_text(field, after))
            for field, before, after in zip(fields, self.left, self.right, strict=False)
            if before != after
        ]
