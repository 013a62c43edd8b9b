"""HTTP benchmark of the portal served the production way (``make bench``).

For each scale (default 1 and 10) it fills a PostgreSQL database with
``manage.py generate_data --scale N``, serves the portal with gunicorn (DEBUG off,
production settings from the environment, Redis cache), and loads each page with
``wrk`` — a second process — for a fixed time. It reports requests per second,
p50/p95/p99 latency, SQL queries per request (the ``X-Query-Count`` header of
``bench.settings``) and the throughput relative to a bare Django view served by the
same gunicorn in the same run — measured again for half the time right before each page,
so that drift during the run moves both figures — as a Markdown table on the terminal and in
``bench/results/`` (gitignored). It reports; it never fails on a time.

The pages come in groups (``--groups``, default all; listed in ``bench/pages.py``):

* ``public`` — the public pages as an anonymous visitor sees them, page cache on (repeat visits);
* ``signed-in`` — the pages each role works in (ministry, headquarters, administrator: the busiest
  admin changelists with and without a search), signed in through the real login form and, for the
  roles that need it, the two-factor code step (``bench/accounts.py`` creates the users with a random
  password; wrk sends the session cookie);
* ``cold`` — the public pages with the page cache and the aggregate cache off
  (``PUBLIC_PAGE_CACHE_TIMEOUT=0``, ``PUBLIC_CACHE_TIMEOUT=0``): every request renders, as for the
  first visitor after a write; served by a second gunicorn started with those settings;
* ``search`` — site and project search for Japanese words of 1 to 4 characters, cold as above
  (every distinct query is a new page anyway).

    python bench/run.py [--scales 1 10] [--duration 10] [--connections 8] [--groups public signed-in cold search]
                        [--cold] [--pages WORD ...] [--reuse]

Needs PostgreSQL (``--database-url``: a server URL whose user may create databases)
and Redis (``--cache-url``; database 15 by default, flushed before each scale).
``wrk`` is installed with apt-get when it is missing. The search and API rate limits are off
(``RATE_LIMITS_ENABLED=false``): one client address sends every request.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script (bench/run.py): the project's packages

from bench.client import get, login, wait_until_up  # noqa: E402
from bench.pages import BARE, COLD_GROUPS, GROUPS, Page, pages, servers  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "report.lua"


@dataclass
class Row:
    scale: str
    label: str
    path: str
    status: int
    queries: int | None = None
    cached_queries: int | None = None
    first_ms: float | None = None
    rps: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    ratio: float | None = None
    bare_rps: float | None = None  # the bare view measured right before this page


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    log("wrk is missing: installing it with apt-get (Debian package wrk)")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=False)  # noqa: S603
    path = shutil.which("wrk")
    if not path:
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=True)  # noqa: S603
        subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True)  # noqa: S603
        path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk could not be installed")
    return path


def database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def create_database(server_url: str, name: str) -> bool:
    """Create ``name`` on the server if missing; True when it was created."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(server_url)
    connection = psycopg2.connect(
        dbname="postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port,
    )
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(sql.Identifier(name))
            )
            return True
    finally:
        connection.close()


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def run_wrk(wrk: str, url: str, *, threads: int, connections: int, duration: int, cookie: str | None = None) -> dict:
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    result = subprocess.run(  # noqa: S603
        [wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", *header, "-s", str(LUA), url],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise SystemExit(f"no figures from wrk for {url}:\n{result.stdout}\n{result.stderr}")


def figures(row: Row, data: dict) -> None:
    seconds = data["duration_us"] / 1e6
    row.rps = data["requests"] / seconds if seconds else 0.0
    row.p50_ms, row.p95_ms, row.p99_ms = (data[key] / 1000 for key in ("p50", "p95", "p99"))
    row.errors = data["socket_errors"] + data["non_2xx"]


def accounts(env: dict, password: str) -> dict:
    """Create the bench users (bench/accounts.py) with ``password``; {role: {username, totp_key}}."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.accounts", "create"],
        cwd=ROOT,
        env={**env, "BENCH_PASSWORD": password},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


class Server:
    """gunicorn serving the portal with ``env``, started and stopped around a group of pages."""

    def __init__(self, args, env: dict):
        self.base = f"http://127.0.0.1:{args.port}"
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "cluster_portal.wsgi",
            "-w",
            str(args.workers),
            "-b",
            f"127.0.0.1:{args.port}",
            "--error-logfile",
            "-",
            "--log-level",
            "warning",
        ]
        self.env = env
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env)  # noqa: S603
        try:
            wait_until_up(self.base, self.process)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def load_pages(scale: str, chosen: list[Page], base: str, args, wrk: str, cookies: dict) -> list[Row]:
    rows = []
    load = {"threads": args.threads, "connections": args.connections}
    for page in chosen:
        cookie = cookies.get(page.role) if page.role else None
        status, headers, first_ms = get(base + page.path, cookie)  # the first request: nothing of it cached yet
        row = Row(scale=scale, label=page.label, path=page.path, status=status, first_ms=first_ms)
        rows.append(row)
        if status != 200:
            log(f"   {page.path}: HTTP {status}, not loaded")
            continue
        row.queries = int(headers.get("X-Query-Count", "0"))
        # A second visitor: the page is now cached as it is for the requests under load (public group).
        _status, headers, _ms = get(base + page.path, cookie)
        row.cached_queries = int(headers.get("X-Query-Count", "0"))
        if page.path != BARE:
            # The ceiling right before the page, so that a machine getting slower or faster during
            # the run (other processes, autovacuum, CPU clock) moves both figures of the ratio.
            baseline = Row(scale=scale, label="", path=BARE, status=200)
            figures(baseline, run_wrk(wrk, base + BARE, **load, duration=max(1, args.duration // 2)))
            row.bare_rps = baseline.rps
        figures(row, run_wrk(wrk, base + page.path, **load, duration=args.duration, cookie=cookie))
        log(
            f"   {page.label} {page.path}: {row.rps:.0f} req/s, p95 {row.p95_ms:.1f} ms, "
            f"first request {row.first_ms:.0f} ms with {row.queries} queries"
        )
    return rows


def bench_scale(scale: str, args, wrk: str) -> list[Row]:
    name = f"{args.database_prefix}_s{scale.replace('.', '_')}"
    url = database_url(args.database_url, name)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": url,
        "CACHE_URL": args.cache_url,
        "CONN_MAX_AGE": "60",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "ERROR",
        "RATE_LIMITS_ENABLED": "false",  # one client address sends every request
    }
    warm, cold = servers(pages(args.pages, args.groups))
    roles = sorted({page.role for page in warm if page.role})

    created = create_database(args.database_url, name)
    manage(env, "migrate", "--noinput", "-v0")
    if created or not args.reuse:
        log(f"== scale {scale}: generating data into {name}")
        subprocess.run([sys.executable, "-m", "bench.accounts", "remove"], cwd=ROOT, env=env, check=True)
        manage(env, "generate_data", "--replace", "--scale", scale)
    else:
        log(f"== scale {scale}: reusing the data in {name}")
    logins = {}
    if roles:
        password = secrets.token_urlsafe(24)  # this run's only: never printed nor stored
        logins = accounts(env, password)

    import redis

    redis.Redis.from_url(args.cache_url).flushdb()
    static_root = tempfile.mkdtemp(prefix="cluster-portal-bench-static-")
    env["STATIC_ROOT"] = static_root
    manage(env, "collectstatic", "--noinput", "-v0")

    rows: list[Row] = []
    try:
        if warm:
            log(f"   gunicorn -w {args.workers} on port {args.port} (DEBUG off, page cache on, {args.cache_url})")
            with Server(args, env) as server:
                cookies = {}
                for role in roles:
                    account = logins[role]
                    landing = next(page.path for page in warm if page.role == role)
                    cookies[role] = login(server.base, account["username"], password, account["totp_key"], landing)
                    log(f"   signed in as {account['username']} through the login form")
                rows += load_pages(scale, warm, server.base, args, wrk, cookies)
        if cold:
            cold_env = {**env, "PUBLIC_PAGE_CACHE_TIMEOUT": "0", "PUBLIC_CACHE_TIMEOUT": "0"}
            redis.Redis.from_url(args.cache_url).flushdb()  # nothing the first server cached is read
            log(f"   gunicorn -w {args.workers} on port {args.port} (DEBUG off, page and aggregate caches off)")
            with Server(args, cold_env) as server:
                cold_rows = load_pages(scale, cold, server.base, args, wrk, {})
            rows += cold_rows
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    for row in rows:
        if row.path == BARE and row.rps:
            row.bare_rps = row.rps
        if row.bare_rps and row.rps is not None:
            row.ratio = row.rps / row.bare_rps
    return rows


def markdown(rows: list[Row], *, title: str) -> str:
    def number(value, digits=1):
        return "—" if value is None else f"{value:,.{digits}f}"

    lines = [
        title,
        "",
        "| scale | page | path | req/s | p50 ms | p95 ms | p99 ms | bare view req/s | vs bare view | errors "
        "| queries/request (cached) | first request ms | queries (first request) |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if row.status != 200:
            lines.append(f"| {row.scale} | {row.label} | `{row.path}` | HTTP {row.status} | | | | | | | | | |")
            continue
        lines.append(
            f"| {row.scale} | {row.label} | `{row.path}` | {number(row.rps, 0)} | {number(row.p50_ms)} | "
            f"{number(row.p95_ms)} | {number(row.p99_ms)} | {number(row.bare_rps, 0)} | "
            f"{'—' if row.ratio is None else f'{row.ratio:.2f}'} | {row.errors} | "
            f"{'—' if row.cached_queries is None else row.cached_queries} | {number(row.first_ms)} | {row.queries} |"
        )
    return "\n".join(lines) + "\n"


def group_names(text: str) -> list[str]:
    names = [name for name in text.split(",") if name]
    unknown = [name for name in names if name not in GROUPS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown group {', '.join(unknown)} (groups: {', '.join(GROUPS)})")
    return names


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", nargs="+", default=["1", "10"])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--port", type=int, default=8907)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server (the database name is replaced per scale)",
    )
    parser.add_argument(
        "--database-prefix", default="cluster_portal_bench", help="database name before _s<scale> (default %(default)s)"
    )
    parser.add_argument("--cache-url", default=os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--pages", nargs="+", help="only pages whose label or path contains one of these words")
    parser.add_argument(
        "--groups",
        nargs="+",
        type=group_names,
        help=f"page groups to load, space or comma separated (default all: {' '.join(GROUPS)})",
    )
    parser.add_argument("--cold", action="store_true", help="only the cold groups: --groups cold search")
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run of the same scale")
    args = parser.parse_args(argv)
    if args.cold:
        args.groups = sorted(COLD_GROUPS)
    elif args.groups is None:
        args.groups = list(GROUPS)
    else:
        args.groups = [name for names in args.groups for name in names]

    wrk = ensure_wrk()
    started = datetime.datetime.now().astimezone()
    rows: list[Row] = []
    for scale in args.scales:
        rows += bench_scale(scale, args, wrk)
    title = (
        f"Benchmark {started:%Y-%m-%d %H:%M %Z}: gunicorn -w {args.workers}, DEBUG off, PostgreSQL + Redis; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s per page; groups {', '.join(args.groups)} "
        "(public: anonymous, page cache on; signed-in: through the login form; cold and search: page and "
        "aggregate caches off)."
    )
    table = markdown(rows, title=title)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"bench-{started:%Y%m%d-%H%M%S}.md").write_text(table, encoding="utf-8")
    (RESULTS / "latest.md").write_text(table, encoding="utf-8")
    print(table)
    log(f"written to {RESULTS / 'latest.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
