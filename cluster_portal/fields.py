"""Model fields for the two kinds of value every financial record has: a fiscal year (年度)
and an amount of money in integer yen. Every app declares its amounts and years with these."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

FISCAL_YEAR_VALIDATORS = [MinValueValidator(1990), MaxValueValidator(2100)]


FISCAL_YEAR = _("年度")


def fiscal_year_field(verbose_name=FISCAL_YEAR, **kwargs):
    return models.PositiveSmallIntegerField(verbose_name, validators=FISCAL_YEAR_VALIDATORS, **kwargs)


def yen_field(verbose_name, **kwargs):
    """Money is integer yen; the non-negative rule is also a CheckConstraint on each model."""
    kwargs.setdefault("default", 0)
    return models.BigIntegerField(verbose_name, validators=[MinValueValidator(0)], **kwargs)


def non_negative(field: str, model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}),
        name=f"{model}_{field}_non_negative",
        violation_error_message=_("金額は0円以上で入力してください。"),
    )
