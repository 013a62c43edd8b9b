"""Pagination of every list: the one way a ``?page=`` value becomes a page.

Django's ``Paginator.get_page`` shows the *last* page for ``page=0`` or ``page=-1``. Here a value
that is not a page number of 1 or more (``0``, ``-1``, ``abc``) is not recognised: the list shows
its first page and the page says so (``page.ignored_number``, shown by
``templates/includes/ignored_notice.html``); a number past the end shows the last page, as before.
"""

from django.core.paginator import Page, Paginator
from django.db import models

MAX_PAGE_DIGITS = 20


def requested_page(raw) -> tuple[int, str | None]:
    """``(number to show, the value when it was not recognised)`` for a ``?page=`` value."""
    if raw in (None, ""):
        return 1, None
    text = str(raw)
    if not text.isascii() or not text.isdigit() or len(text) > MAX_PAGE_DIGITS or int(text) < 1:
        return 1, text[:MAX_PAGE_DIGITS]
    return int(text), None


def get_page(paginator: Paginator, raw) -> Page:
    """``paginator``'s page for the ``?page=`` value ``raw`` (see the module's rule)."""
    number, ignored = requested_page(raw)
    page = paginator.get_page(number)
    page.ignored_number = ignored
    return page


def paginate(object_list, per_page: int, raw) -> Page:
    return get_page(Paginator(object_list, per_page), raw)


def first_rows_and_count(queryset, limit: int, *, offset: int = 0) -> tuple[list, int]:
    """Rows ``offset`` to ``offset + limit`` of ``queryset`` (in its order) and how many rows it has.

    One query finds the matching rows once: their keys in order, with ``COUNT(*) OVER ()`` (computed
    over every matching row before ``LIMIT``/``OFFSET``), so no separate ``count()`` repeats a costly
    filter such as a text search. A second query fetches the rows shown by key with the queryset's
    ``select_related``, so wide columns and joins are read for those rows only. The rows are plain
    model rows: only for querysets whose rows need no annotation. No row in the range: ``([], 0)``
    and no second query (past the end, the count is not known).
    """
    window = models.Window(expression=models.Count("*"))
    head = list(queryset.annotate(_rows_in_all=window).values_list("pk", "_rows_in_all")[offset : offset + limit])
    if not head:
        return [], 0
    keys = [key for key, _ in head]
    rows = queryset.model._base_manager.filter(pk__in=keys)
    rows.query.select_related = queryset.query.select_related
    by_key = {row.pk: row for row in rows}
    return [by_key[key] for key in keys], head[0][1]


def paginate_counted(queryset, per_page: int, raw) -> Page:
    """``paginate`` for a searched list: the page's rows and the count from one search
    (``first_rows_and_count``; rows without annotations). A number past the end shows the last page
    (counted as ``paginate`` does)."""
    number, ignored = requested_page(raw)
    paginator = Paginator(queryset, per_page)
    rows, total = first_rows_and_count(queryset, per_page, offset=(number - 1) * per_page)
    if rows or number == 1:
        paginator.count = total  # the cached_property, already known
        page = paginator._get_page(rows, number, paginator)
    else:
        page = paginator.get_page(number)
    page.ignored_number = ignored
    return page
