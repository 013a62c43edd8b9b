"""Rate limits on what a script can hammer without signing in: search, the JSON API, and the
password reset and contact forms once they exist (issue 18).

``@rate_limited("search")`` counts the requests of one client address in a fixed window
(``settings.RATE_LIMITS["search"] = "60/60"``: 60 requests per 60 seconds). Past the limit the
answer is 429 with ``Retry-After`` (seconds until the window ends): the Japanese page
``templates/429.html``, or what ``too_many(request, retry_after)`` returns (the API's JSON error).

- Signed-in users are not counted (they are known, and their login is throttled by django-axes).
- The client address is ``cluster_portal.middleware.client_ip``, the one django-axes uses: behind
  the reverse proxy (``BEHIND_PROXY=true``) the right-most ``X-Forwarded-For`` entry, else
  ``REMOTE_ADDR``.
- The counters live in the cache (Redis in production, shared by every instance). When the cache
  is unreachable the request is let through: a limit degrades, it never causes a 500.
- ``RATE_LIMITS_ENABLED=false`` switches every limit off; a scope whose value is empty or ``0``
  is off. The test settings switch them off; tests/test_rate_limits.py switches them on.
"""

from __future__ import annotations

import functools
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from cluster_portal.middleware import client_ip

logger = logging.getLogger(__name__)

KEY_PREFIX = "ratelimit"


def parse_rate(value: str) -> tuple[int, int] | None:
    """``"60/60"`` → (60 requests, 60 seconds); ``""``/``"0"`` → None (no limit)."""
    value = (value or "").strip()
    if value in ("", "0"):
        return None
    count, _, seconds = value.partition("/")
    count, seconds = int(count), int(seconds or 60)
    if count <= 0 or seconds <= 0:
        return None
    return count, seconds


def limit_for(scope: str) -> tuple[int, int] | None:
    if not getattr(settings, "RATE_LIMITS_ENABLED", True):
        return None
    return parse_rate(getattr(settings, "RATE_LIMITS", {}).get(scope, ""))


def hit(scope: str, address: str, *, now: float | None = None) -> int | None:
    """Count one request; the seconds to wait (``Retry-After``) if it is over the limit, else None."""
    limit = limit_for(scope)
    if limit is None:
        return None
    count, period = limit
    now = time.time() if now is None else now
    window = int(now // period)
    key = f"{KEY_PREFIX}:{scope}:{address}:{window}"
    try:
        cache.add(key, 0, timeout=period + 1)
        current = cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens the window again
        current = 1
    except Exception:
        logger.warning("Rate limit %r not counted: the cache is unreachable", scope, exc_info=True)
        return None
    if current <= count:
        return None
    return max(1, math.ceil((window + 1) * period - now))


def too_many_requests_page(request, retry_after: int):
    return render(request, "429.html", {"retry_after": retry_after}, status=429)


def rate_limited(scope: str, *, methods=None, too_many=too_many_requests_page):
    """Limit an anonymous view per client address (see the module docstring). ``methods``: count
    only these (e.g. ``("POST",)`` for a form whose page may be shown freely)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            counted = methods is None or request.method in methods
            user = getattr(request, "user", None)
            if counted and not (user is not None and user.is_authenticated):
                retry_after = hit(scope, client_ip(request) or "unknown")
                if retry_after is not None:
                    response = too_many(request, retry_after)
                    response["Retry-After"] = str(retry_after)
                    response["Cache-Control"] = "no-store"
                    return response
            return view(request, *args, **kwargs)

        wrapped.rate_limit_scope = scope
        return wrapped

    return decorator
