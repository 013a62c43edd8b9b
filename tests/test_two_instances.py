"""Two application instances (gunicorn) sharing PostgreSQL and Redis behave as one portal.

Starts two ``gunicorn cluster_portal.wsgi`` processes with the production settings (DEBUG off) on two
free local ports, both pointed at the test database and at one Redis database, then shows that

1. a login on instance A is valid on instance B (sessions are in the shared database);
2. a budget saved through A appears at once on B's cached public pages (the data generation counter
   lives in the shared Redis, cluster_portal/cache.py);
3. two simultaneous allocations through A and B that together exceed the grant: exactly one succeeds
   and the database sum stays within the grant (the grant row is locked, projects/services/budgets.py).

Runs on PostgreSQL only (marker ``postgres``) and is skipped when Redis is not reachable.
"""

import html
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.db.models import Sum

from cluster_portal.templatetags.portal import thousands
from projects.models import ProjectBudget
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
PASSWORD = "two-instances-" + secrets.token_urlsafe(12)
FISCAL_YEAR = 2008

pytestmark = [pytest.mark.postgres]


def redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_db_number() -> int:
    """One Redis database per xdist worker (8..13), away from the benchmark's 15 and the default 0/1."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 8 + int(re.sub(r"\D", "", worker) or 0) % 6


def database_url() -> str:
    settings = connection.settings_dict
    user = urllib.parse.quote(settings["USER"] or "")
    password = f":{urllib.parse.quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def flush_redis(db: int) -> None:
    import redis

    redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db).flushdb()


# --- HTTP helpers (stdlib only) --------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A client with a cookie jar; cookies for 127.0.0.1 go to both instances (ports share cookies)."""

    def __init__(self, jar=None):
        self.jar = jar if jar is not None else http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, url: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body)  # noqa: S310 (our own local server)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def hidden_inputs(self, url: str) -> dict:
        status, _headers, page = self.request(url)
        assert status == 200, (url, status)
        fields = {}
        for tag in re.findall(r"<input[^>]*>", page):
            if 'type="hidden"' in tag:
                name = re.search(r'name="([^"]+)"', tag)
                value = re.search(r'value="([^"]*)"', tag)
                if name:
                    fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
        return fields

    def post_form(self, page_url: str, data: dict, action_url: str | None = None) -> tuple[int, dict, str]:
        fields = self.hidden_inputs(page_url)
        return self.request(action_url or page_url, {**fields, **data})

    def cookie(self, name: str) -> str | None:
        return next((cookie.value for cookie in self.jar if cookie.name == name), None)


# --- the two instances -----------------------------------------------------------------------------


@pytest.fixture
def instances(transactional_db):
    """Base URLs of instances A and B, serving the test database with one shared Redis database."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    if not redis_reachable():
        pytest.skip(f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}")
    if shutil.which("gunicorn") is None and not (Path(sys.executable).parent / "gunicorn").exists():
        pytest.skip("gunicorn is not installed")
    db = redis_db_number()
    flush_redis(db)
    static_root = tempfile.mkdtemp(prefix="cluster-portal-two-instances-static-")
    media_root = tempfile.mkdtemp(prefix="cluster-portal-two-instances-media-")
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cluster_portal.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url(),
            "CACHE_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "STATIC_ROOT": static_root,
            "MEDIA_ROOT": media_root,  # shared by both, as network/object storage would be
            "LOG_LEVEL": "ERROR",
        }
    )
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    processes, urls = [], []
    try:
        for _ in range(2):
            port = free_port()
            command = [sys.executable, "-m", "gunicorn", "cluster_portal.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"]
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env))  # noqa: S603
            urls.append(f"http://127.0.0.1:{port}")
        for process, url in zip(processes, urls, strict=True):
            wait_for_health(process, url)
        yield urls
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(static_root, ignore_errors=True)
        shutil.rmtree(media_root, ignore_errors=True)
        flush_redis(db)


def wait_for_health(process: subprocess.Popen, url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited during start-up"
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (OSError, urllib.error.HTTPError):
            pass
        time.sleep(0.3)
    pytest.fail(f"{url}/healthz did not answer 200 within {seconds} s")


@pytest.fixture
def portal_data(transactional_db):
    """A published region with a 500,000,000 yen grant for 2008, two projects (one allocated 100,000,000 yen)
    and a headquarters user whose password the production hashers accept."""
    region = factories.RegionFactory()
    grant = factories.GrantFactory(region=region, fiscal_year=FISCAL_YEAR, amount=500_000_000)
    first = factories.ProjectFactory(region=region)
    second = factories.ProjectFactory(region=region)
    third = factories.ProjectFactory(region=region)
    budget = factories.ProjectBudgetFactory(project=first, grant=grant, allocated=100_000_000)
    hasher = PBKDF2PasswordHasher()
    user = factories.UserFactory(hq=True, username="hq-two", headquarters=factories.HeadquartersFactory(region=region))
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    return {"region": region, "grant": grant, "budget": budget, "projects": (second, third), "user": user}


def log_in(browser: Browser, base: str, username: str) -> None:
    status, _headers, _page = browser.post_form(base + "/accounts/login/", {"username": username, "password": PASSWORD})
    assert status == 302, f"login failed with HTTP {status}"
    assert browser.cookie("sessionid"), "no session cookie after login"


# --- the test --------------------------------------------------------------------------------------


def test_two_instances_share_sessions_cache_invalidation_and_grant_locks(instances, portal_data):
    a, b = instances
    region, grant, budget = portal_data["region"], portal_data["grant"], portal_data["budget"]

    # (1) Log in through A; the same session cookie opens a login-only page on B.
    browser = Browser()
    log_in(browser, a, "hq-two")
    status, _headers, page = Browser(browser.jar).request(b + "/workspace/budgets/")
    assert status == 200, f"B did not accept A's session (HTTP {status})"
    anonymous_status, headers, _page = Browser().request(b + "/workspace/budgets/")
    assert anonymous_status == 302 and "/accounts/login/" in headers["Location"]

    # (2) B's public pages are cached; a budget saved through A shows on B's next response.
    public = Browser()
    cluster_url = f"{b}/clusters/{region.slug}/"
    funding_url = f"{b}/funding/?cluster={region.slug}"
    for url in (cluster_url, funding_url):
        status, _headers, page = public.request(url)
        assert status == 200 and thousands(100_000_000) in page
        assert public.request(url)[0] == 200  # now served from the cache
    edit_url = f"{a}/workspace/budgets/{budget.pk}/edit/"
    status, headers, _page = browser.post_form(edit_url, {"allocated": "234567000"})
    assert status == 302, f"the budget edit through A was refused (HTTP {status})"
    budget.refresh_from_db()
    assert budget.allocated == 234_567_000
    for url in (cluster_url, funding_url):
        page = public.request(url)[2]
        assert thousands(234_567_000) in page, f"B still shows the old amount on {url}"
        assert thousands(100_000_000) not in page

    # (3) Two simultaneous allocations through A and B that together exceed the grant (500,000,000 yen,
    # 234,567,000 already allocated, 2 × 200,000,000 asked): exactly one succeeds.
    second, third = portal_data["projects"]
    jobs = [(a, second), (b, third)]
    forms = []
    for base, project in jobs:
        page_url = f"{base}/workspace/projects/{project.pk}/budgets/new/"
        forms.append((page_url, browser.hidden_inputs(page_url)))
    barrier = threading.Barrier(len(jobs))
    statuses = [None] * len(jobs)

    def allocate(index: int) -> None:
        page_url, fields = forms[index]
        barrier.wait(timeout=30)
        statuses[index] = Browser(browser.jar).request(
            page_url, {**fields, "fiscal_year": str(FISCAL_YEAR), "allocated": "200000000"}
        )[0]

    threads = [threading.Thread(target=allocate, args=(index,)) for index in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [302, 400], statuses
    total = ProjectBudget.objects.filter(grant=grant).aggregate(total=Sum("allocated"))["total"]
    assert total <= grant.amount
    assert total == 234_567_000 + 200_000_000
