"""A versioned cache for the public aggregates (key figures, funding flow, facet counts, the map).

How it works
------------
* One counter, the **data generation**, lives in the cache itself (key ``portal:data-generation``),
  so every application instance that shares the cache (Redis, ``CACHE_URL``) sees the same value.
* A cached value's key is ``portal:<name>:<generation>:<language>:<hash of the arguments>``.
  Bumping the generation makes every earlier value unreachable at once; the old values simply
  expire (``PUBLIC_CACHE_TIMEOUT``, one hour by default, a safety net). There is no per-key delete
  that a write path could forget.
* The bump runs **after the transaction commits** (``transaction.on_commit``): a rolled-back write
  invalidates nothing, and a reader elsewhere can never store pre-commit data under the new
  generation. Outside a transaction the bump is immediate. Several writes in one transaction
  schedule one bump.

What bumps it (the invalidation mechanism, chosen for correctness across every write path)
-----------------------------------------------------------------------------------------------
1. One receiver of ``post_save``, ``post_delete`` and ``m2m_changed`` for every model of the
   ``regions``, ``projects`` and ``coordinators`` apps (connected in ``ClusterPortalConfig.ready``).
   It covers the services, the ministry and workspace pages, workflow transitions, the Django admin
   and row-by-row imports alike — whatever saves a model row. Its only effect is this cache bump
   (DESIGN §5 keeps business rules out of signals; the other receivers, ``projects/rollups.py``,
   likewise only keep derived rows).
2. Explicit ``invalidate_public_data()`` calls where Django sends no signal: bulk writes
   (``QuerySet.update()``, ``bulk_create``) in ``cluster_portal.tabular.services.data_import``,
   ``manage.py generate_data`` and ``manage.py load_demo``. A new bulk write path calls
   ``cluster_portal.derived.bulk_written()``, which rebuilds the rollups and calls it.

If the cache is unreachable, cached functions compute their value directly (logged), so pages
keep working without Redis; a bump that fails is logged, and values cached before it expire after
``PUBLIC_CACHE_TIMEOUT`` at the latest.

Tests: pytest-django's ``db`` fixture wraps each test in a transaction that never commits, so
``on_commit`` hooks would never run. When the outermost atomic block is that test transaction
(Django marks it ``_from_testcase``) the bump is immediate; ``transactional_db`` tests see the real
on-commit behaviour (tests/test_cache_invalidation.py covers both).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import itertools
import logging
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date

logger = logging.getLogger(__name__)

GENERATION_KEY = "portal:data-generation"
# (generation, Unix seconds): when the current generation began, the public pages' Last-Modified.
GENERATION_TIME_KEY = "portal:data-generation-at"
KEY_PREFIX = "portal"
INVALIDATING_APPS = frozenset({"regions", "projects", "coordinators"})
_MISSING = object()


def _fresh_generation() -> int:
    """A start value larger than any earlier one, so a lost counter never revives stale keys."""
    return time.time_ns() // 1000


def data_generation() -> int:
    """The current data generation (created on first use; never expires)."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, _fresh_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY)
    return int(generation)


def _record_generation_time(generation: int, previous) -> int:
    """Store when ``generation`` began, in whole seconds (an HTTP date's resolution): now, unless the
    generation before began in this same second — then the next second, so that no two generations
    whose pages were sent with a Last-Modified share one. Pages are sent with a Last-Modified only
    once it is not in the future (``_validators``), so a date ahead of now was never sent and may
    be taken again by several bumps within one second."""
    now = int(time.time())
    at = now
    if previous is not None:
        previous_at = int(previous[1])
        at = previous_at + 1 if previous_at == now else max(now, previous_at)
    cache.set(GENERATION_TIME_KEY, (generation, at), timeout=None)
    return at


def bump_data_generation() -> None:
    """Make every cached public value stale now, on every instance sharing the cache."""
    try:
        try:
            generation = cache.incr(GENERATION_KEY)
        except ValueError:  # the counter was never set, or was evicted
            generation = _fresh_generation()
            cache.set(GENERATION_KEY, generation, timeout=None)
        _record_generation_time(generation, cache.get(GENERATION_TIME_KEY))
    except Exception:
        logger.exception("Could not bump the public data generation; cached pages may be stale for a while")


def _pending(connection) -> bool:
    """A bump is already scheduled that commits or rolls back together with the current write."""
    current = set(connection.savepoint_ids)
    return any(func is bump_data_generation and sids <= current for sids, func, _robust in connection.run_on_commit)


def invalidate_public_data(using: str = DEFAULT_DB_ALIAS) -> None:
    """Bump the data generation once the current transaction commits (now, outside a transaction)."""
    connection = transaction.get_connection(using)
    blocks = connection.atomic_blocks
    if not connection.in_atomic_block or (blocks and getattr(blocks[0], "_from_testcase", False)):
        bump_data_generation()
    elif not _pending(connection):
        transaction.on_commit(bump_data_generation, using=using)


def _on_model_change(sender, **kwargs) -> None:
    if sender._meta.app_label in INVALIDATING_APPS:
        invalidate_public_data(using=kwargs.get("using") or DEFAULT_DB_ALIAS)


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    post_save.connect(_on_model_change, dispatch_uid="portal-cache-post-save")
    post_delete.connect(_on_model_change, dispatch_uid="portal-cache-post-delete")
    m2m_changed.connect(_on_m2m_change, dispatch_uid="portal-cache-m2m")


def _on_m2m_change(sender, instance, action, using=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    # ``sender`` is the through model; auto-created ones belong to the app of the model declaring the field.
    if sender._meta.app_label in INVALIDATING_APPS or instance._meta.app_label in INVALIDATING_APPS:
        invalidate_public_data(using=using or DEFAULT_DB_ALIAS)


def make_key(name: str, args: tuple, kwargs: dict, *, per_language: bool, generation: int) -> str:
    arguments = repr((args, sorted(kwargs.items()))).encode()
    digest = hashlib.sha256(arguments).hexdigest()[:24]
    language = (translation.get_language() or settings.LANGUAGE_CODE) if per_language else "-"
    return f"{KEY_PREFIX}:{name}:{generation}:{language}:{digest}"


def cached(name: str, *, per_language: bool = False):
    """Cache a pure function's result under (name, arguments, data generation[, language]).

    The function's arguments must have a stable ``repr`` (numbers, strings, None, tuples of those).
    The undecorated function stays available as ``.uncached``.
    """

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                key = make_key(name, args, kwargs, per_language=per_language, generation=data_generation())
                value = cache.get(key, _MISSING)
            except Exception:
                logger.exception("Cache unreachable; computing %s directly", name)
                return func(*args, **kwargs)
            if value is _MISSING:
                value = func(*args, **kwargs)
                try:
                    cache.set(key, value, timeout=settings.PUBLIC_CACHE_TIMEOUT)
                except Exception:
                    logger.exception("Could not cache %s", name)
            return value

        wrapper.uncached = func
        return wrapper

    return decorator


def cached_page(name: str, queryset_factory, args: tuple, page_number, per_page: int, *, count: int | None = None):
    """A paginator page of a public list whose row count and rows come from the cache.

    ``queryset_factory(*args)`` builds the (published-only) queryset; ``args`` must have a stable
    ``repr``. Returns a ``django.core.paginator.Page`` like ``cluster_portal.paging.get_page()``.
    ``count``: the number of rows when the caller knows it already (the results browser adds up its
    counts by kind), so no ``COUNT(*)`` of the queryset is run.
    """
    from django.core.paginator import Page, Paginator

    from cluster_portal.paging import requested_page

    def compute(*factory_args, number):
        paginator = Paginator(queryset_factory(*factory_args), per_page)
        if count is not None:
            paginator.count = count  # the cached_property, already known
        page = paginator.get_page(number)
        return paginator.count, page.number, list(page.object_list)

    wanted, ignored = requested_page(page_number)
    count, number, rows = cached(name)(compute)(*args, number=wanted)
    paginator = Paginator([], per_page)
    paginator.count = count  # overrides the cached_property: no COUNT query
    page = Page(rows, number, paginator)
    page.ignored_number = ignored
    return page


# --- whole public pages for anonymous visitors ----------------------------------------------------
#
# A public page is the same for every anonymous visitor who asks for the same address in the same
# language. ``public_page`` keeps the rendered response under (the address's language, scheme, host, full path)
# together with the data generation it was rendered in, and serves it while that generation is
# current. One ``get_many`` fetches the generation and the page in a single round trip. Public pages
# carry no CSRF token (the language switch needs none, cluster_portal/urls.py); should a cached page
# ever contain a POST form, its token is cut out of the stored copy and each visitor gets their own
# put back in. Signed-in users (who may see unpublished data), visitors with pending messages, and
# responses that set cookies, touch the session, are not a 200 or are larger than
# ``PUBLIC_PAGE_CACHE_MAX_BYTES`` are never cached.

CSRF_TOKEN_VALUE = re.compile(rb'(?<=name="csrfmiddlewaretoken" value=")[^"]*')
UNCACHED_HEADERS = frozenset({"set-cookie", "content-length"})


def _address(request) -> tuple[str, str]:
    """The language the address names (``/en/…`` English, else Japanese; LocaleMiddleware renders it
    in that language) and the hash of the full address."""
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}".encode()
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    return language, hashlib.sha256(address).hexdigest()[:32]


def page_key(request) -> str:
    """The stored page's key: the language of its address and the hash of the full address."""
    language, digest = _address(request)
    return f"{KEY_PREFIX}:page:{language}:{digest}"


def _visitor_may_share(request) -> bool:
    """An anonymous GET or HEAD without pending messages: the page is the same for every such visitor."""
    if request.method not in ("GET", "HEAD"):
        return False
    if request.user.is_authenticated:
        return False
    from django.contrib.messages import get_messages

    return len(get_messages(request)) == 0


def _page_cache_on() -> bool:
    """``PUBLIC_PAGE_CACHE_TIMEOUT=0`` switches the page cache off (every request renders); the
    HTTP validators below stay on."""
    return settings.PUBLIC_PAGE_CACHE_TIMEOUT > 0


# --- HTTP caching of the same pages (browsers and the reverse proxy, docs/operations.md §3) ---------
#
# A shareable page gets a weak ETag made of the data generation, the address's language, the local
# date (pages that show "upcoming" change at midnight) and the address's hash, and Last-Modified: when
# the generation began (or today's midnight, whichever is later). A conditional GET whose validator
# still matches is answered 304 before the view runs. ``Cache-Control: public, max-age=`` lets the
# proxy keep the page ``PUBLIC_HTTP_CACHE_MAX_AGE`` seconds; ``Vary: Cookie``. Signed-in users, error
# responses, pages carrying a CSRF token and responses setting cookies never get any of it
# (``cluster_portal.middleware.PrivateCacheMiddleware`` marks signed-in responses private, no-store).


def _generation_time(generation: int, found) -> int | None:
    if found is not None and int(found[0]) == generation:
        return int(found[1])
    if found is not None and int(found[0]) > generation:
        return None  # a newer generation began after ours was read: no date we can vouch for
    return _record_generation_time(generation, found)


def _validators(request, generation: int, generation_at: int | None) -> tuple[str, int | None]:
    language, digest = _address(request)
    today = timezone.localdate()
    etag = f'W/"{generation}-{language}-{today:%Y%m%d}-{digest[:16]}"'
    if generation_at is None:
        return etag, None
    midnight = datetime.datetime.combine(today, datetime.time.min, tzinfo=timezone.get_current_timezone())
    last_modified = max(generation_at, int(midnight.timestamp()))
    # Never a date in the future (several writes within a second push the recorded time ahead).
    return etag, (last_modified if last_modified <= time.time() else None)


def _mark_shared(response, etag: str, last_modified: int | None):
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_HTTP_CACHE_MAX_AGE)
    patch_vary_headers(response, ("Cookie",))
    return response


def _not_modified(request, etag: str, last_modified: int | None):
    """A 304 when the visitor's copy is current (If-None-Match, else If-Modified-Since), else None."""
    if "HTTP_IF_NONE_MATCH" not in request.META and "HTTP_IF_MODIFIED_SINCE" not in request.META:
        return None
    answer = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if answer is None or answer.status_code != 304:
        return None
    return _mark_shared(answer, etag, last_modified)


def _storable(request, response) -> bool:
    if response.status_code != 200 or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-store" in cache_control:
        return False
    session = getattr(request, "session", None)
    return not (session is not None and session.modified)


def _buffered(response):
    """``response`` with its whole body in memory, or None (and the stream intact) when it is too large."""
    if not response.streaming:
        return response
    chunks, size, limit = [], 0, settings.PUBLIC_PAGE_CACHE_MAX_BYTES
    stream = iter(response.streaming_content)
    for chunk in stream:
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            response.streaming_content = itertools.chain(chunks, stream)
            return None
    buffered = HttpResponse(b"".join(chunks), status=response.status_code, headers=dict(response.items()))
    # The stream is exhausted. Not ``response.close()``: that sends ``request_finished``, which
    # closes the database connection in the middle of the request; the server closes ``buffered``.
    return buffered


def _serve(headers, chunks, request) -> HttpResponse:
    from django.middleware.csrf import get_token

    content = get_token(request).encode().join(chunks) if len(chunks) > 1 else chunks[0]
    return HttpResponse(content, headers=dict(headers))


def public_page(view):
    """Serve ``view``'s response to anonymous visitors from the cache until the data changes, with
    HTTP validators (ETag, Last-Modified; 304 to a conditional GET) and ``Cache-Control: public``.

    The view must show every anonymous visitor the same response for the same address and
    language; signed-in users always get a freshly rendered page.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _visitor_may_share(request):
            return view(request, *args, **kwargs)
        key = page_key(request) if _page_cache_on() else None
        try:
            found = cache.get_many([GENERATION_KEY, GENERATION_TIME_KEY, *([key] if key else [])])
            generation = found.get(GENERATION_KEY)
            if generation is None:
                generation = data_generation()
            generation = int(generation)
            etag, last_modified = _validators(
                request, generation, _generation_time(generation, found.get(GENERATION_TIME_KEY))
            )
        except Exception:
            logger.exception("Cache unreachable; rendering %s directly", request.path)
            return view(request, *args, **kwargs)
        not_modified = _not_modified(request, etag, last_modified)
        if not_modified is not None:
            return not_modified
        entry = found.get(key) if key else None
        if entry is not None and entry[0] == generation:
            served = _serve(entry[1], entry[2], request)
            # A page with a form carries this visitor's CSRF token: never for a shared cache.
            return served if len(entry[2]) > 1 else _mark_shared(served, etag, last_modified)
        response = view(request, *args, **kwargs)
        if not _storable(request, response):
            return response
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        buffered = _buffered(response)
        if buffered is None:
            return response
        chunks = CSRF_TOKEN_VALUE.split(buffered.content)
        if key:
            headers = [(name, value) for name, value in buffered.items() if name.lower() not in UNCACHED_HEADERS]
            try:
                cache.set(key, (generation, headers, chunks), timeout=settings.PUBLIC_PAGE_CACHE_TIMEOUT)
            except Exception:
                logger.exception("Could not cache the page %s", request.path)
        return buffered if len(chunks) > 1 else _mark_shared(buffered, etag, last_modified)

    return wrapper
