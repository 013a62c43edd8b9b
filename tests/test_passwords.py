"""Self-service passwords: change when signed in, reset by e-mail through the outbox with a token that
works once and expires, and the same answer for known and unknown addresses."""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from notifications.models import Notification
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "kumo-no-ue-no-sora-2026"


def request_reset(client, email, capture):
    with capture(execute=True):
        return client.post(reverse("password_reset"), {"email": email})


def reset_link(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/\S+/", message.body).group(0)


def test_reset_by_email_end_to_end(client, hq_user, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://portal.example.go.jp"
    page = client.get(reverse("password_reset")).content.decode()
    assert "パスワードの再設定" in page
    response = request_reset(client, hq_user.email, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    (message,) = mail.outbox
    assert message.to == [hq_user.email] and "パスワード" in message.subject
    assert Notification.objects.get(recipient=hq_user, kind="password_reset").status == "sent"
    link = reset_link(message)
    assert link.startswith("https://portal.example.go.jp/accounts/password/reset/")
    path = link.removeprefix("https://portal.example.go.jp")
    form = client.get(path, follow=True)
    assert "新しいパスワードの設定" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    hq_user.refresh_from_db()
    assert hq_user.check_password(NEW_PASSWORD)
    # the link works once
    again = client.get(path, follow=True).content.decode()
    assert "このリンクは使えません" in again


def test_unknown_address_gets_the_same_answer_and_no_mail(client, hq_user, django_capture_on_commit_callbacks):
    known = request_reset(client, hq_user.email, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    unknown = request_reset(client, "nobody@example.jp", django_capture_on_commit_callbacks)
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert not mail.outbox
    assert client.get(unknown["Location"]).content.decode().count("登録されていれば") == 1


def test_an_expired_link_is_refused(client, hq_user, settings, django_capture_on_commit_callbacks):
    request_reset(client, hq_user.email, django_capture_on_commit_callbacks)
    path = "/" + reset_link(mail.outbox[0]).split("/", 3)[3]
    settings.PASSWORD_RESET_TIMEOUT = -1  # every token is already past its lifetime
    page = client.get(path, follow=True).content.decode()
    assert "このリンクは使えません" in page


def test_change_when_signed_in(client, hq_user):
    client.force_login(hq_user)
    wrong = client.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200 and "入力内容を確認してください" in wrong.content.decode()
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    hq_user.refresh_from_db()
    assert hq_user.check_password(NEW_PASSWORD)
    assert client.get(reverse("workspace:dashboard")).status_code == 200  # still signed in


def test_change_needs_sign_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_login_page_offers_the_reset(client):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


@override_settings(RATE_LIMITS_ENABLED=True, RATE_LIMITS={"password_reset": "2/900"})
def test_reset_requests_are_rate_limited(client, hq_user, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    cache.clear()
    for _ in range(2):
        assert request_reset(client, hq_user.email, django_capture_on_commit_callbacks).status_code == 302
    refused = request_reset(client, hq_user.email, django_capture_on_commit_callbacks)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert len(mail.outbox) == 2


def test_a_500_is_reported_to_admins_through_the_outbox_once(settings, django_capture_on_commit_callbacks):
    import logging

    settings.ADMINS = [("運用担当", "ops@example.go.jp")]
    logger = logging.getLogger("django.request")
    handler = next(h for h in logging.getLogger("django").handlers if h.__class__.__name__ == "OutboxAdminEmailHandler")
    for _ in range(3):
        try:
            raise RuntimeError("boom in a view")
        except RuntimeError:
            record = logger.makeRecord(
                "django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x/", (), None
            )
            import sys

            record.exc_info = sys.exc_info()
            record.request_id = "req-123"
            with django_capture_on_commit_callbacks(execute=True):
                handler.emit(record)
    rows = Notification.objects.filter(kind="server_error")
    assert rows.count() == 1 and rows.get().email == "ops@example.go.jp" and rows.get().recipient is None
    (message,) = mail.outbox
    assert message.to == ["ops@example.go.jp"] and "req-123" in message.subject
    assert "RuntimeError: boom in a view" in message.body
