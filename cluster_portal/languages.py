"""The language of a page is in its address: Japanese unprefixed (``/projects/``), English under
``/en/`` (``/en/projects/``); cluster_portal/urls.py wires ``i18n_patterns``.

* ``address_in(path, language)`` — the same page in another language (the switcher and the hreflang
  alternates use it; it works for any address, a 404 included, because the two differ only by the
  prefix).
* ``LanguageQueryMiddleware`` — ``?lang=en`` / ``?lang=ja`` (an old or hand-made link) redirects to
  the page's address in that language, the rest of the query string kept.
* ``switch_language`` — the old POST language switch, now a redirect to the other address.
* ``redirect_to_neutral`` — the language-neutral addresses of the public URL module (API, sitemaps,
  robots.txt, favicon) have one address; under ``/en/`` they redirect to it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect
from django.utils import translation

NEUTRAL_UNDER_PREFIX = r"^en/(?P<rest>(?:api/.*|sitemap[^/]*\.xml|robots\.txt|favicon\.ico))$"
# Addresses outside i18n_patterns: no language prefix, no alternates.
UNPREFIXED = ("/api/", "/admin/", "/static/", "/media/", "/healthz", "/csp-report/", "/i18n/")
UNPREFIXED_FILES = ("/robots.txt", "/favicon.ico")


def prefixed_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def language_of(path: str) -> str:
    """The language an address is shown in (the prefix; Japanese when there is none)."""
    return translation.get_language_from_path(path) or settings.LANGUAGE_CODE


def has_languages(path: str) -> bool:
    """Whether the address exists in every language (an i18n_patterns page)."""
    bare = strip_prefix(path)
    if bare.startswith(UNPREFIXED) or bare in UNPREFIXED_FILES:
        return False
    return not (bare.startswith("/sitemap") and bare.endswith(".xml"))


def strip_prefix(path: str) -> str:
    for code in prefixed_languages():
        if path == f"/{code}" or path.startswith(f"/{code}/"):
            return path[len(code) + 1 :] or "/"
    return path


def address_in(path: str, language: str) -> str:
    """``path`` (query string allowed) as the same page in ``language``."""
    bare = strip_prefix(path)
    if language == settings.LANGUAGE_CODE:
        return bare
    return f"/{language}{bare}"


def switch_language(request):
    """Django's ``set_language`` (the next address checked against ALLOWED_HOSTS), sending the visitor
    to the next page's address in the chosen language: Django's own ``translate_url`` cannot resolve
    an ``/en/`` address from this unprefixed view, so the prefix is swapped here."""
    from django.views.i18n import set_language

    response = set_language(request)
    language = request.POST.get("language", request.GET.get("language"))
    target = response.get("Location", "")
    codes = {code for code, _name in settings.LANGUAGES}
    local = target.startswith("/") and not target.startswith("//")
    if response.status_code == 302 and language in codes and local and has_languages(target.split("?")[0]):
        response["Location"] = address_in(target, language)
    return response


def redirect_to_neutral(request, rest):
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"/{rest}" + (f"?{query}" if query else ""))


class LanguageQueryMiddleware:
    """``?lang=<code>`` on a page: redirect to the address of that language (after LocaleMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        wanted = request.GET.get("lang")
        codes = {code for code, _name in settings.LANGUAGES}
        if request.method in ("GET", "HEAD") and wanted in codes and has_languages(request.path_info):
            rest = [(key, value) for key, values in request.GET.lists() if key != "lang" for value in values]
            target = address_in(request.path, wanted) + (f"?{urlencode(rest)}" if rest else "")
            return HttpResponseRedirect(target)
        return self.get_response(request)
