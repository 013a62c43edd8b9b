import datetime

import pytest
from django.utils import translation

from cluster_portal.fiscal import (
    fiscal_year_bounds,
    fiscal_year_label,
    fiscal_year_of,
    format_million_yen,
    format_thousand_yen,
    format_yen,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2009, 3, 31), 2008),
        (datetime.date(2009, 4, 1), 2009),
        (datetime.date(2009, 1, 1), 2008),
        (datetime.date(2008, 12, 31), 2008),
    ],
)
def test_fiscal_year_runs_april_to_march(day, expected):
    assert fiscal_year_of(day) == expected


def test_fiscal_year_bounds_are_april_first_and_march_31st():
    assert fiscal_year_bounds(2008) == (datetime.date(2008, 4, 1), datetime.date(2009, 3, 31))


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [
        (2008, "2008年度（平成20年度）"),
        (1989, "1989年度（平成元年度）"),
        (1988, "1988年度（昭和63年度）"),
        (2018, "2018年度（平成30年度）"),
        (2019, "2019年度（令和元年度）"),
        (2020, "2020年度（令和2年度）"),
    ],
)
def test_fiscal_year_label_in_japanese_across_era_boundaries(fiscal_year, label):
    with translation.override("ja"):
        assert fiscal_year_label(fiscal_year) == label


def test_fiscal_year_label_in_english():
    with translation.override("en"):
        assert fiscal_year_label(2008) == "FY2008"


def test_amounts_show_with_their_unit_rounded_half_up():
    with translation.override("ja"):
        assert format_thousand_yen(512_345_678) == "512,346千円"
        assert format_thousand_yen(1_499) == "1千円"
        assert format_thousand_yen(1_500) == "2千円"
        assert format_million_yen(512_345_678) == "512百万円"
        assert format_million_yen(499_500_000) == "500百万円"
        assert format_yen(1234) == "1,234円"
        assert format_yen(None) == "—"
