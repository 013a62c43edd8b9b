"""Error responses with DEBUG off: Japanese pages, no stack trace, no settings."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.urls_security")]


@pytest.fixture
def browser():
    """A client that, like a browser, gets the error page instead of the exception."""
    return Client(raise_request_exception=False)


def test_debug_is_off_in_the_tests():
    assert settings.DEBUG is False


def test_server_error_shows_the_japanese_page_without_trace_or_settings(browser):
    response = browser.get("/__test__/500/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "サーバーエラーが発生しました" in page
    assert '<html lang="ja">' in page
    for leak in ("Traceback", "RuntimeError", "boom", "never reach", settings.SECRET_KEY, "SECRET_KEY", "settings.py"):
        assert leak not in page
    assert "DATABASES" not in page


def test_server_error_page_is_not_djangos_technical_page(browser):
    page = browser.get("/__test__/500/").content.decode()
    assert "technical" not in page.lower()
    assert "Request Method" not in page


def test_permission_denied_shows_the_japanese_403_page(browser):
    response = browser.get("/__test__/403/")
    assert response.status_code == 403
    assert "アクセスできません" in response.content.decode()


def test_not_found_shows_the_japanese_404_page_without_url_patterns(browser):
    response = browser.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in page
    assert "URLconf" not in page
    assert "__test__" not in page


def test_suspicious_request_shows_the_japanese_400_page(browser):
    response = browser.get("/__test__/400/")
    page = response.content.decode()
    assert response.status_code == 400
    assert "リクエストを処理できません" in page
    assert "tampered" not in page


def test_unknown_host_gets_400_not_a_stack_trace(browser):
    response = browser.get("/", headers={"host": "evil.example.com"})
    assert response.status_code == 400
    assert "evil.example.com" not in response.content.decode()
