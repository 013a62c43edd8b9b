"""A database that drops the portal's connections costs no request (issue 18, "faults survived").

Serves the portal with gunicorn (production settings, DEBUG off, ``CONN_MAX_AGE=60``, so every
worker keeps its connection), warms every worker, then terminates all of the portal's database
connections with ``pg_terminate_backend`` — what a PostgreSQL restart, a failover or a connection
pooler's reaping does — and sends requests again: public pages, the API, ``/healthz`` and a
signed-in page. None may answer 500 (``CONN_HEALTH_CHECKS``, on whenever ``CONN_MAX_AGE`` > 0,
reopens a dropped connection before the request uses it). Done twice, to show the new
connections are kept and checked in turn.

PostgreSQL only (marker ``postgres``; skipped on SQLite).
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests import factories
from tests.test_two_instances import Browser, database_url, free_port, wait_for_health

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "faults-" + secrets.token_urlsafe(12)
WORKERS = 3

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def portal(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    static_root = tempfile.mkdtemp(prefix="cluster-portal-faults-static-")
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cluster_portal.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url(),
            "CONN_MAX_AGE": "60",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "STATIC_ROOT": static_root,
            # every request reaches the database (no page cache in front of it)
            "PUBLIC_PAGE_CACHE_TIMEOUT": "0",
            "PUBLIC_CACHE_TIMEOUT": "0",
            "LOG_LEVEL": "ERROR",
        }
    )
    env.pop("CACHE_URL", None)  # the local-memory cache: this test is about the database
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "cluster_portal.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(process, url)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(static_root, ignore_errors=True)


def terminate_portal_connections() -> int:
    """Terminate every other connection to the test database (the portal's); the number terminated."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_terminated_database_connections_cost_no_request(portal):
    region = factories.RegionFactory()
    factories.ProjectFactory(region=region)
    hasher = PBKDF2PasswordHasher()
    user = factories.UserFactory(
        hq=True, username="hq-faults", headquarters=factories.HeadquartersFactory(region=region)
    )
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])

    signed_in = Browser()
    status, _headers, _page = signed_in.post_form(
        portal + "/accounts/login/", {"username": "hq-faults", "password": PASSWORD}
    )
    assert status == 302, f"login failed with HTTP {status}"
    anonymous = Browser()
    requests = [
        (anonymous, "/"),
        (anonymous, "/projects/"),
        (anonymous, f"/clusters/{region.slug}/"),
        (anonymous, "/api/v1/projects"),
        (anonymous, "/healthz"),
        (signed_in, "/workspace/projects/"),
    ]

    def send_round(times: int) -> list:
        answers = []
        for _ in range(times):
            for browser, path in requests:
                status, _headers, _page = browser.request(portal + path)
                answers.append((path, status))
        return answers

    warm = send_round(4)  # every worker has served and keeps its connection
    assert {status for _path, status in warm} == {200}, warm
    for _attempt in range(2):
        assert terminate_portal_connections() >= 1, "no portal connection was open to terminate"
        answers = send_round(7)  # 42 requests, spread over the workers
        failed = [(path, status) for path, status in answers if status != 200]
        assert not failed, f"requests failed after the connections were terminated: {failed}"
