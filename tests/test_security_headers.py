"""Hardening: security headers on every kind of page, secure cookies, the strict
Content-Security-Policy, and ``check --deploy`` with production settings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_HOST = "portal.example.go.jp"

pytestmark = pytest.mark.django_db


def production_env(**extra) -> dict:
    """The environment of a production start: DEBUG unset, a random key, a real host name."""
    env = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests in this process; production never has it.
        if key not in {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not key.startswith("SECURE_")
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=PRODUCTION_HOST,
        DJANGO_SETTINGS_MODULE="cluster_portal.settings",
        **extra,
    )
    return env


def run_python(*args, env):
    return subprocess.run(  # noqa: S603 (fixed interpreter and arguments)
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.fixture
def pages(region):
    """Several kinds of page: public HTML, a form, an error page, the admin login."""
    project = factories.ProjectFactory(region=region)
    return {
        "home": reverse("home"),
        "cluster list": reverse("regions:list"),
        "cluster detail": region.get_absolute_url(),
        "project detail": project.get_absolute_url(),
        "login": reverse("login"),
        "admin login": reverse("admin:login"),
        "not found": "/no-such-page/",
    }


# ---------------------------------------------------------------- production settings


def test_check_deploy_reports_nothing_with_production_settings():
    result = run_python("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_would_catch_an_insecure_production_setting():
    """The check above can fail: switching a cookie flag off makes it report a warning."""
    result = run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=production_env(SESSION_COOKIE_SECURE="false")
    )
    assert result.returncode != 0
    assert "security.W012" in result.stdout + result.stderr


def test_production_settings_are_secure_by_default():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE,"
        " s.CSRF_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000,"
        " s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, s.SECURE_CONTENT_TYPE_NOSNIFF,"
        " s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    )
    result = run_python("-c", code, env=production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", *["True"] * 6, "DENY", "same-origin", "True", "True"]


def test_password_validators_refuse_short_common_and_numeric_passwords():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    user = factories.UserFactory(username="tanaka-hanako")
    for weak in ("short1", "password1234", "123456789012", "tanaka-hanako1"):
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("kurasuta-Souzou-2008!", user)


# ---------------------------------------------------------------- headers on every page


@pytest.mark.parametrize("page", ["home", "cluster list", "cluster detail", "project detail", "login", "admin login"])
def test_pages_send_frame_referrer_nosniff_and_opener_headers(client, pages, page):
    response = client.get(pages[page])
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize("page", ["home", "cluster list", "cluster detail", "project detail", "login", "admin login"])
def test_content_security_policy_allows_no_inline_code_and_no_other_host(client, pages, page):
    response = client.get(pages[page])
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert not re.search(r"https?:|\*|//", policy)


def test_error_pages_carry_the_security_headers_too(client, pages):
    response = client.get(pages["not found"])
    assert response.status_code == 404
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in response.headers


def test_hsts_is_sent_on_https_with_subdomains_and_preload(client, pages):
    response = client.get(pages["home"], secure=True)
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 31536000
    assert "includeSubDomains" in hsts
    assert "preload" in hsts


#: Inline code the CSP would block: a <script> without src= (except a JSON-LD data block, which
#: browsers never execute, so script-src does not apply to it), <style>, style= and on*= handlers.
INLINE_CODE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/ld\+json\")[^>]*>|<style\b|\sstyle=|\son[a-z]+=",
    re.IGNORECASE,
)


def test_pages_have_no_inline_script_or_style_in_the_html(client, pages):
    inline = INLINE_CODE
    for name, url in pages.items():
        if name == "admin login":
            continue  # Django's own admin templates; see README "Security"
        page = client.get(url).content.decode()
        assert not inline.search(page), (name, inline.search(page).group(0))


def test_templates_contain_no_inline_script_or_style():
    """The CSP blocks inline code, so no template may rely on it."""
    inline = INLINE_CODE
    offenders = []
    template_dirs = [ROOT / "templates", *ROOT.glob("*/templates")]
    for directory in template_dirs:
        for template in directory.rglob("*.html"):
            for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
                if inline.search(line):
                    offenders.append(f"{template.relative_to(ROOT)}:{number}")
    assert offenders == []


# ---------------------------------------------------------------- cookies


def test_language_cookie_is_secure_http_only_and_lax_in_production(client):
    from django.conf import settings as active

    with override_settings(LANGUAGE_COOKIE_SECURE=True):
        response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, secure=True)
    cookie = response.cookies[active.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_session_and_csrf_cookies_are_secure_and_http_only_in_production(client, ministry_user):
    login_page = client.get(reverse("login"), secure=True)
    csrf_cookie = login_page.cookies["csrftoken"]
    assert csrf_cookie["secure"] is True
    assert csrf_cookie["httponly"] is True
    assert csrf_cookie["samesite"] == "Lax"

    response = client.post(reverse("login"), {"username": "ministry", "password": factories.TEST_PASSWORD}, secure=True)
    assert response.status_code == 302
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"] is True
    assert session_cookie["httponly"] is True
    assert session_cookie["samesite"] == "Lax"
    assert session_cookie["max-age"] == ""  # ends when the browser closes


def test_inline_code_rule_allows_json_ld_data_and_nothing_else():
    assert not INLINE_CODE.search('<script type="application/ld+json">{"@type":"Event"}</script>')
    assert not INLINE_CODE.search('<script src="/static/js/workspace.js" defer></script>')
    for code in ("<script>alert(1)</script>", '<script type="text/javascript">x()</script>', '<script type="module">'):
        assert INLINE_CODE.search(code), code
