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
    from bench.run import BARE, PAGES, pages

    assert pages(None) == list(PAGES)
    chosen = pages(["funding", "/api/"])
    assert [path for _label, path in chosen] == [BARE, "/funding/", "/api/v1/projects"]
