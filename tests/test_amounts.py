"""One reading of amounts for the web forms and the import engine (``cluster_portal.fields.parse_yen``):
the same text is accepted or refused the same way on both paths."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cluster_portal.fields import YEN_MAX, AmountError, YenField, parse_yen
from cluster_portal.tabular.widgets import YenWidget

ACCEPTED = [
    ("1234", 1234),
    ("1,234", 1234),
    ("１２３４", 1234),
    ("１，２３４", 1234),
    ("1,234,000円", 1_234_000),
    ("1234円", 1234),
    (" 1 234 ", 1234),
    ("0", 0),
    (str(YEN_MAX), YEN_MAX),
    (1234, 1234),
    (1234.0, 1234),
]
REFUSED = [
    ("12,34", "invalid"),
    ("1,2345", "invalid"),
    ("abc", "invalid"),
    ("百万円", "unit"),
    ("1000千円", "unit"),
    ("5万円", "unit"),
    ("1000.5", "decimal"),
    (1000.5, "decimal"),
    ("-1", "negative"),
    ("-1,000", "negative"),
    (str(YEN_MAX + 1), "too_large"),
    ("9000000000000000000", "too_large"),
    (True, "invalid"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_the_form_and_the_import_accept_the_same_amounts(text, expected):
    assert parse_yen(text) == expected
    assert YenField().clean(text) == expected
    assert YenWidget().clean(text) == expected


@pytest.mark.parametrize(("text", "code"), REFUSED)
def test_the_form_and_the_import_refuse_the_same_amounts_with_the_same_words(text, code):
    with translation.override("ja"):
        with pytest.raises(AmountError) as parsed:
            parse_yen(text)
        assert parsed.value.code == code
        with pytest.raises(ValidationError) as form:
            YenField().clean(text)
        with pytest.raises(ValueError) as imported:
            YenWidget().clean(text)
    assert form.value.messages == [str(imported.value)] == [str(parsed.value)]


def test_the_ceiling_is_stated_in_the_refusal():
    with translation.override("ja"), pytest.raises(ValidationError) as error:
        YenField().clean("9,000,000,000,000,000,000")
    assert "10兆円（10,000,000,000,000円）以下" in error.value.messages[0]


def test_a_blank_import_cell_is_zero_and_a_blank_optional_form_field_is_empty():
    assert YenWidget().clean("") == 0
    assert YenField(required=False).clean("") is None


# --- the same table through a form field and an import column whose unit is stated as 千円 ----------

THOUSANDS_ACCEPTED = [
    ("1,234", 1_234_000),
    ("１，２３４", 1_234_000),
    ("1,234千円", 1_234_000),
    ("1234千", 1_234_000),
    (1234, 1_234_000),
    ("0", 0),
]
THOUSANDS_REFUSED = [
    ("1234円", "yen_in_thousands"),
    ("1,234,000円", "yen_in_thousands"),
    ("1.5", "decimal"),
    ("12,34", "invalid"),
    ("-1", "negative"),
]


@pytest.mark.parametrize(("text", "expected"), THOUSANDS_ACCEPTED)
def test_a_thousand_yen_form_field_and_import_column_accept_the_same_amounts(text, expected):
    assert YenField(unit=1000).clean(text) == YenWidget(unit=1000).clean(text) == expected


@pytest.mark.parametrize(("text", "code"), THOUSANDS_REFUSED)
def test_a_thousand_yen_form_field_and_import_column_refuse_the_same_amounts(text, code):
    with translation.override("ja"):
        with pytest.raises(ValidationError) as form:
            YenField(unit=1000).clean(text)
        with pytest.raises(ValueError) as imported:
            YenWidget(unit=1000).clean(text)
    assert form.value.code == code
    assert form.value.messages == [str(imported.value)]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "expected"), [case for case in ACCEPTED if isinstance(case[0], str)])
def test_a_model_form_amount_reads_what_the_import_reads(text, expected):
    """A screen's ModelForm (``PortalModelForm``) maps every yen model field to the kernel's field."""
    from cluster_portal.forms import PortalModelForm
    from projects.models import ProjectBudget

    class AllocationForm(PortalModelForm):
        class Meta:
            model = ProjectBudget
            fields = ("allocated",)

    form = AllocationForm(data={"allocated": text})
    form.is_valid()
    assert "allocated" not in form.errors, form.errors
    assert form.cleaned_data["allocated"] == YenWidget().clean(text) == expected


@pytest.mark.django_db
def test_a_model_form_amount_refuses_a_thousand_yen_suffix_as_the_import_does():
    from cluster_portal.forms import PortalModelForm
    from projects.models import ProjectBudget

    class AllocationForm(PortalModelForm):
        class Meta:
            model = ProjectBudget
            fields = ("allocated",)

    form = AllocationForm(data={"allocated": "1000千円"})
    with translation.override("ja"):
        assert not form.is_valid()
        with pytest.raises(ValueError) as imported:
            YenWidget().clean("1000千円")
        assert form.errors["allocated"] == [str(imported.value)]
