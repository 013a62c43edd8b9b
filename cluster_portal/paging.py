"""Pagination of every list: the one way a ``?page=`` value becomes a page.

Django's ``Paginator.get_page`` shows the *last* page for ``page=0`` or ``page=-1``. Here a value
that is not a page number of 1 or more (``0``, ``-1``, ``abc``) is not recognised: the list shows
its first page and the page says so (``page.ignored_number``, shown by
``templates/includes/ignored_notice.html``); a number past the end shows the last page, as before.
"""

from django.core.paginator import Page, Paginator

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
