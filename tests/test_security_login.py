"""Login hardening: CSRF on login and logout, lockout after repeated failures
(django-axes) visible to administrators, shorter logins for ministry staff and administrators."""

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cluster_portal.middleware import client_ip
from cluster_portal.models import User
from tests import factories

pytestmark = pytest.mark.django_db

WRONG = "wrong-password-123456"
ATTACKER_IP = "203.0.113.7"


def attempt(client, username, password, *, url=None, ip=ATTACKER_IP):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail_until_locked(client, username, *, url=None, ip=ATTACKER_IP):
    return [attempt(client, username, WRONG, url=url, ip=ip) for _ in range(settings.AXES_FAILURE_LIMIT)]


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# ---------------------------------------------------------------- CSRF


def csrf_token_from(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_login_without_csrf_token_is_refused(hq_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "hq-a", "password": factories.TEST_PASSWORD})
    assert response.status_code == 403
    assert "送信を受け付けられませんでした" in response.content.decode()
    assert not logged_in(client)


def test_login_with_the_forms_csrf_token_succeeds(hq_user):
    client = Client(enforce_csrf_checks=True)
    token = csrf_token_from(client.get(reverse("login")).content.decode())
    response = client.post(
        reverse("login"), {"username": "hq-a", "password": factories.TEST_PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert logged_in(client)


def test_logout_without_csrf_token_is_refused_and_keeps_the_login(hq_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hq_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert logged_in(client)


def test_logout_by_get_is_not_allowed(client, hq_user):
    client.force_login(hq_user)
    assert client.get(reverse("logout")).status_code == 405
    assert logged_in(client)


# ---------------------------------------------------------------- lockout


def test_login_is_locked_after_repeated_failures_even_with_the_right_password(client, hq_user):
    responses = fail_until_locked(client, "hq-a")
    assert [response.status_code for response in responses[:-1]] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert responses[-1].status_code == 429

    response = attempt(client, "hq-a", factories.TEST_PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    page = response.content.decode()
    assert "ログインを一時的に停止しています" in page
    assert f"ログインに{settings.AXES_FAILURE_LIMIT}回続けて失敗した" in page
    assert "30分たってから" in page


def test_failures_below_the_limit_do_not_lock_and_success_resets_them(client, hq_user):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "hq-a", WRONG)
    assert attempt(client, "hq-a", factories.TEST_PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "hq-a", WRONG).status_code == 200
    assert attempt(client, "hq-a", factories.TEST_PASSWORD).status_code == 302


def test_lockout_is_per_user_name_and_address(client, hq_user, ministry_user):
    fail_until_locked(client, "hq-a")
    # The same user from another address, and another user from the same address, may still log in.
    assert attempt(Client(), "hq-a", factories.TEST_PASSWORD, ip="198.51.100.20").status_code == 302
    assert attempt(Client(), "ministry", factories.TEST_PASSWORD).status_code == 302


def test_lockout_ends_after_the_cool_off_time(client, hq_user):
    fail_until_locked(client, "hq-a")
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(1))
    assert attempt(client, "hq-a", factories.TEST_PASSWORD).status_code == 302


def test_admin_login_is_locked_too(client, admin_user):
    responses = fail_until_locked(client, "admin", url=reverse("admin:login"))
    assert responses[-1].status_code == 429
    assert attempt(client, "admin", factories.TEST_PASSWORD, url=reverse("admin:login")).status_code == 429
    assert not logged_in(client)


def test_administrator_sees_and_can_clear_the_lockout_in_the_admin(client, hq_user, admin_user):
    fail_until_locked(Client(), "hq-a")
    locked = AccessAttempt.objects.get(username="hq-a")
    assert locked.failures_since_start == settings.AXES_FAILURE_LIMIT

    client.force_login(admin_user)
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"), {"locked_out": "yes"})
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [locked]
    assert ATTACKER_IP in changelist.content.decode()
    assert reverse("admin:axes_accessattempt_changelist") in client.get(reverse("admin:index")).content.decode()

    response = client.post(reverse("admin:axes_accessattempt_delete", args=[locked.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert attempt(Client(), "hq-a", factories.TEST_PASSWORD).status_code == 302


@pytest.mark.parametrize("user_fixture", ["ministry_user", "hq_user", "reviewer_user"])
def test_other_roles_cannot_see_lockouts(client, request, user_fixture):
    factories.AccessAttemptFactory(locked_out=True)
    client.force_login(request.getfixturevalue(user_fixture))
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_anonymous_user_cannot_see_lockouts(client):
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_lockout_list_query_count_does_not_grow_with_rows(client, admin_user, django_assert_max_num_queries):
    client.force_login(admin_user)
    url = reverse("admin:axes_accessattempt_changelist")
    factories.AccessAttemptFactory.create_batch(2, locked_out=True)
    client.get(url)
    # 9 = the page's 8 + loading the session's second-factor device (django-otp's middleware)
    with django_assert_max_num_queries(9) as few:
        client.get(url)
    factories.AccessAttemptFactory.create_batch(6, locked_out=True)
    with django_assert_max_num_queries(9) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_client_ip_trusts_forwarded_for_only_behind_the_proxy(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_ip(request) == "10.0.0.1"
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client_ip(request) == "203.0.113.9"  # the address the proxy saw, not what the client claimed
    assert client_ip(rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.0.0.1"


# ---------------------------------------------------------------- session lifetime


def age_login(user, **delta):
    User.objects.filter(pk=user.pk).update(last_login=timezone.now() - datetime.timedelta(**delta))


@pytest.mark.parametrize("user_fixture", ["ministry_user", "admin_user"])
def test_ministry_and_admin_logins_end_after_the_staff_session_age(client, request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    age_login(user, seconds=settings.STAFF_SESSION_MAX_AGE[user.role] + 60)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert not logged_in(client)
    assert "安全のためログアウトしました" in response.content.decode()


def test_superuser_login_ends_like_an_administrators(client):
    user = factories.UserFactory(is_superuser=True, is_staff=True)
    client.force_login(user)
    age_login(user, seconds=settings.STAFF_SESSION_MAX_AGE["administrator"] + 60)
    client.get(reverse("home"))
    assert not logged_in(client)


def test_ministry_login_lasts_within_the_staff_session_age(client, ministry_user):
    client.force_login(ministry_user)
    age_login(ministry_user, seconds=settings.STAFF_SESSION_MAX_AGE["ministry"] - 60)
    client.get(reverse("home"))
    assert logged_in(client)


@pytest.mark.parametrize("user_fixture", ["hq_user", "reviewer_user"])
def test_headquarters_and_reviewer_logins_follow_the_general_session_age(client, request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    age_login(user, hours=3)
    client.get(reverse("home"))
    assert logged_in(client)
    assert settings.SESSION_COOKIE_AGE <= 60 * 60 * 8
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
