"""The portal's form renderer (one field template for every form on every screen) and the
form fields of fiscal years and dates typed the Japanese way (``PortalModelForm``).

``FORM_RENDERER`` (settings) points here. Templates render a field with
``{{ form.x.as_field_group }}`` (or ``{{ field.as_field_group }}`` in a loop), and
``templates/includes/field.html`` alone defines the markup: label or legend, the
required marker, help text and errors with the ids Django's ``aria-describedby``
points at. ``TemplatesSetting`` loads templates through ``TEMPLATES``, so the
field template lives with the other project templates and widgets still come
from ``django.forms`` (in ``INSTALLED_APPS``).
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.renderers import TemplatesSetting
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cluster_portal.fields import FISCAL_YEAR_VALIDATORS, YenField, is_yen_field
from cluster_portal.fiscal import NotationError, parse_date, parse_fiscal_year


class PortalFormRenderer(TemplatesSetting):
    field_template_name = "includes/field.html"


# ---------------------------------------------------------------- fiscal years and dates as people type them

# Every form of the portal reads a fiscal year or a date with the kernel's one parser
# (``cluster_portal.fiscal.parse_fiscal_year`` / ``parse_date``), which the import widgets use too.
# Both are text inputs: a browser's date picker sends ISO dates only and refuses typed 和暦, so
# the box takes 「2020-04-01」 from a picker-less browser or a person as well as 「令和2年4月1日」.

FISCAL_YEAR_HELP = _("2020、2020年度、令和2年度、R2 のいずれの書き方でも入力できます。")
DATE_PLACEHOLDER = _("2020-04-01 または 令和2年4月1日")


class FiscalYearInput(forms.TextInput):
    def __init__(self, attrs=None):
        base = {"inputmode": "numeric", "autocomplete": "off", "maxlength": 30, "data-notation": "fiscal-year"}
        super().__init__({**base, **(attrs or {})})


class NotationDateInput(forms.TextInput):
    def __init__(self, attrs=None):
        base = {"placeholder": DATE_PLACEHOLDER, "autocomplete": "off", "maxlength": 30, "data-notation": "date"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        return super().format_value(value)


class FiscalYearField(forms.IntegerField):
    """A fiscal year typed as 西暦 or 和暦 (「2020年度」「令和2年度」「R2」), stored as the 西暦 year."""

    widget = FiscalYearInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", FISCAL_YEAR_HELP)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parse_fiscal_year(value)
        except NotationError as error:
            raise ValidationError(error.message, code=error.code) from None


class JapaneseDateField(forms.DateField):
    """A date typed as 「2020-04-01」「2020/4/1」「2020年4月1日」「令和2年4月1日」「R2.4.1」."""

    widget = NotationDateInput

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return parse_date(value)
        except NotationError as error:
            raise ValidationError(error.message, code=error.code) from None


def is_fiscal_year_field(model_field) -> bool:
    return isinstance(model_field, models.IntegerField) and any(
        validator is FISCAL_YEAR_VALIDATORS[0] for validator in model_field.validators
    )


def portal_formfield(model_field, **kwargs):
    """``formfield_callback`` of :class:`PortalModelForm`: 年度 and date model fields get the notation fields,
    amounts (``yen_field``) the kernel's ``YenField`` (the import's reading of amounts, 「1,234円」 included)."""
    widget = kwargs.get("widget")
    if is_yen_field(model_field) and not model_field.choices:
        options = {
            "required": not model_field.blank,
            "label": capfirst(model_field.verbose_name),
            "help_text": model_field.help_text,
        }
        if model_field.has_default():
            options["initial"] = model_field.get_default()
        options.update({key: value for key, value in kwargs.items() if key in ("required", "label", "help_text")})
        return YenField(**options)
    if isinstance(model_field, models.DateField) and not isinstance(model_field, models.DateTimeField):
        if widget is None or isinstance(widget, forms.DateInput):  # a picker's type="date" sends ISO only
            kwargs["widget"] = NotationDateInput
        return model_field.formfield(form_class=JapaneseDateField, **kwargs)
    if is_fiscal_year_field(model_field) and not model_field.choices:
        if widget is None or isinstance(widget, forms.NumberInput):
            kwargs["widget"] = FiscalYearInput
        return model_field.formfield(form_class=FiscalYearField, **kwargs)
    return model_field.formfield(**kwargs)


class PortalModelForm(forms.ModelForm):
    """The base of the portal's ModelForms: fiscal years and dates read the Japanese notations.

    A subclass's ``Meta`` gets :func:`portal_formfield` as its ``formfield_callback`` unless it
    names one of its own (the callback is read from ``Meta`` when the class is built)."""

    def __init_subclass__(cls, **kwargs):
        meta = getattr(cls, "Meta", None)
        if meta is not None and getattr(meta, "formfield_callback", None) is None:
            meta.formfield_callback = portal_formfield
        super().__init_subclass__(**kwargs)
