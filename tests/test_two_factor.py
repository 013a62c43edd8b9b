"""Two-factor sign-in (cluster_portal/two_factor/): required for ministry staff and administrators,
optional for headquarters staff and reviewers, the admin behind it too, and django-axes counting
wrong codes. Logins here go through the real forms (``real_two_factor``: the suite's helper that
marks test logins as verified is off)."""

import base64
import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories
from tests.conftest import verify_client_session

pytestmark = [pytest.mark.django_db, pytest.mark.real_two_factor]

SETUP = reverse("two_factor:setup")
VERIFY = reverse("two_factor:verify")


def password_login(client, username, next_url="/"):
    return client.post(reverse("login"), {"username": username, "password": factories.TEST_PASSWORD, "next": next_url})


def code(device, drift=0):
    """The code the user's authenticator app shows now (``drift=1``: the next one, as a later login)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def set_up_authenticator(client):
    """Do the set-up page as the user does: read the page, type the app's code. Returns the response."""
    page = client.get(SETUP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=page.wsgi_request.user.pk, confirmed=False)
    secret = re.sub(r"\s", "", re.search(r'id="totp-secret">([^<]+)<', page.content.decode()).group(1))
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key  # what is shown is the key
    return client.post(SETUP, {"code": code(device), "next": "/ministry/"}), device


PROTECTED_FOR_MINISTRY = ["/ministry/", "/data/", "/reviews/", "/admin/", "/", "/clusters/"]


@pytest.mark.parametrize("path", PROTECTED_FOR_MINISTRY)
def test_ministry_user_with_only_a_password_is_sent_to_set_up(client, ministry_user, path):
    response = password_login(client, "ministry", next_url="/ministry/")
    assert response.status_code == 302
    assert response.url.startswith(SETUP)
    # Every page — public ones too, which show a signed-in ministry user unpublished data — waits.
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(SETUP)


def test_set_up_shows_secret_then_recovery_codes_once_and_signs_in(client, ministry_user):
    password_login(client, "ministry", next_url="/ministry/")
    response, device = set_up_authenticator(client)
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    assert client.get("/ministry/").status_code == 200
    # The codes are not shown again: the set-up page now sends the user to the account page.
    again = client.get(SETUP)
    assert again.status_code == 302
    assert again.url == reverse("two_factor:account")

    # The next sign-in asks for the app's code before any ministry page.
    client.post(reverse("logout"))
    response = password_login(client, "ministry", next_url="/ministry/")
    assert response.url.startswith(VERIFY)
    assert client.get("/ministry/").url.startswith(VERIFY)
    device.refresh_from_db()
    response = client.post(VERIFY, {"code": code(device, drift=1), "next": "/ministry/"})
    assert response.status_code == 302
    assert response.url == "/ministry/"
    assert client.get("/ministry/").status_code == 200


def test_wrong_code_at_set_up_registers_nothing(client, ministry_user):
    password_login(client, "ministry")
    client.get(SETUP)
    response = client.post(SETUP, {"code": "000000"})
    assert response.status_code == 200
    assert "コードが正しくありません" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=ministry_user, confirmed=True).exists()
    assert client.get("/ministry/").url.startswith(SETUP)


def test_recovery_code_works_once_and_only_once(client, ministry_user):
    factories.TOTPDeviceFactory(user=ministry_user)
    factories.StaticDeviceFactory(user=ministry_user, tokens=["abcd2345", "efgh6723"])
    password_login(client, "ministry", next_url="/ministry/")
    response = client.post(VERIFY, {"recovery_code": "ABCD 2345", "next": "/ministry/"})
    assert response.url == "/ministry/"
    assert client.get("/ministry/").status_code == 200

    client.post(reverse("logout"))
    password_login(client, "ministry", next_url="/ministry/")
    response = client.post(VERIFY, {"recovery_code": "abcd2345", "next": "/ministry/"})
    assert response.status_code == 200
    assert "コードが正しくないか" in response.content.decode()
    assert client.get("/ministry/").url.startswith(VERIFY)


def test_wrong_codes_lock_out_through_axes(client, ministry_user, settings):
    device = factories.TOTPDeviceFactory(user=ministry_user)
    password_login(client, "ministry", next_url="/ministry/")
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(VERIFY, {"code": "000000"})
        assert response.status_code == 200
    response = client.post(VERIFY, {"code": "000000"})
    assert response.status_code == 429
    assert "ログインを一時的に停止しています" in response.content.decode()
    assert "_auth_user_id" not in client.session  # the half-signed session is gone
    assert AccessAttempt.objects.get(username="ministry").failures_since_start == settings.AXES_FAILURE_LIMIT
    # Even the right password and a right code do not get in until the lockout ends.
    assert password_login(client, "ministry").status_code == 429
    assert client.post(VERIFY, {"code": code(device)}).status_code == 302  # anonymous → login page
    assert client.get("/ministry/").status_code == 302


def test_right_code_after_a_typo_needs_a_short_wait_then_clears_the_failures(client, ministry_user):
    device = factories.TOTPDeviceFactory(user=ministry_user)
    password_login(client, "ministry")
    client.post(VERIFY, {"code": "000000"})
    assert AccessAttempt.objects.filter(username="ministry").exists()
    # Straight after a failure django-otp refuses to check the device for a moment, and says so.
    response = client.post(VERIFY, {"code": code(device)})
    assert response.status_code == 200
    assert "秒ほど待ってから" in response.content.decode()
    # Once the delay has passed, the right code gets in and the failures are forgotten.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(minutes=5)
    )
    assert client.post(VERIFY, {"code": code(device)}).status_code == 302
    assert client.get("/ministry/").status_code == 200
    assert not AccessAttempt.objects.filter(username="ministry").exists()


def test_set_up_is_not_offered_to_a_password_only_session_of_a_user_with_a_device(client, ministry_user):
    """Whoever knows the password cannot register their own authenticator instead of the user's."""
    factories.TOTPDeviceFactory(user=ministry_user)
    password_login(client, "ministry")
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response.url.startswith(VERIFY)
    assert client.post(SETUP, {"code": "123456"}).url.startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=ministry_user).count() == 1


def test_next_address_of_the_code_step_stays_on_the_portal(client, ministry_user):
    device = factories.TOTPDeviceFactory(user=ministry_user)
    password_login(client, "ministry")
    response = client.post(VERIFY, {"code": code(device), "next": "https://evil.example/"})
    assert response.url == reverse("home")


def test_code_fields_are_labelled_numeric_one_time_code_fields(client, ministry_user):
    factories.TOTPDeviceFactory(user=ministry_user)
    password_login(client, "ministry")
    html = client.get(VERIFY).content.decode()
    assert '<label for="id_code">確認コード（6桁）' in html
    field = re.search(r'<input[^>]*name="code"[^>]*>', html).group(0)
    assert 'autocomplete="one-time-code"' in field
    assert 'inputmode="numeric"' in field
    assert '<label for="id_recovery_code">リカバリーコード' in html


def test_headquarters_staff_without_a_device_sign_in_with_the_password(client, hq_user):
    response = password_login(client, "hq-a", next_url="/workspace/")
    assert response.url == "/workspace/"
    assert client.get("/workspace/").status_code == 200


def test_headquarters_staff_may_opt_in_and_are_then_asked_for_the_code(client, hq_user):
    password_login(client, "hq-a", next_url="/workspace/")
    assert "2段階認証は設定されていません" in client.get(reverse("two_factor:account")).content.decode()
    response, device = set_up_authenticator(client)
    assert response.status_code == 200
    client.post(reverse("logout"))
    response = password_login(client, "hq-a", next_url="/workspace/")
    assert response.url.startswith(VERIFY)
    assert client.get("/workspace/").url.startswith(VERIFY)
    device.refresh_from_db()
    client.post(VERIFY, {"code": code(device, drift=1)})
    assert client.get("/workspace/").status_code == 200
    # …and may switch it off again (ministry staff may not).
    client.post(reverse("two_factor:disable"))
    assert not list(devices_for_user(hq_user, confirmed=None))


def test_ministry_staff_cannot_switch_the_second_factor_off(client, ministry_user):
    factories.TOTPDeviceFactory(user=ministry_user)
    client.force_login(ministry_user)
    verify_client_session(client, ministry_user)
    response = client.post(reverse("two_factor:disable"), follow=True)
    assert "解除できません" in response.content.decode()
    assert TOTPDevice.objects.filter(user=ministry_user).exists()


def test_admin_requires_the_second_factor(client, admin_user):
    response = client.post(
        reverse("admin:login") + "?next=/admin/", {"username": "admin", "password": factories.TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/admin/").url.startswith(SETUP)
    # With an authenticator registered but this session not verified, still no admin.
    device = factories.TOTPDeviceFactory(user=admin_user)
    assert client.get("/admin/").url.startswith(VERIFY)
    client.post(VERIFY, {"code": code(device)})
    assert client.get("/admin/").status_code == 200


def test_admin_site_itself_refuses_an_unverified_administrator(rf, admin_user):
    from django.contrib import admin

    request = rf.get("/admin/")
    request.user = admin_user
    admin_user.is_verified = lambda: False
    assert not admin.site.has_permission(request)
    admin_user.is_verified = lambda: True
    assert admin.site.has_permission(request)


def test_administrator_resets_a_users_second_factor_and_it_is_logged(client, admin_user, ministry_user):
    factories.TOTPDeviceFactory(user=ministry_user)
    factories.StaticDeviceFactory(user=ministry_user)
    # The ministry user's own verified session…
    from django.test import Client

    ministry_client = Client()
    ministry_client.force_login(ministry_user)
    verify_client_session(ministry_client, ministry_user)
    assert ministry_client.get("/ministry/").status_code == 200

    client.force_login(admin_user)
    verify_client_session(client, admin_user)
    response = client.post(
        reverse("admin:cluster_portal_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [ministry_user.pk]},
        follow=True,
    )
    assert "1人の2段階認証をリセットしました" in response.content.decode()
    assert not list(devices_for_user(ministry_user, confirmed=None))
    entry = LogEntry.objects.get(object_id=str(ministry_user.pk))
    assert entry.user == admin_user
    assert "2段階認証をリセットしました" in entry.get_change_message()
    # …no longer counts as verified: the user must set up a new authenticator.
    assert ministry_client.get("/ministry/").url.startswith(SETUP)


def test_code_step_gives_the_session_a_new_id(client, ministry_user):
    device = factories.TOTPDeviceFactory(user=ministry_user)
    password_login(client, "ministry")
    before = client.session.session_key
    client.post(VERIFY, {"code": code(device)})
    assert client.session.session_key != before
    assert client.get("/ministry/").status_code == 200


def test_headquarters_session_is_released_when_an_administrator_resets_the_device(client, hq_user):
    factories.TOTPDeviceFactory(user=hq_user)
    password_login(client, "hq-a", next_url="/workspace/")
    assert client.get("/workspace/").url.startswith(VERIFY)
    TOTPDevice.objects.filter(user=hq_user).delete()  # what the admin's reset does
    assert client.get("/workspace/").status_code == 200
