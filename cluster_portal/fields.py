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


# ---------------------------------------------------------------- form field

AMOUNT_ERROR = _("要求額は0円以上の整数（円）で入力してください。")
_DIGITS = re.compile(r"^\d+$")


def parse_yen(value: str, message=AMOUNT_ERROR) -> int:
    """'1,234,000' or '1234000' (half- or full-width) → 1234000; anything else (negative, decimals) → error."""
    text = (value or "").strip().replace(",", "").replace("，", "").replace(" ", "")
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not _DIGITS.match(text):
        raise ValidationError(message, code="invalid_amount")
    return int(text)


class YenField(forms.Field):
    """Integer yen typed as text, so '1,000,000' works and '-5' or 'abc' gets a Japanese message."""

    def __init__(self, *, message=AMOUNT_ERROR, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20})
        )
        self.message = message
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or len(value) > 30:
            raise ValidationError(self.message, code="invalid_amount")
        return parse_yen(value, self.message)
