"""Errors to ``ADMINS`` through the outbox: the logging handler of ``LOGGING["handlers"]["admins"]``.

A 500 writes one notification row per address in ``ADMINS`` (autocommit: requests are not atomic,
so the row stays even though the failed view's own work was rolled back) and the worker mails it,
so the failing request never waits for SMTP and a down mail server loses nothing. The same error
(logger, exception type and message, path) is reported once an hour, not once per request. The
body carries the request id, method, path, user id and traceback — no POST data, cookies, headers
or settings. A handler never raises: if even the database is down, the console log still has it.
"""

import datetime
import hashlib
import logging
import traceback

from django.conf import settings
from django.utils import timezone

REPEAT_AFTER = datetime.timedelta(hours=1)


class OutboxAdminEmailHandler(logging.Handler):
    def emit(self, record):
        try:
            if not settings.ADMINS:
                return
            from notifications import outbox

            request = getattr(record, "request", None)
            path = getattr(request, "path", "") if request is not None else ""
            method = getattr(request, "method", "") if request is not None else ""
            user = getattr(request, "user", None) if request is not None else None
            request_id = getattr(record, "request_id", "") or "-"
            error = ""
            if record.exc_info:
                error = "".join(traceback.format_exception(*record.exc_info))
            signature = (
                f"{record.name}|{record.exc_info[0].__name__ if record.exc_info else ''}|{record.getMessage()}|{path}"
            )
            key = "server_error:" + hashlib.sha256(signature.encode()).hexdigest()[:32]
            subject = f"[{settings.PORTAL_NAME}] {record.levelname} {method} {path} ({request_id})"
            lines = [
                record.getMessage(),
                "",
                f"request id: {request_id}",
                f"time: {timezone.now().isoformat()}",
                f"request: {method} {path}",
                f"user id: {getattr(user, 'pk', None) if user is not None and user.is_authenticated else '-'}",
                "",
                error,
            ]
            outbox.notify_addresses(
                "server_error",
                [address for _name, address in settings.ADMINS],
                subject=subject,
                body="\n".join(lines),
                dedupe_key=key,
                dedupe_window=REPEAT_AFTER,
            )
        except Exception:  # logging must never break the response or hide the original error
            return
