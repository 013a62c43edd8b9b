"""Errors you can act on (issue 18): a request id on the 500 page, in the response header and in
every log line of the request; JSON log lines with ``LOG_FORMAT=json``."""

import json
import logging
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from cluster_portal import log

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_security")]

QUOTE = "お問い合わせの際はこの番号をお知らせください"


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


def shown_request_id(page: str) -> str:
    match = re.search(r'<code class="request-id">([^<]+)</code>', page)
    assert match, "no request id on the page"
    return match.group(1)


def test_a_server_error_shows_a_request_id_that_is_in_the_log(browser, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = browser.get("/__test__/500/")
    page = response.content.decode()
    assert response.status_code == 500
    assert QUOTE in page
    request_id = shown_request_id(page)
    assert response[log.REQUEST_ID_HEADER] == request_id
    errors = [record for record in caplog.records if record.name == "django.request"]
    assert errors and all(record.request_id == request_id for record in errors)
    assert "boom" in errors[0].exc_text or errors[0].exc_info  # the traceback is in the log, not the page
    assert "boom" not in page
    # and the text line the console writes carries it
    text = logging.Formatter(settings.LOGGING["formatters"]["text"]["format"]).format(errors[0])
    assert f"[{request_id}]" in text


def test_every_request_gets_its_own_id(browser):
    first = browser.get(reverse("home"))[log.REQUEST_ID_HEADER]
    second = browser.get(reverse("home"))[log.REQUEST_ID_HEADER]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("5f2b9c0e7d1a4b3c8e6f0a1b2c3d4e5f", True),  # nginx's $request_id
        ("lb-1700000000.123-abc", True),
        ("short", False),
        ("x" * 129, False),
        ("abc def ghi jkl", False),
        ("abcdefgh\r\nX-Injected: 1", False),
        ("<script>alert(1)</script>", False),
    ],
)
def test_an_incoming_request_id_is_honoured_only_if_it_is_a_safe_token(browser, incoming, kept):
    response = browser.get("/__test__/500/", headers={"x-request-id": incoming})
    request_id = shown_request_id(response.content.decode())
    assert (request_id == incoming) is kept
    assert response[log.REQUEST_ID_HEADER] == request_id


def test_outside_a_request_log_lines_have_a_dash(caplog):
    with caplog.at_level(logging.WARNING):
        logging.getLogger("cluster_portal.test").warning("no request here")
    assert caplog.records[-1].request_id == log.NO_REQUEST


def test_json_lines_carry_the_request_id_and_the_traceback(browser, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = browser.get("/__test__/500/")
    record = next(record for record in caplog.records if record.name == "django.request")
    line = json.loads(log.JsonFormatter().format(record))
    assert line["request_id"] == response[log.REQUEST_ID_HEADER]
    assert line["level"] == "ERROR" and line["logger"] == "django.request"
    assert line["status_code"] == 500
    assert "RuntimeError" in line["exception"]
    assert "\n" not in log.JsonFormatter().format(record)  # one line per record


def test_log_format_json_makes_the_console_write_json_lines():
    """``LOG_FORMAT=json`` in the environment: the running portal writes one JSON object per line."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "DEBUG": "true", "LOG_FORMAT": "json", "DJANGO_SETTINGS_MODULE": "cluster_portal.settings"}
    code = "import logging; logging.getLogger('cluster_portal.check').error('日本語の %s', 'メッセージ')"
    result = subprocess.run(  # noqa: S603 (fixed interpreter and arguments)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "日本語の メッセージ"
    assert line["logger"] == "cluster_portal.check" and line["request_id"] == log.NO_REQUEST
