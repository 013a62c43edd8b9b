"""Japanese fiscal years (年度, April to March) and money display.

Money is always integer yen in the database; these helpers only format it.
"""

import datetime

from django.utils.translation import get_language
from django.utils.translation import gettext as _

# Japanese eras with the calendar year they began. A calendar year in which an
# era changed is counted as the new era's first year (元年): 1989 is 平成元年,
# 2019 is 令和元年. A fiscal year takes the era label of the calendar year it
# starts in, which is how ministries label them today (FY2019 = 令和元年度,
# FY1988 = 昭和63年度, FY1989 = 平成元年度).
ERAS = (
    (2019, "令和", "Reiwa"),
    (1989, "平成", "Heisei"),
    (1926, "昭和", "Showa"),
)


def fiscal_year_of(day: datetime.date) -> int:
    """Return the Japanese fiscal year (年度) a date falls in: April to March."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of a fiscal year."""
    return datetime.date(fiscal_year, 4, 1), datetime.date(fiscal_year + 1, 3, 31)


def current_fiscal_year(today: datetime.date | None = None) -> int:
    from django.utils import timezone

    return fiscal_year_of(today or timezone.localdate())


def japanese_era(year: int) -> tuple[str, int]:
    """Era name and era year of a calendar year, e.g. 2008 → ("平成", 20)."""
    for start, name, _english in ERAS:
        if year >= start:
            return name, year - start + 1
    raise ValueError(f"Year {year} is before the supported eras")


def era_label(year: int) -> str:
    name, number = japanese_era(year)
    return f"{name}{'元' if number == 1 else number}"


def fiscal_year_label(fiscal_year: int, language: str | None = None) -> str:
    """「2008年度（平成20年度）」 in Japanese, "FY2008" in English."""
    language = language or get_language() or "ja"
    if language.startswith("en"):
        return f"FY{fiscal_year}"
    return f"{fiscal_year}年度（{era_label(fiscal_year)}年度）"


def _round_half_up(amount: int, unit: int) -> int:
    quotient, remainder = divmod(abs(amount), unit)
    if remainder * 2 >= unit:
        quotient += 1
    return -quotient if amount < 0 else quotient


def format_thousand_yen(amount: int | None) -> str:
    """Integer yen shown in 千円 (thousands of yen, rounded half up) with the unit."""
    if amount is None:
        return "—"
    return _("%(amount)s千円") % {"amount": f"{_round_half_up(int(amount), 1000):,}"}


def format_million_yen(amount: int | None) -> str:
    """Integer yen shown in 百万円 (millions of yen, rounded half up) with the unit."""
    if amount is None:
        return "—"
    return _("%(amount)s百万円") % {"amount": f"{_round_half_up(int(amount), 1_000_000):,}"}


def format_yen(amount: int | None) -> str:
    if amount is None:
        return "—"
    return _("%(amount)s円") % {"amount": f"{int(amount):,}"}
