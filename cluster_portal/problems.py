"""Errors of the JSON API as RFC 9457 problem details (``application/problem+json``).

Every response under ``API_PREFIX`` that is not a success is a problem document
``{"type", "title", "status", "detail"}`` (plus ``parameter`` when one query parameter is at
fault), whoever answers: an API view, the request sanity check (``cluster_portal.middleware``),
or Django's own 400/403/404/500 handlers (``handler*`` in ``cluster_portal.urls``, below). The
HTML pages keep their Japanese error templates.
"""

from http import HTTPStatus

from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"
PROBLEM_CONTENT_TYPE = "application/problem+json"
ALLOWED_METHODS = ("GET", "HEAD", "OPTIONS")


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_json(data, status=200, content_type="application/json") -> JsonResponse:
    """A JSON response of the API: UTF-8 text as is, readable from any origin (the data is public)."""
    response = JsonResponse(data, status=status, content_type=content_type, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


def problem(status: int, detail: str, *, parameter: str | None = None, headers: dict | None = None) -> JsonResponse:
    """A problem document: ``type`` is ``about:blank``, so ``title`` is the status's standard phrase."""
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    if parameter:
        body["parameter"] = parameter
    response = api_json(body, status=status, content_type=PROBLEM_CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def method_not_allowed(request) -> JsonResponse:
    return problem(
        405,
        f"{request.method} is not supported: the API is read-only ({', '.join(ALLOWED_METHODS)}).",
        headers={"Allow": ", ".join(ALLOWED_METHODS)},
    )


def not_found() -> JsonResponse:
    return problem(404, "There is nothing at this address. The endpoints are listed at /api/v1/.")


# --- Django's error handlers: problem documents under /api/, the HTML templates elsewhere ---------


def bad_request(request, exception):
    if is_api_request(request):
        return problem(400, "The request could not be understood.")
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if is_api_request(request):
        return problem(403, "Access to this address is not allowed.")
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if is_api_request(request):
        return not_found()
    return defaults.page_not_found(request, exception)


def server_error(request):
    """JSON under /api/, else the Japanese 500 page with the request id to quote (cluster_portal/log.py);
    the X-Request-ID header is on both (the request-id middleware)."""
    from cluster_portal.log import server_error as page

    if is_api_request(request):
        return problem(500, "The server could not answer this request. Please try again later.")
    return page(request)
