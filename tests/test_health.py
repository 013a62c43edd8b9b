"""GET /healthz: 200 when the database and the cache work, 503 naming the one that does not,
no login needed, never cached, and no exception text (which may hold secrets) in the body."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

SECRET_IN_ERROR = "password=hunter2-secret host=db.internal"

DUMMY_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# Nothing listens on port 1 of the loopback interface: the connection is refused at once.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


def checks(response) -> dict:
    """The database and cache checks of the answer (the queue report has its own tests)."""
    return {key: value for key, value in response.json().items() if key != "queue"}


def test_healthz_is_ok_for_anonymous_user_when_database_and_cache_work(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert checks(response) == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers


def test_healthz_answers_head_for_load_balancers(client):
    assert client.head(reverse("healthz")).status_code == 200


def test_healthz_refuses_post(client):
    assert client.post(reverse("healthz")).status_code == 405


def test_healthz_is_ok_for_logged_in_user(client, hq_user):
    client.force_login(hq_user)

    assert client.get(reverse("healthz")).json()["status"] == "ok"


def test_healthz_reports_503_when_cache_drops_values(client):
    with override_settings(CACHES=DUMMY_CACHE):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert checks(response) == {"status": "error", "database": "ok", "cache": "error"}


def test_healthz_reports_503_when_cache_server_is_unreachable(client):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert checks(response) == {"status": "error", "database": "ok", "cache": "error"}
    assert "127.0.0.1" not in response.content.decode()


def test_healthz_reports_503_when_database_fails_without_leaking_the_error(client):
    with mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=OperationalError(SECRET_IN_ERROR)):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert checks(response) == {"status": "error", "database": "error", "cache": "ok"}
    assert "hunter2" not in response.content.decode()
    assert "db.internal" not in response.content.decode()


def test_healthz_reports_both_failures(client):
    with (
        override_settings(CACHES=DUMMY_CACHE),
        mock.patch.object(BaseDatabaseWrapper, "cursor", side_effect=OperationalError(SECRET_IN_ERROR)),
    ):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert checks(response) == {"status": "error", "database": "error", "cache": "error"}


def test_healthz_reports_503_when_database_query_returns_nonsense(client):
    cursor = mock.MagicMock()
    cursor.__enter__.return_value.fetchone.return_value = None
    with mock.patch.object(BaseDatabaseWrapper, "cursor", return_value=cursor):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["database"] == "error"


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@override_settings(TASKS=DATABASE_TASKS, QUEUE_STALE_SECONDS=600)
def test_healthz_reports_the_queue_and_a_stale_one(client):
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from notifications.tasks import deliver_due_notifications

    empty = client.get(reverse("healthz")).json()["queue"]
    assert empty == {"backend": "DatabaseBackend", "pending": 0, "oldest_pending_seconds": None, "status": "ok"}
    result = deliver_due_notifications.enqueue()
    fresh = client.get(reverse("healthz")).json()["queue"]
    assert fresh["pending"] == 1 and fresh["oldest_pending_seconds"] < 60 and fresh["status"] == "ok"
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - datetime.timedelta(hours=1))
    response = client.get(reverse("healthz"))
    assert response.status_code == 200  # the instance still serves; monitoring alerts on "stale"
    stale = response.json()["queue"]
    assert stale["status"] == "stale" and stale["oldest_pending_seconds"] >= 3600
