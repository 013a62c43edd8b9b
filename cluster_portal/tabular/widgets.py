"""Widgets that read what Japanese spreadsheets contain and write plain values.

- numbers: full-width digits (「１２３」) and thousands separators (「1,234」) are
  accepted and normalised (``cluster_portal.text.normalize``, then the separators
  removed when they group digits by three); decimals, units and other text are refused;
- fiscal years and dates: the kernel's one reading of what people type (``cluster_portal.fiscal``,
  the web forms use the same): 「2008年度」「平成20年度」「H20」「R2」, 2008-04-01, 2008/4/1,
  2008年4月1日, 「令和2年4月1日」「R2.4.1」 and Excel date cells; dates written as YYYY-MM-DD;
- choices: the code (``university``) or its Japanese or English label (「大学等」);
  exports write the Japanese label (「大学等」), or the code with the export's ``codes``
  option (``render(..., labels=True)``); either imports back unchanged;
- foreign keys: natural keys (project code, region slug, organisation name with an
  optional kind), looked up once per import for all rows (``prime()``).
"""

import re

from django.utils import translation
from django.utils.translation import gettext as _
from import_export import widgets

from cluster_portal.fields import AmountError, parse_yen
from cluster_portal.fiscal import NotationError, parse_date, parse_fiscal_year
from cluster_portal.text import normalize

THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+$")
INTEGER = re.compile(r"^[+-]?\d+$")
LIST_SEPARATORS = re.compile(r"[;；\n]")


def ja(text) -> str:
    """A lazy label in Japanese, whatever language is active (headers and keys are Japanese)."""
    with translation.override("ja"):
        return str(text)


def en(text) -> str:
    with translation.override("en"):
        return str(text)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class TextWidget(widgets.CharWidget):
    def __init__(self, **kwargs):
        super().__init__(coerce_to_string=True, allow_blank=True)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value)
        if "\x00" in text:
            # Forms refuse NUL too (Django's ProhibitNullCharactersValidator); PostgreSQL cannot store it.
            raise ValueError(_("NUL文字（制御文字）は使用できません。"))
        return text  # kept as written (not stripped), so that an export imports back unchanged

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class IntegerValueWidget(widgets.Widget):
    """Integers such as fiscal years and counts. ``suffix`` (e.g. 年度) may follow the number."""

    def __init__(self, suffix: str = ""):
        super().__init__(coerce_to_string=False)
        self.suffix = suffix

    def parse(self, value):
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(_("数値を入力してください。"))
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            if value.is_integer():
                return int(value)
            raise ValueError(_("整数で入力してください（小数は使えません）。"))
        text = normalize(value).replace(" ", "")
        if self.suffix and text.endswith(self.suffix):
            text = text[: -len(self.suffix)]
        if THOUSANDS.match(text):
            text = text.replace(",", "")
        if INTEGER.match(text):
            return int(text)
        if re.match(r"^[+-]?[\d,]*\.\d+$", text):
            raise ValueError(_("整数で入力してください（小数は使えません）。"))
        raise ValueError(_("数値を入力してください。"))

    def clean(self, value, row=None, **kwargs):
        return self.parse(value)

    def render(self, value, obj=None, **kwargs):
        return value


class YenWidget(IntegerValueWidget):
    """Integer yen, read by ``cluster_portal.fields.parse_yen`` exactly as the web forms read it
    (「1,234」「１２３４」「1234円」 accepted; 「12,34」, decimals, 「千円」 refused). Blank means 0.
    ``unit=1000`` for a column whose header states 千円: 「1,234」「1,234千円」 are 1,234,000 円."""

    def __init__(self, unit: int = 1):
        super().__init__()
        self.unit = unit

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return 0
        try:
            return parse_yen(value, unit=self.unit)
        except AmountError as error:
            raise ValueError(str(error)) from None


class FiscalYearWidget(IntegerValueWidget):
    """A fiscal year, read by ``cluster_portal.fiscal.parse_fiscal_year`` as the web forms read it."""

    def __init__(self):
        super().__init__(suffix="年度")

    def parse(self, value):
        if is_blank(value):
            return None
        try:
            return parse_fiscal_year(value)
        except NotationError as error:
            raise ValueError(str(error)) from None


class DateValueWidget(widgets.Widget):
    """A date (or an Excel date cell), read by ``cluster_portal.fiscal.parse_date`` as the web forms read it."""

    def __init__(self):
        super().__init__(coerce_to_string=False)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        try:
            return parse_date(value)
        except NotationError as error:
            raise ValueError(str(error)) from None

    def render(self, value, obj=None, **kwargs):
        return value


class BooleanValueWidget(widgets.Widget):
    TRUE = {"1", "true", "yes", "y", "はい", "公開", "○", "◯", "有", "あり"}
    FALSE = {"0", "false", "no", "n", "いいえ", "非公開", "×", "無", "なし"}

    def __init__(self):
        super().__init__(coerce_to_string=False)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        text = normalize(value).casefold()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("1（はい）か 0（いいえ）で入力してください。"))

    def render(self, value, obj=None, **kwargs):
        return None if value is None else int(bool(value))


class ChoiceWidget(widgets.Widget):
    """A TextChoices field: the code, or its label in Japanese or English. Rendered as the code
    (what the preview compares), or as the Japanese label with ``labels=True`` (what exports write)."""

    def __init__(self, choices):
        super().__init__(coerce_to_string=False)
        self.pairs = list(choices.choices if hasattr(choices, "choices") else choices)
        self.lookup = {}
        self.labels = {}
        for code, label in self.pairs:
            self.labels[code] = label
            for key in (code, ja(label), en(label)):
                self.lookup[normalize(key).casefold()] = code
        self._ja_labels = {}  # code → Japanese label, translated once (an import asks for each row)

    def label_of(self, code) -> str:
        """The Japanese label of ``code`` (the code itself when it is not one of the choices)."""
        if is_blank(code):
            return ""
        if code in self._ja_labels:
            return self._ja_labels[code]
        label = self.labels.get(code)
        text = code if label is None else ja(label)
        if isinstance(code, str):
            self._ja_labels[code] = text
        return text

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return ""
        code = self.lookup.get(normalize(value).casefold())
        if code is None:
            raise ValueError(
                _("「%(value)s」は選択肢にありません。次のいずれかを入力してください: %(choices)s")
                % {"value": value, "choices": self.describe()}
            )
        return code

    def describe(self) -> str:
        return "、".join(f"{code}（{ja(label)}）" for code, label in self.pairs)

    def render(self, value, obj=None, labels=False, **kwargs):
        return self.label_of(value) if labels else (value or "")


class KeyForeignKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key given by a unique natural key (a code or slug). Looked up once for the whole file."""

    def __init__(self, model, field, *, select_related=()):
        super().__init__(model, field)
        self.select_related = select_related
        self.cache = {}

    def key(self, value) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return normalize(value)

    def prime(self, values) -> None:
        keys = {self.key(value) for value in values if not is_blank(value)} - set(self.cache)
        keys = list(keys)
        for start in range(0, len(keys), 5000):
            chunk = keys[start : start + 5000]
            queryset = self.model.objects.filter(**{f"{self.field}__in": chunk})
            if self.select_related:
                queryset = queryset.select_related(*self.select_related)
            for obj in queryset:
                self.cache[str(self.key_of(obj))] = obj
            for key in chunk:
                self.cache.setdefault(key, None)

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        key = self.key(value)
        if key not in self.cache:
            self.prime([key])
        obj = self.cache[key]
        if obj is None:
            raise ValueError(
                _("「%(value)s」という%(model)sは登録されていません。")
                % {"value": key, "model": ja(self.model._meta.verbose_name)}
            )
        return obj

    def key_of(self, obj):
        for attribute in self.field.split("__"):
            obj = getattr(obj, attribute)
        return obj

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else self.key_of(value)


class KeyManyToManyWidget(widgets.ManyToManyWidget):
    """Several natural keys in one cell, separated by 「;」 (or a line break)."""

    def __init__(self, model, field):
        super().__init__(model, separator=";", field=field)
        self.keys = KeyForeignKeyWidget(model, field)

    def split(self, value) -> list[str]:
        if is_blank(value):
            return []
        return [part.strip() for part in LIST_SEPARATORS.split(str(value)) if part.strip()]

    def prime(self, values) -> None:
        self.keys.prime([part for value in values for part in self.split(value)])

    def clean(self, value, row=None, **kwargs):
        objects = []
        missing = []
        for part in self.split(value):
            try:
                objects.append(self.keys.clean(part))
            except ValueError:
                missing.append(part)
        if missing:
            raise ValueError(
                _("「%(values)s」という%(model)sは登録されていません。")
                % {"values": "、".join(missing), "model": ja(self.model._meta.verbose_name)}
            )
        return objects

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return ";".join(sorted(str(getattr(item, self.field)) for item in value.all()))
