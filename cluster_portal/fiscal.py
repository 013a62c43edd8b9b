"""Japanese fiscal years (年度, April to March), the notations people type for them and for
dates (西暦 and 和暦: 「令和2年度」「R2」「令和2年4月1日」「H23.5.1」), and money display.

Money is always integer yen in the database; these helpers only format it.
"""

import contextlib
import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy
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


# ---------------------------------------------------------------- notations typed by people

# The one reading of a fiscal year or a date typed in a form or found in an import file
# (forms: ``cluster_portal.forms``; imports: ``cluster_portal.tabular.widgets``).
#
# Fiscal years: 「2008」「2008年度」「FY2008」「平成20年度」「平成20」「H20」「h20」「R2」「令和元年度」,
# the portal's own label 「2008年度（平成20年度）」, digits in half or full width. An era's last
# fiscal year is the one that started under it: 平成31年度 (FY2019, begun 2019-04-01 under Heisei)
# is accepted alongside 令和元年度; 平成32年度 is refused with 令和2年度 suggested; 昭和64年度 is
# refused (FY1988 began under Showa, FY1989 under Heisei); year 0 of an era (令和0年) is refused.
#
# Dates: 2008-04-01, 2008/4/1, 2008.4.1, 20080401, 2008年4月1日, 「令和2年4月1日」「R2.4.1」
# 「H23.5.1」「令和元年5月1日」, full width digits. An era date must lie within its era, to the
# day: 平成31年4月30日 and 昭和64年1月7日 exist, 平成31年5月1日 (令和元年5月1日) and 昭和64年1月8日
# (平成元年1月8日) do not.

# name, abbreviation, first day, last day (None: the present era)
ERA_SPANS = (
    ("令和", "R", datetime.date(2019, 5, 1), None),
    ("平成", "H", datetime.date(1989, 1, 8), datetime.date(2019, 4, 30)),
    ("昭和", "S", datetime.date(1926, 12, 25), datetime.date(1989, 1, 7)),
)
_ERA_BY_KEY = {key: span for span in ERA_SPANS for key in (span[0], span[1])}
_ERA = r"(令和|平成|昭和|[RHS])"
_ERA_YEAR = r"(元|\d{1,2})"

FISCAL_YEAR_EXAMPLE = gettext_lazy("年度は 2020、2020年度、令和2年度、R2 のように入力してください。")
DATE_EXAMPLE = gettext_lazy(
    "日付は 2020-04-01、2020/4/1、2020年4月1日、令和2年4月1日、R2.4.1 のように入力してください。"
)


class NotationError(ValidationError, ValueError):
    """A fiscal year or a date that the parsers refuse: a ``ValidationError`` (forms) and a
    ``ValueError`` (import widgets) whose text states what is accepted, with an example."""

    def __init__(self, message, code: str):
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return str(self.message)


def _clean_text(value) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return re.sub(r"\s+", "", text).upper()


def era_year_label(year: int) -> str:
    """「2」 or 「元」 for the era year number."""
    return "元" if year == 1 else str(year)


def _era_span(key: str):
    return _ERA_BY_KEY[key]


def _era_fiscal_year(key: str, number_text: str) -> int:
    name, _abbreviation, first, last = _era_span(key)
    number = 1 if number_text == "元" else int(number_text)
    if number == 0:
        raise NotationError(
            _("%(era)s0年度はありません。最初の年度は%(era)s元年度です。") % {"era": name} + str(FISCAL_YEAR_EXAMPLE),
            "era_year_zero",
        )
    year = first.year + number - 1
    if last is not None and year > fiscal_year_of(last):
        # The fiscal year began under the next era: suggest its name there.
        next_name, next_number = japanese_era(year)
        raise NotationError(
            _("%(era)sは%(last)s年度までです。%(typed)s年度は%(next)s年度と入力してください。")
            % {
                "era": name,
                "last": era_year_label(fiscal_year_of(last) - first.year + 1),
                "typed": f"{name}{number}",
                "next": f"{next_name}{era_year_label(next_number)}",
            },
            "era_ended",
        )
    return year


_WESTERN_YEAR = re.compile(r"^(?:FY)?(\d{4})(?:年度?)?$")
_ERA_FISCAL_YEAR = re.compile(rf"^{_ERA}{_ERA_YEAR}(?:年度?)?$")
_LABEL = re.compile(r"^(\d{4})年度?\((.+)\)$")


def parse_fiscal_year(value) -> int:
    """The fiscal year (西暦) of what a person typed, or :class:`NotationError` (see above)."""
    if isinstance(value, bool):
        raise NotationError(FISCAL_YEAR_EXAMPLE, "invalid")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise NotationError(FISCAL_YEAR_EXAMPLE, "invalid")
    text = _clean_text(value)
    if match := _WESTERN_YEAR.match(text):
        return int(match.group(1))
    if match := _ERA_FISCAL_YEAR.match(text):
        return _era_fiscal_year(match.group(1), match.group(2))
    if match := _LABEL.match(text):  # the portal's own label, 「2008年度（平成20年度）」
        year = int(match.group(1))
        if parse_fiscal_year(match.group(2)) == year:
            return year
    raise NotationError(FISCAL_YEAR_EXAMPLE, "invalid")


_PLAIN_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_TIME_TAIL = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[T ]\d{1,2}:\d{2}\S*$")  # 「2008-04-01 00:00:00」 of a CSV
_KANJI_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ERA_DATE = re.compile(rf"^{_ERA}{_ERA_YEAR}(?:年(\d{{1,2}})月(\d{{1,2}})日|[-/.](\d{{1,2}})[-/.](\d{{1,2}}))$")


def japanese_date_label(day: datetime.date) -> str:
    """「令和2年4月1日」: the era date of a day (to the day: 2019-04-30 is 平成31年4月30日)."""
    for name, _abbreviation, first, _last in ERA_SPANS:
        if day >= first:
            return f"{name}{era_year_label(day.year - first.year + 1)}年{day.month}月{day.day}日"
    return day.isoformat()


def _kanji_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _era_span_text(first: datetime.date, last: datetime.date | None) -> str:
    if last is None:
        return _("%(first)sから") % {"first": _kanji_date(first)}
    return _("%(first)sから%(last)sまで") % {"first": _kanji_date(first), "last": _kanji_date(last)}


def _make_date(year: int, month: int, day: int, typed: str) -> datetime.date:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise NotationError(
            _("%(typed)s という日付はありません。") % {"typed": typed} + str(DATE_EXAMPLE), "no_such_day"
        ) from None


def parse_date(value) -> datetime.date:
    """The date of what a person typed (or a spreadsheet's date cell), or :class:`NotationError`."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and _PLAIN_ISO_DATE.match(value):  # 「2008-04-01」, as exports write it
        with contextlib.suppress(ValueError):  # no such day: the message below names it
            return datetime.date.fromisoformat(value)
    text = _clean_text(_TIME_TAIL.sub(r"\1", unicodedata.normalize("NFKC", str(value)).strip()))
    for pattern in (_ISO_DATE, _KANJI_DATE, _COMPACT_DATE):
        if match := pattern.match(text):
            year, month, day = (int(part) for part in match.groups()[:3])
            return _make_date(year, month, day, f"{year}年{month}月{day}日")
    match = _ERA_DATE.match(text)
    if match is None:
        raise NotationError(DATE_EXAMPLE, "invalid")
    key, number_text, *parts = match.groups()
    month, day = (int(part) for part in (parts[:2] if parts[0] is not None else parts[2:]))
    name, _abbreviation, first, last = _era_span(key)
    number = 1 if number_text == "元" else int(number_text)
    typed = f"{name}{era_year_label(number) if number else 0}年{month}月{day}日"
    if number == 0:
        raise NotationError(
            _("%(era)s0年はありません。最初の年は%(era)s元年です（例: %(example)s）。")
            % {"era": name, "example": japanese_date_label(first)},
            "era_year_zero",
        )
    result = _make_date(first.year + number - 1, month, day, typed)
    if result < first or (last is not None and result > last):
        raise NotationError(
            _("%(typed)s という日付はありません（%(era)sは%(span)s）。%(date)sは %(correct)s と入力してください。")
            % {
                "typed": typed,
                "era": name,
                "span": _era_span_text(first, last),
                "date": _kanji_date(result),
                "correct": japanese_date_label(result),
            },
            "outside_era",
        )
    return result
