"""``GET /healthz``: is this instance able to serve? For load balancers and monitoring.

Checks the database with a trivial query (reconnecting once if the database dropped the
connection) and the cache with a set/get/delete of a random key. Answers 200
``{"status": "ok", "database": "ok", "cache": "ok", "queue": {...}}``, or 503 with ``"error"``
for whichever check failed. ``queue`` reports the background-task queue (README "Background
work"): its backend, how many tasks wait and the age in seconds of the oldest one; a queue
whose oldest task waits longer than ``QUEUE_STALE_SECONDS`` says ``"status": "stale"`` (a
stopped worker) without failing the check: the web instance can still serve, so a load balancer
should keep it, and monitoring should alert. No login, no cookies, never cached; the
body never carries exception text (it could contain host names or credentials) —
the details go to the log instead.
"""

import datetime
import logging
import secrets

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

OK = "ok"
ERROR = "error"


def _select_one(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def check_database(alias: str = "default") -> bool:
    """``SELECT 1``; a connection the database dropped (restart, failover) is closed and the query
    tried once more on a new one, so a database that is back answers "ok" at once."""
    try:
        return _select_one(alias)
    except DatabaseError:
        logger.warning("Health check: database %r connection lost; reconnecting", alias)
        connection = connections[alias]
        if not connection.in_atomic_block:
            connection.close()
    except Exception:
        logger.exception("Health check: database %r failed", alias)
        return False
    try:
        return _select_one(alias)
    except Exception:
        logger.exception("Health check: database %r failed", alias)
        return False


def check_cache(alias: str = "default") -> bool:
    key = f"healthz:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    try:
        cache = caches[alias]
        cache.set(key, value, timeout=10)
        found = cache.get(key)
        cache.delete(key)
    except Exception:
        logger.exception("Health check: cache %r failed", alias)
        return False
    if found != value:
        logger.error("Health check: cache %r did not return the value it was given", alias)
        return False
    return True


def queue_report() -> dict:
    backend = settings.TASKS["default"]["BACKEND"]
    report = {"backend": backend.rsplit(".", 1)[-1], "pending": 0, "oldest_pending_seconds": None, "status": OK}
    try:
        if backend == "django_tasks_db.DatabaseBackend":
            from django_tasks_db.models import DBTaskResult

            ready = DBTaskResult.objects.ready()
            report["pending"] = ready.count()
            oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
        elif backend == "django_tasks_rq.RQBackend":
            import django_rq

            queue = django_rq.get_queue("default")
            report["pending"] = queue.count
            job = queue.jobs[0] if queue.count else None
            oldest = job.enqueued_at if job else None
            if oldest is not None and timezone.is_naive(oldest):
                oldest = timezone.make_aware(oldest, datetime.UTC)
        else:
            return report
    except Exception:
        logger.exception("Health check: task queue could not be read")
        return {**report, "status": ERROR}
    if oldest is not None:
        age = max(int((timezone.now() - oldest).total_seconds()), 0)
        report["oldest_pending_seconds"] = age
        if age > settings.QUEUE_STALE_SECONDS:
            report["status"] = "stale"
    return report


@login_not_required
@never_cache
@require_safe
def healthz(request):
    results = {
        "database": OK if check_database() else ERROR,
        "cache": OK if check_cache() else ERROR,
    }
    healthy = all(value == OK for value in results.values())
    body = {"status": OK if healthy else ERROR, **results, "queue": queue_report()}
    return JsonResponse(body, status=200 if healthy else 503)
