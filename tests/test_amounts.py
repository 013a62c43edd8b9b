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
