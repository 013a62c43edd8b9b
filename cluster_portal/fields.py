"""Model fields for the two kinds of value every financial record has: a fiscal year (年度)
and an amount of money in integer yen. Every app declares its amounts and years with these.

Money is integer yen from 0 to ``YEN_MAX`` (10 兆円 = 10¹³ 円, far above any grant of the
program and far below the database's 64-bit limit, so the user never meets the raw
「9223372036854775807 以下」): the field validates the range with a message that states it,
and :func:`yen_range` puts the same range into the database as a CheckConstraint.

``YenField`` is the form field of an amount typed as text (「1,000,000」), shared by the
ministry and workspace forms of the proposal and funding workflow.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FISCAL_YEAR_VALIDATORS = [MinValueValidator(1990), MaxValueValidator(2100)]


FISCAL_YEAR = _("年度")


def fiscal_year_field(verbose_name=FISCAL_YEAR, **kwargs):
    return models.PositiveSmallIntegerField(verbose_name, validators=FISCAL_YEAR_VALIDATORS, **kwargs)


YEN_MAX = 10**13
YEN_RANGE_MESSAGE = _("金額は0円以上、10兆円（10,000,000,000,000円）以下の整数で入力してください。")


class YenMinValidator(MinValueValidator):
    message = YEN_RANGE_MESSAGE


class YenMaxValidator(MaxValueValidator):
    message = YEN_RANGE_MESSAGE


def yen_field(verbose_name, **kwargs):
    """Money is integer yen from 0 to ``YEN_MAX``; the range is also a CheckConstraint (``yen_range``)."""
    kwargs.setdefault("default", 0)
    return models.BigIntegerField(verbose_name, validators=[YenMinValidator(0), YenMaxValidator(YEN_MAX)], **kwargs)


def is_yen_field(field) -> bool:
    return any(isinstance(validator, YenMaxValidator) for validator in getattr(field, "validators", ()))


def yen_range(field: str, model: str) -> models.CheckConstraint:
    """The database side of a money field's range (0 ≤ amount ≤ ``YEN_MAX``)."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": YEN_MAX}),
        name=f"{model}_{field}_yen_range",
        violation_error_message=YEN_RANGE_MESSAGE,
    )


# ---------------------------------------------------------------- amounts typed by people

# The one reading of an amount typed in a form or found in an import file. Accepted: digits in
# half or full width (NFKC), thousands separators that group by three (「1,234」「１，２３４」),
# and a trailing 「円」. Refused, each with its own code: anything else (「12,34」, 「百万円」),
# decimals, a unit other than 円 (「千円」: the unit of a column is stated, never typed), negative
# amounts and amounts above the ceiling. Callers choose the words; the rule is this function's.
# A field or column whose unit is stated as 千円 (``unit=1000``) reads 「1,234」 and 「1,234千円」
# as 1,234,000 円 and refuses 「1234円」 (a yen amount in a 千円 box is a slip, not a conversion).
AMOUNT_ERROR = _("要求額は0円以上の整数（円）で入力してください。")
AMOUNT_MESSAGES = {
    "invalid": _("金額は半角または全角の数字（円単位の整数）で入力してください（例：1,234,000）。"),
    "decimal": _("金額は整数で入力してください（円単位。小数は使えません）。"),
    "unit": _("金額は円単位の数字で入力してください（「千円」などの単位は付けられません）。"),
    "negative": YEN_RANGE_MESSAGE,
    "too_large": YEN_RANGE_MESSAGE,
    "yen_in_thousands": _("この欄は千円単位です。「1,234」または「1,234千円」のように千円単位で入力してください。"),
}
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
_DIGITS = re.compile(r"^\d+$")
_DECIMAL = re.compile(r"^[\d,]*\.\d+$")
_OTHER_UNIT = re.compile(r"(千|万|百万|億)円?$")
_THOUSAND_UNIT = re.compile(r"千円?$")


class AmountError(ValueError):
    """An amount that :func:`parse_yen` refuses; ``code`` says why (a key of ``AMOUNT_MESSAGES``)."""

    def __init__(self, code: str):
        super().__init__(str(AMOUNT_MESSAGES[code]))
        self.code = code


def parse_yen(value, *, unit: int = 1) -> int:
    """Integer yen from what a person typed (see the rules above), or :class:`AmountError`.

    ``unit=1000``: the field's stated unit is 千円; the number typed is thousands of yen."""
    if isinstance(value, bool):
        raise AmountError("invalid")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise AmountError("decimal")
        number = int(value)
    else:
        text = unicodedata.normalize("NFKC", str(value or "")).strip().replace(" ", "")
        if unit == 1000 and _THOUSAND_UNIT.search(text):
            text = _THOUSAND_UNIT.sub("", text)
        elif unit == 1000 and text.endswith("円"):
            raise AmountError("yen_in_thousands")
        elif _OTHER_UNIT.search(text):
            raise AmountError("unit")
        text = text.removesuffix("円")
        negative = text.startswith("-")
        digits = text.removeprefix("-")
        if _THOUSANDS.match(digits):
            digits = digits.replace(",", "")
        if _DECIMAL.match(digits):
            raise AmountError("decimal")
        if not _DIGITS.match(digits):
            raise AmountError("invalid")
        number = -int(digits) if negative else int(digits)
    number *= unit
    if number < 0:
        raise AmountError("negative")
    if number > YEN_MAX:
        raise AmountError("too_large")
    return number


class YenField(forms.Field):
    """Integer yen typed as text, read by :func:`parse_yen` (the import reads amounts the same way).

    ``messages`` overrides the words per refusal code (``required``, ``invalid``, ``negative``, …);
    ``message`` sets one text for every refusal but the ceiling, which always states the ceiling.
    """

    def __init__(self, *, message=None, messages=None, unit: int = 1, **kwargs):
        self.unit = unit
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 30})
        )
        self.amount_messages = dict(AMOUNT_MESSAGES)
        if message is not None:
            self.amount_messages.update(dict.fromkeys(("invalid", "decimal", "unit", "negative"), message))
        self.amount_messages.update(messages or {})
        super().__init__(**kwargs)
        if "required" in self.amount_messages:
            self.error_messages["required"] = self.amount_messages["required"]

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and len(value) > 40:
            raise ValidationError(self.amount_messages["invalid"], code="invalid")
        try:
            return parse_yen(value, unit=self.unit)
        except AmountError as error:
            raise ValidationError(self.amount_messages[error.code], code=error.code) from None
