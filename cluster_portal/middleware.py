"""Security middleware of the portal.

- ``ContentSecurityPolicyMiddleware``: a strict Content-Security-Policy on every
  response (no inline script or style, no other host) and a Permissions-Policy.
- ``RequestSanityMiddleware``: a path or query string with invalid UTF-8, control
  characters or an absurd length gets a 400 page in Japanese before any view runs,
  so such input never reaches the database (PostgreSQL refuses NUL characters).
- ``PrivateCacheMiddleware``: a signed-in user's responses are ``Cache-Control: private,
  no-store`` and never carry the public pages' validators; a response that sets a cookie is
  never ``public``.
- ``StaffSessionMiddleware``: ministry staff and administrators see every region's
  unpublished data, so their login lasts a shorter time than other users'.

The other security headers (HSTS, X-Frame-Options, Referrer-Policy, nosniff) come
from Django's own ``SecurityMiddleware`` and ``XFrameOptionsMiddleware``; see the
"Security" section of the README.
"""

import datetime
import ipaddress
import unicodedata
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_portal.problems import is_api_request, problem


def build_policy(directives: dict) -> str:
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds ``Content-Security-Policy`` (``settings.CONTENT_SECURITY_POLICY``) and
    ``Permissions-Policy`` to every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", build_policy(settings.CONTENT_SECURITY_POLICY))
        if getattr(settings, "REPORTING_ENDPOINTS", ""):
            response.headers.setdefault("Reporting-Endpoints", settings.REPORTING_ENDPOINTS)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def _has_control_character(text: str) -> bool:
    return any(unicodedata.category(character) == "Cc" for character in text)


def _request_fault(request) -> str:
    """What is wrong with the request's path or query string (a key of ``REQUEST_FAULTS``), or ""."""
    raw_query = request.META.get("QUERY_STRING", "")
    if len(raw_query) > settings.MAX_QUERY_STRING_LENGTH:
        return "query_too_long"
    # A WSGI server hands the raw bytes over as latin-1 text (ASGI as UTF-8); percent-escapes hold the rest.
    try:
        raw_bytes = raw_query.encode("latin-1")
    except UnicodeEncodeError:
        raw_bytes = raw_query.encode("utf-8")
    try:
        query = unquote_to_bytes(raw_bytes.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return "query_not_utf8"
    if _has_control_character(query):
        return "query_control_character"
    # Django has already decoded the path; invalid UTF-8 there became U+FFFD, not an error.
    if _has_control_character(request.path_info):
        return "path_control_character"
    return ""


# fault → (the HTML page's Japanese message, the API's status and detail)
REQUEST_FAULTS = {
    "query_too_long": (
        gettext_lazy("検索条件が長すぎます。条件を短くしてから、もう一度お試しください。"),
        400,
        "The query string is longer than %(limit)d characters.",
    ),
    "query_not_utf8": (
        gettext_lazy("検索条件に読み取れない文字（UTF-8 ではない文字）が含まれています。"),
        400,
        "The query string is not valid UTF-8.",
    ),
    "query_control_character": (
        gettext_lazy("検索条件に使用できない制御文字が含まれています。"),
        400,
        "A query parameter contains a control character.",
    ),
    # An identifier with a control character names no row: under /api/ that is "not found".
    "path_control_character": (
        gettext_lazy("アドレスに使用できない制御文字が含まれています。"),
        404,
        "There is nothing at this address (it contains a control character).",
    ),
}


class RequestSanityMiddleware:
    """Answers 400 with a Japanese page (``400.html``) for a malformed path or query string.

    Under ``/api/`` the answer is a problem document (``cluster_portal.problems``) instead.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        fault = _request_fault(request)
        if not fault:
            return self.get_response(request)
        message, api_status, api_detail = REQUEST_FAULTS[fault]
        if is_api_request(request):
            return problem(api_status, api_detail % {"limit": settings.MAX_QUERY_STRING_LENGTH})
        return render(request, "400.html", {"problem": str(message)}, status=400)


class PrivateCacheMiddleware:
    """No shared cache (the reverse proxy) or browser history ever keeps what a signed-in user saw.

    Placed before the session and CSRF middleware, so it sees the cookies they set. Public pages
    mark themselves shareable for anonymous visitors only (``cluster_portal.cache.public_page``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            for header in ("ETag", "Last-Modified"):
                if header in response:
                    del response[header]
            if "public" in response.get("Cache-Control", ""):
                del response["Cache-Control"]
            patch_cache_control(response, private=True, no_store=True)
            return response
        if "public" not in response.get("Cache-Control", ""):
            return response
        if response.cookies:
            patch_cache_control(response, private=True)
        elif "ETag" in response:
            _drop_accept_language_vary(response)
        return response


def _drop_accept_language_vary(response) -> None:
    """The language of a page is its address's (``/en/…`` English, everything else Japanese:
    ``prefix_default_language=False``), never the browser's Accept-Language, yet LocaleMiddleware
    adds ``Vary: Accept-Language`` to the unprefixed pages; left in, the reverse proxy would keep a
    copy of each Japanese page per Accept-Language string its visitors send."""
    vary = [value.strip() for value in response.get("Vary", "").split(",") if value.strip()]
    kept = [value for value in vary if value.lower() != "accept-language"]
    if kept != vary:
        response["Vary"] = ", ".join(kept)


def session_limit(user) -> datetime.timedelta | None:
    """How long a login of ``user`` may last, when shorter than ``SESSION_COOKIE_AGE``."""
    role = "administrator" if user.is_superuser else user.role
    seconds = settings.STAFF_SESSION_MAX_AGE.get(role)
    return datetime.timedelta(seconds=seconds) if seconds else None


class StaffSessionMiddleware:
    """Logs out users whose role has a shorter login lifetime once it has passed.

    The lifetime counts from ``User.last_login`` (which Django updates at every
    login), so the check reads nothing and writes nothing on ordinary requests.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.last_login:
            limit = session_limit(user)
            if limit and timezone.now() - user.last_login > limit:
                logout(request)
                messages.info(request, _("ログインしてから一定の時間が過ぎたため、安全のためログアウトしました。"))
        return self.get_response(request)


def client_ip(request) -> str | None:
    """The client's address for login throttling (``AXES_CLIENT_IP_CALLABLE``).

    Behind the reverse proxy (``BEHIND_PROXY``), the right-most X-Forwarded-For
    entry is the address the proxy itself saw; anything left of it is what the
    client claimed and is ignored. Otherwise REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded:
        candidate = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            return remote
    return remote


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows to a locked-out login (``AXES_LOCKOUT_CALLABLE``), in Japanese."""
    cool_off = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "registration/locked_out.html", context, status=429)


LOCKOUT_USERNAME_MAX_LENGTH = 150  # User.username's length; axes stores at most 255


def lockout_username(request, credentials=None) -> str | None:
    """The user name django-axes counts failures for (``AXES_USERNAME_CALLABLE``).

    Cut to the longest possible user name: the login form does not limit its length,
    and a longer value would not fit axes' table (a 500 on PostgreSQL).
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    username = credentials.get(field) if credentials else request.POST.get(field)
    return username[:LOCKOUT_USERNAME_MAX_LENGTH] if isinstance(username, str) else username
