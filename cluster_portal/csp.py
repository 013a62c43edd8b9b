"""``POST /csp-report/``: where browsers report Content-Security-Policy violations (issue 18).

The policy (``CONTENT_SECURITY_POLICY``) names this endpoint twice: ``report-uri`` (the older
format, ``application/csp-report``) and ``report-to csp`` with the ``Reporting-Endpoints``
header (the Reporting API, ``application/reports+json``, a list of reports). Each violation is
stored as a :class:`~cluster_portal.models.CspReport` (administrators see them, read-only, in the
admin) and logged as a warning.

Anyone can post here, so: no CSRF token (a browser sends none), a body of at most
``CSP_REPORT_MAX_BYTES``, at most ``CSP_REPORTS_PER_REQUEST`` reports per post, each field cut to
its column, a rate limit per address (``RATE_LIMITS["csp_report"]``), only the newest
``CSP_REPORTS_KEPT`` rows kept. Answers 204; 400 for what is not a report (another content type
included), 413 when too large, 429 past the rate limit.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cluster_portal.models import CspReport
from cluster_portal.ratelimit import rate_limited

logger = logging.getLogger(__name__)

CONTENT_TYPES = {"application/csp-report", "application/reports+json", "application/json"}
# field → (key in the report-uri format, key in the Reporting API's body)
_FIELDS = {
    "document_uri": ("document-uri", "documentURL"),
    "effective_directive": ("effective-directive", "effectiveDirective"),
    "blocked_uri": ("blocked-uri", "blockedURL"),
    "source_file": ("source-file", "sourceFile"),
    "line_number": ("line-number", "lineNumber"),
    "disposition": ("disposition", "disposition"),
}


def _violations(payload) -> list[tuple[dict, bool]]:
    """``(body, is_reporting_api)`` for each CSP violation in the posted JSON."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [(payload["csp-report"], False)]
    if isinstance(payload, list):
        return [
            (entry["body"], True)
            for entry in payload
            if isinstance(entry, dict) and entry.get("type") == "csp-violation" and isinstance(entry.get("body"), dict)
        ]
    return []


def _row(body: dict, reporting_api: bool, user_agent: str) -> CspReport:
    values = {}
    for field, keys in _FIELDS.items():
        value = body.get(keys[1] if reporting_api else keys[0])
        if value is None and not reporting_api:
            value = body.get("violated-directive") if field == "effective_directive" else None
        if field == "line_number":
            values[field] = value if isinstance(value, int) and 0 <= value < 2**31 else None
        else:
            limit = CspReport._meta.get_field(field).max_length
            values[field] = str(value)[:limit] if value is not None else ""
    small = {key: value for key, value in body.items() if isinstance(value, str | int | float | bool)}
    return CspReport(user_agent=user_agent[:300], report=small, **values)


@csrf_exempt
@login_not_required
@never_cache
@require_POST
@rate_limited("csp_report", too_many=lambda request, retry_after: HttpResponse(status=429))
def csp_report(request):
    content_type = request.content_type or ""
    if content_type not in CONTENT_TYPES:
        return HttpResponse(status=400)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    body = request.read(settings.CSP_REPORT_MAX_BYTES + 1)
    if len(body) > settings.CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        violations = _violations(json.loads(body))
    except (ValueError, UnicodeDecodeError):
        violations = []
    if not violations:
        return HttpResponse(status=400)
    user_agent = request.headers.get("User-Agent", "")
    rows = [_row(body, api, user_agent) for body, api in violations[: settings.CSP_REPORTS_PER_REQUEST]]
    CspReport.objects.bulk_create(rows)
    for row in rows:
        logger.warning("CSP violation: %s blocked %r on %s", row.effective_directive, row.blocked_uri, row.document_uri)
    kept = CspReport.objects.order_by("-received_at", "-pk").values_list("pk", flat=True)[settings.CSP_REPORTS_KEPT :]
    CspReport.objects.filter(pk__in=list(kept[:1000])).delete()
    return HttpResponse(status=204)
