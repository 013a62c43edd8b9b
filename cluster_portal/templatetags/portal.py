"""Display helpers for the portal's templates: fiscal years, money and bilingual fields."""

import json

from django import template
from django.utils.formats import date_format
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext

from cluster_portal import fiscal
from cluster_portal.text import excerpt, matched_spans

register = template.Library()


@register.filter
def fiscal_year(value):
    """2008 → 「2008年度（平成20年度）」 (Japanese) or "FY2008" (English); empty → "—"."""
    if value in (None, ""):
        return "—"
    try:
        return fiscal.fiscal_year_label(int(value))
    except (TypeError, ValueError):
        return "—"


@register.filter
def yen(amount):
    """Integer yen with the unit: 「1,234円」."""
    return fiscal.format_yen(amount)


@register.filter
def yen_thousand(amount):
    """Integer yen in thousands with the unit: 「1,234千円」."""
    return fiscal.format_thousand_yen(amount)


@register.filter
def yen_million(amount):
    """Integer yen in millions with the unit: 「1,234百万円」."""
    return fiscal.format_million_yen(amount)


@register.filter
def thousands(amount):
    """Integer yen in thousands without the unit, for table cells whose header states 千円."""
    if amount is None:
        return "—"
    return f"{fiscal._round_half_up(int(amount), 1000):,}"


@register.filter
def in_unit(amount, unit: str = "thousand"):
    """Integer yen as a table figure without the unit, in the page's unit: ``"thousand"`` (千円, rounded half
    up, as :func:`thousands`) or ``"yen"`` (円); the page states which."""
    if amount is None:
        return "—"
    if unit == "yen":
        return digits(amount)
    return thousands(amount)


@register.filter
def digits(amount):
    """An integer with thousands separators and no unit (「123,456,789」), for cells whose header
    states the unit (円); empty → "—"."""
    if amount is None or amount == "":
        return "—"
    return f"{int(amount):,}"


def is_english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def localized(obj, field: str):
    """``obj.<field>_en`` when English is active and it is not empty, else ``obj.<field>``.

    Usage: ``{{ region|localized:"name" }}``.
    """
    if obj is None:
        return ""
    if is_english():
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field, "")


@register.filter
def is_web_url(value) -> bool:
    """True for http(s) addresses, which may be shown as links (never ``javascript:`` and the like)."""
    return isinstance(value, str) and value.lower().startswith(("https://", "http://"))


@register.filter
def join_localized(objects, field: str = "name"):
    """Localised ``field`` of each object, joined with the language's list separator (「、」 or ", ")."""
    separator = ", " if is_english() else "、"
    return separator.join(str(localized(obj, field)) for obj in objects)


@register.simple_tag
def period(start, end, unit: str = "date"):
    """A period such as 「2008年4月1日〜2012年3月31日」 or "FY2007 – FY2011"; an open end shows as ongoing.

    ``unit`` is ``"date"`` for dates or ``"fiscal_year"`` for fiscal years (年度).
    """

    def show(value):
        if not value:
            return ""
        return fiscal_year(value) if unit == "fiscal_year" else date_format(value)

    if not start and not end:
        return "—"
    return pgettext("period", "%(start)s〜%(end)s") % {"start": show(start) or "—", "end": show(end)}


@register.simple_tag(takes_context=True)
def page_query(context, number, param: str = "page", anchor: str = ""):
    """The current query string with ``param`` set to ``number`` (other filters kept), plus ``#anchor``.

    Lets one page carry several paginated lists, each with its own page parameter.
    """
    query = context["request"].GET.copy()
    query[param] = number
    return f"?{query.urlencode()}{'#' + anchor if anchor else ''}"


@register.filter
def ignored_filters(form) -> list[tuple[str, str]]:
    """(label, value given) of each filter of a GET list form whose value was not recognised.

    A list drops such a value and shows every row it would show without it
    (``templates/includes/ignored_notice.html`` says so).
    """
    if not getattr(form, "is_bound", False) or form.is_valid():
        return []
    return [
        (str(form.fields[name].label), str(form.data.get(name, ""))[:100])
        for name in form.errors
        if name in form.fields and form.data.get(name)
    ]


_JSON_LD_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """``<script type="application/ld+json">`` with ``data`` (schema.org structured data).

    A data block, not a script: browsers never execute it, so the CSP's ``script-src 'self'`` does
    not apply and no nonce is needed (tests/test_security_headers.py allows exactly this type).
    ``<``, ``>`` and ``&`` are escaped as in ``json_script``, so no text can close the element.
    """
    if not data:
        return ""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_LD_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.filter
def highlight(value, terms):
    """``value`` escaped, each place a search term matches in ``<mark>`` (``text.matched_spans``).

    ``terms`` is the list of ``text.search_terms``; with none, the value is only escaped.
    """
    text = "" if value is None else str(value)
    if not terms:
        return conditional_escape(text)
    marked = escape("")
    position = 0
    for start, end in matched_spans(text, terms):
        marked += escape(text[position:start]) + format_html("<mark>{}</mark>", text[start:end])
        position = end
    return marked + escape(text[position:])


@register.filter
def search_excerpt(value, terms):
    """A short part of a long text around the first matched term, or "" (``text.excerpt``)."""
    return excerpt(value, terms) if terms else ""
