"""The columns of a resource: a field per model field with its Japanese header, its English and
field-name aliases and the widget its type calls for (``column``), and the natural-key and code
columns built on it. Used by every app's ``resources.py`` through ``PortalResource``."""

from django.db import models
from import_export import fields

from cluster_portal.tabular.widgets import (
    BooleanValueWidget,
    ChoiceWidget,
    DateValueWidget,
    FiscalYearWidget,
    IntegerValueWidget,
    KeyForeignKeyWidget,
    TextWidget,
    YenWidget,
    en,
    ja,
)
from cluster_portal.text import normalize


class PortalField(fields.Field):
    """A resource field with the names its column may carry and whether a file must have it."""

    def __init__(self, *, aliases=(), required=False, blank_is_new=False, **kwargs):
        super().__init__(**kwargs)
        self.aliases = tuple(aliases)
        self.required = required
        #: a key column whose blank cell means "a new row" (the model's default issues the code)
        self.blank_is_new = blank_is_new


def header_key(text) -> str:
    """A column header compared loosely: normalised, case-folded, without spaces and underscores."""
    return normalize(text).casefold().replace(" ", "").replace("_", "")


def column(model, name, widget=None, *, attribute=None, header=None, readonly=False, required=None):
    """A field for model field ``name``: Japanese header from its verbose name, the English label as an alias.

    The widget follows the model field's type unless given: integer yen for
    BigIntegerFields, dates, booleans, choices by code or label, text.
    """
    model_field = model._meta.get_field(name)
    if widget is None:
        if getattr(model_field, "choices", None):
            widget = ChoiceWidget(model_field.choices)
        elif isinstance(model_field, models.BigIntegerField):
            widget = YenWidget()
        elif isinstance(model_field, (models.IntegerField,)):
            widget = FiscalYearWidget() if "fiscal_year" in name else IntegerValueWidget()
        elif isinstance(model_field, models.DateField):
            widget = DateValueWidget()
        elif isinstance(model_field, models.BooleanField):
            widget = BooleanValueWidget()
        else:
            widget = TextWidget()
    if required is None:
        required = not readonly and not model_field.blank and model_field.default is models.NOT_PROVIDED
    return PortalField(
        attribute=attribute or name,
        column_name=header or ja(model_field.verbose_name),
        widget=widget,
        readonly=readonly,
        aliases=(name, en(model_field.verbose_name)),
        required=required,
    )


def code_column(model, name="code"):
    """The public code the portal issued for a row, as the row's natural key.

    The column must be present; its cell is blank for a new row (the model's
    default issues the code) and carries the issued code to update a row, so a
    row stays the same row whatever else is edited in the spreadsheet.
    """
    field = column(model, name, readonly=False, required=True)
    field.blank_is_new = True
    return field


def key_column(model, name, related_model, key, *, header=None, select_related=(), **kwargs):
    """A foreign key written and read as the related row's natural key (code or slug)."""
    return column(
        model, name, KeyForeignKeyWidget(related_model, key, select_related=select_related), header=header, **kwargs
    )
