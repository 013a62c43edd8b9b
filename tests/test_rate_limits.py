"""Rate limits (issue 18): after the configured number of requests from one address, search and
the API answer 429 with ``Retry-After`` (a Japanese page; JSON for the API); other addresses and
signed-in users are not affected; with the cache down the limit lets requests through, never 500.

The test settings switch limits off (tests/settings.py); each test here switches them on.
"""

import pytest
from django.test import override_settings
from django.urls import reverse

from cluster_portal import ratelimit
from tests.test_faults_cache import STOPPED_REDIS

pytestmark = pytest.mark.django_db

LIMITS = {"search": "3/60", "api": "2/60", "password_reset": "5/900", "contact": "5/900"}


@pytest.fixture(autouse=True)
def limits_on():
    with override_settings(RATE_LIMITS_ENABLED=True, RATE_LIMITS=LIMITS):
        yield


def test_search_answers_429_in_japanese_with_retry_after_after_the_configured_number(client):
    url = reverse("public:search") + "?q=センサ"
    for _ in range(3):
        assert client.get(url).status_code == 200
    response = client.get(url)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert "しばらくお待ちください" in page
    assert f"{response['Retry-After']}秒ほど待ってから" in page
    assert "Set-Cookie" not in response.headers
    # another address is counted on its own
    assert client.get(url, REMOTE_ADDR="192.0.2.55").status_code == 200


def test_the_api_answers_json_429_with_retry_after(client):
    url = reverse("public:api_projects")
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    response = client.get(url)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"  # the API's one error format
    assert response.json()["status"] == 429
    assert int(response["Retry-After"]) >= 1
    # the API counts as one scope: another endpoint is refused too, search is not
    assert client.get(reverse("public:api_clusters")).status_code == 429
    assert client.get(reverse("public:search")).status_code == 200


def test_the_window_ends_and_the_retry_after_is_the_time_left():
    now = 1_000_000.0  # 16666 windows of 60 s and 40 s into the next
    assert [ratelimit.hit("search", "198.51.100.1", now=now) for _ in range(3)] == [None] * 3
    assert ratelimit.hit("search", "198.51.100.1", now=now) == 20
    assert ratelimit.hit("search", "198.51.100.1", now=now + 20) is None  # a new window


def test_behind_the_proxy_the_right_most_forwarded_address_is_counted(client, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # BEHIND_PROXY=true
    url = reverse("public:search")
    for claimed in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        # a client that makes up a new left-hand address each time is still one client
        assert client.get(url, HTTP_X_FORWARDED_FOR=f"{claimed}, 198.51.100.7").status_code == 200
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.4, 198.51.100.7").status_code == 429
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200


def test_signed_in_users_are_not_limited(client, hq_user):
    client.force_login(hq_user)
    url = reverse("public:search")
    assert {client.get(url).status_code for _ in range(5)} == {200}


def test_a_limit_can_be_switched_off_per_environment(client):
    with override_settings(RATE_LIMITS={**LIMITS, "search": ""}):
        assert {client.get(reverse("public:search")).status_code for _ in range(5)} == {200}
    with override_settings(RATE_LIMITS_ENABLED=False):
        assert {client.get(reverse("public:api_projects")).status_code for _ in range(5)} == {200}


def test_with_the_cache_down_the_limit_lets_requests_through(client):
    with override_settings(CACHES=STOPPED_REDIS):
        assert {client.get(reverse("public:search")).status_code for _ in range(5)} == {200}
        assert {client.get(reverse("public:api_projects")).status_code for _ in range(5)} == {200}


def test_a_form_limit_counts_only_its_posts(rf):
    """The hook for the password-reset and contact forms: ``methods=("POST",)`` lets the page be
    shown freely and counts only what is sent."""
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    view = ratelimit.rate_limited("password_reset", methods=("POST",))(lambda request: HttpResponse("ok"))

    def send(method):
        request = getattr(rf, method)("/accounts/password/reset/")
        request.user = AnonymousUser()
        return view(request)

    assert {send("get").status_code for _ in range(10)} == {200}
    assert [send("post").status_code for _ in range(6)] == [200] * 5 + [429]
    assert send("get").status_code == 200
