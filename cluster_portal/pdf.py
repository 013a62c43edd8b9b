"""Server-side PDF: a Django template rendered to PDF with WeasyPrint, and the response that serves it.

One engine for every printed document (the annual results report, the proposal as submitted): the
printable HTML page and the PDF share the same template and ``static/css/print.css``. WeasyPrint lays
out HTML and CSS itself (pure Python on pango), so no headless browser is needed.

No external request is ever made while rendering: ``StaticOnlyFetcher`` serves the project's own
static files (stylesheets, images) and refuses every other URL (http, https, file, ftp, ...). Fonts
are the system's fonts-noto-cjk, named in print.css ("Noto Sans CJK JP", "Noto Serif CJK JP") and
found by fontconfig, never downloaded.

WeasyPrint needs pango from the system (Debian: libpango-1.0-0, libpangoft2-1.0-0; installed by
``.ci/install-pdf.sh``). ``unavailable_reason()`` says why it cannot run, for a clear skip in tests
and a clear failure in a job.
"""

from __future__ import annotations

import functools
import mimetypes
import posixpath
import unicodedata
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string

#: The base URL documents are laid out against: ``{% static %}`` paths resolve below it, and the
#: fetcher serves nothing else. Not a real host; nothing is ever requested from it.
BASE_URL = "https://cluster-portal.invalid/"


class ExternalRequestRefused(ValueError):
    """A document asked for something other than the project's own static files."""


@functools.cache
def unavailable_reason() -> str:
    """Empty when WeasyPrint and its system libraries load; else why not (for skips and job messages)."""
    try:
        import weasyprint  # noqa: F401
    except ImportError as error:
        return f"WeasyPrint is not installed ({error}); pip install -r requirements.txt"
    except OSError as error:  # pango / gobject missing
        return f"WeasyPrint's system libraries are missing ({error}); run .ci/install-pdf.sh"
    return ""


def static_path(url: str) -> Path | None:
    """The file of one of the project's static files named by ``url`` (below BASE_URL + STATIC_URL), else None."""
    prefix = BASE_URL + settings.STATIC_URL.lstrip("/")
    if not url.startswith(prefix):
        return None
    parts = urlsplit(url)
    relative = posixpath.normpath(unquote(parts.path).removeprefix("/" + settings.STATIC_URL.strip("/") + "/"))
    if relative.startswith(("..", "/")) or "\\" in relative:
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    collected = Path(settings.STATIC_ROOT) / relative
    return collected if collected.is_file() else None


def fetch_static(url: str) -> tuple[bytes, str]:
    """(content, mime type) of a static file of the project; ExternalRequestRefused for any other URL."""
    if url.startswith("data:"):
        raise ExternalRequestRefused("data: URLs are handled by WeasyPrint itself")
    path = static_path(url)
    if path is None:
        raise ExternalRequestRefused(f"Only the portal's own static files are served to the PDF engine, not {url!r}")
    return path.read_bytes(), mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint's fetcher limited to the project's static files; everything else is refused."""

        def fetch(self, url, headers=None):
            content, mime_type = fetch_static(url)
            return URLFetcherResponse(url, content, {"Content-Type": mime_type})

    return StaticOnlyFetcher()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf()


def render_pdf(template_name: str, context: dict) -> bytes:
    """The PDF of ``template_name`` rendered with ``context`` (a printed document: no request, no CSRF)."""
    return html_to_pdf(render_to_string(template_name, {**context, "for_pdf": True}))


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition header safe for any filename: an ASCII fallback and the UTF-8 name (RFC 5987/6266)."""
    name = unicodedata.normalize("NFC", filename).replace("/", "_").replace("\\", "_")
    name = "".join(character for character in name if character.isprintable() and character not in '"\r\n;')
    stem, dot, extension = name.rpartition(".")
    ascii_name = (
        "".join(
            character if character.isascii() and (character.isalnum() or character in "-_.") else "_"
            for character in (stem if dot else name)
        ).strip("_")
        or "document"
    )
    if dot:
        ascii_name = f"{ascii_name}.{extension.encode('ascii', 'ignore').decode() or 'pdf'}"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def pdf_response(content: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """The PDF as a download named ``filename`` (Japanese names kept through RFC 5987); never cached."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
