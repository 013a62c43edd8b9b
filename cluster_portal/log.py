"""Errors you can act on (issue 18): a request id in every log line, on the 500 page and in the
``X-Request-ID`` response header; JSON logs with ``LOG_FORMAT=json``; optional Sentry.

- :class:`RequestIdMiddleware` (first in ``MIDDLEWARE``) gives each request an id: the incoming
  ``X-Request-ID`` if it is a safe token (8–128 letters, digits, ``.``, ``_``, ``-``: what nginx's
  ``$request_id`` or a load balancer sends), else a new random one. It is sent back as
  ``X-Request-ID`` and held in a context variable while the request runs.
- Every log record made meanwhile carries it as ``record.request_id`` (a log-record factory, so
  every handler sees it; ``-`` outside a request), and the text format prints it.
- :func:`server_error` (``handler500``) shows it on the 500 page: 「お問い合わせの際はこの番号を
  お知らせください」. A user quotes it, the operator finds the log lines and the traceback.
- :class:`JsonFormatter`: one JSON object per line (time, level, logger, message, request id,
  status code, exception) for log collectors; ``LOG_FORMAT=json`` selects it.

Nothing sensitive: the id is random; the JSON lines hold what the text lines hold (Django's own
messages, no request bodies, headers or cookies).
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import secrets
import sys

from django.http import HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

REQUEST_ID_HEADER = "X-Request-ID"
NO_REQUEST = "-"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_REQUEST)


def current_request_id() -> str:
    return request_id_var.get()


def new_request_id() -> str:
    return secrets.token_hex(16)


def incoming_request_id(value: str | None) -> str | None:
    """The id a proxy sent, if it is a safe token (never anything that could forge a log line)."""
    if value and _SAFE_ID.fullmatch(value):
        return value
    return None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            sentry = sys.modules.get("sentry_sdk")  # only when settings initialised it (SENTRY_DSN)
            if sentry is not None:
                sentry.set_tag("request_id", request_id)
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


_base_factory = logging.getLogRecordFactory()


def _record_factory(*args, **kwargs):
    record = _base_factory(*args, **kwargs)
    record.request_id = request_id_var.get()
    return record


def install_record_factory() -> None:
    """Every log record gets ``request_id`` (called from ``ClusterPortalConfig.ready``)."""
    global _base_factory
    if logging.getLogRecordFactory() is not _record_factory:
        _base_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_record_factory)


class RequestIdFilter(logging.Filter):
    """Makes sure a record has ``request_id`` (records made before the factory was installed)."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int):
            entry["status_code"] = status_code
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """The 500 page with the request id (``handler500``); like Django's, no request context."""
    template = loader.get_template(template_name)
    return HttpResponseServerError(template.render({"request_id": current_request_id()}))
