"""The pieces of ``make bench`` that can be checked without a server: the query-count header,
the bare baseline view and the figures and table the benchmark reports."""

import pytest
from django.conf import settings
from django.test import override_settings

from bench.run import Row, figures, markdown

pytestmark = pytest.mark.django_db

BENCH_SETTINGS = {
    "ROOT_URLCONF": "bench.urls",
    "MIDDLEWARE": ["bench.middleware.QueryCountMiddleware", *settings.MIDDLEWARE],
}


def test_bare_view_answers_without_queries(client):
    with override_settings(**BENCH_SETTINGS):
        response = client.get("/bench/bare")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["X-Query-Count"] == "0"


def test_query_count_header_counts_the_queries_of_the_request(client):
    with override_settings(**BENCH_SETTINGS):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response["X-Query-Count"] == "1"


def test_portal_pages_are_served_under_the_bench_urls(client, region):
    with override_settings(**BENCH_SETTINGS):
        response = client.get(region.get_absolute_url())

    assert response.status_code == 200
    assert int(response["X-Query-Count"]) > 0


def test_figures_turn_wrk_output_into_rate_and_milliseconds():
    row = Row(scale="1", label="home", path="/", status=200)

    figures(
        row,
        {
            "requests": 500,
            "duration_us": 10_000_000,
            "socket_errors": 1,
            "non_2xx": 2,
            "p50": 12_500,
            "p95": 40_000,
            "p99": 81_000,
            "mean": 15_000.0,
        },
    )

    assert row.rps == 50.0
    assert (row.p50_ms, row.p95_ms, row.p99_ms) == (12.5, 40.0, 81.0)
    assert row.errors == 3


def test_markdown_table_lists_every_page_with_its_ratio_and_failed_pages():
    rows = [
        Row("1", "bare Django view", "/bench/bare", 200, queries=0, first_ms=4.0, rps=1000.0, ratio=1.0),
        Row(
            "1",
            "home",
            "/",
            200,
            queries=9,
            cached_queries=0,
            first_ms=120.5,
            rps=250.0,
            p50_ms=10.0,
            p95_ms=20.0,
            p99_ms=30.0,
            bare_rps=1000.0,
            ratio=0.25,
        ),
        Row("1", "missing", "/nowhere/", 404),
    ]

    table = markdown(rows, title="Benchmark")

    lines = table.splitlines()
    assert lines[0] == "Benchmark"
    assert "| 1 | home | `/` | 250 | 10.0 | 20.0 | 30.0 | 1,000 | 0.25 | 0 | 0 | 120.5 | 9 |" in lines
    assert "| 1 | missing | `/nowhere/` | HTTP 404 | | | | | | | | | |" in lines
    assert len([line for line in lines if line.startswith("| 1 |")]) == 3


def test_pages_option_keeps_the_bare_view_and_the_pages_asked_for():
    from bench.pages import BARE, PAGES, pages

    assert pages(None) == list(PAGES)
    chosen = pages(["funding", "/api/"], ["public"])
    assert [page.path for page in chosen] == [BARE, "/funding/", "/api/v1/projects"]


def test_groups_hold_each_roles_pages_the_cold_pages_and_japanese_search_of_one_to_four_characters():
    from bench.pages import BARE, GROUPS, pages, servers

    chosen = pages(None, GROUPS)
    by_group = {group: [page for page in chosen if page.group == group] for group in GROUPS}

    assert {page.role for page in by_group["signed-in"]} == {"ministry", "headquarters", "administrator"}
    assert {page.path for page in by_group["signed-in"] if page.role == "ministry"} >= {
        "/ministry/",
        "/ministry/proposals/",
        "/ministry/grants/",
        "/workspace/ministry/",
    }
    admin_paths = [page.path for page in by_group["signed-in"] if page.role == "administrator"]
    assert any("?q=" in path for path in admin_paths) and any("?q=" not in path for path in admin_paths)
    assert all(page.role is None for group in ("public", "cold", "search") for page in by_group[group])
    assert "/funding/" in {page.path for page in by_group["cold"]}
    searched = {page.label.split("「")[1].rstrip("」") for page in by_group["search"]}
    assert sorted(len(word) for word in searched) == [1, 2, 3, 4]
    assert {page.path.split("?")[0] for page in by_group["search"]} == {"/search/", "/projects/"}

    warm, cold = servers(chosen)
    assert warm[0].path == BARE and cold[0].path == BARE
    assert {page.group for page in warm[1:]} == {"public", "signed-in"}
    assert {page.group for page in cold[1:]} == {"cold", "search"}


def test_cold_option_and_group_names(monkeypatch):
    from bench import run

    seen = {}
    monkeypatch.setattr(run, "ensure_wrk", lambda: "wrk")
    monkeypatch.setattr(run, "bench_scale", lambda scale, args, wrk: seen.setdefault("groups", args.groups) and [])
    monkeypatch.setattr(run, "RESULTS", run.Path(__import__("tempfile").mkdtemp()))

    run.main(["--scales", "1", "--cold"])
    assert sorted(seen.pop("groups")) == ["cold", "search"]
    run.main(["--scales", "1", "--groups", "public,signed-in"])
    assert seen.pop("groups") == ["public", "signed-in"]
    with pytest.raises(SystemExit):
        run.main(["--scales", "1", "--groups", "warm"])


def test_totp_matches_the_rfc_6238_test_vector():
    from bench.client import totp

    assert totp("3132333435363738393031323334353637383930", at=59) == "287082"


def test_csrf_token_is_read_from_the_real_login_page(client):
    from bench.client import csrf_token

    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert csrf_token(response.content) == response.context["csrf_token"]


@pytest.mark.django_db(transaction=True)
def test_login_helper_signs_in_through_the_form_and_the_code_step(live_server):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.client import get, login
    from tests import factories

    password = "bench-test-password-1"
    ministry = factories.UserFactory(ministry=True, username="bench-ministry")
    ministry.set_password(password)
    ministry.save()
    device = TOTPDevice.objects.create(user=ministry, name="bench", confirmed=True)

    cookie = login(live_server.url, ministry.username, password, device.key, "/ministry/")

    status, _headers, _ms = get(live_server.url + "/ministry/", cookie)
    assert status == 200
    assert get(live_server.url + "/ministry/")[0] == 302  # without the cookie: to the login
    with pytest.raises(SystemExit):
        login(live_server.url, ministry.username, "wrong-password", device.key, "/ministry/")
