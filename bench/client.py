"""The benchmark's HTTP client (``bench/run.py``): plain requests to the gunicorn under test, and
signing in through the portal's login form and two-factor code step as a browser does."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import re
import struct
import subprocess
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit, urlunsplit

from bench.pages import q


def request(
    base: str, method: str, path: str, *, cookies: dict | None = None, form: dict | None = None
) -> tuple[int, http.client.HTTPMessage, bytes, float]:
    """Status, headers, body and milliseconds until the whole body arrived. Redirects are not
    followed (a signed-in page answering 302 to the login is reported as such); cookies the
    answer sets are kept in ``cookies`` (their Secure flag is ignored: this is the loopback)."""
    parts = urlsplit(base)
    headers = {}
    body = None
    if cookies:
        headers["Cookie"] = cookie_header(cookies)
    if form is not None:
        body = urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        connection.close()
    if cookies is not None:
        for value in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(value)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    cookies.pop(name, None)
                else:
                    cookies[name] = morsel.value
    return response.status, response.headers, content, elapsed


def cookie_header(cookies: dict) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def get(url: str, cookie: str | None = None) -> tuple[int, dict, float]:
    """Status, headers and milliseconds until the whole body arrived (no redirects followed)."""
    parts = urlsplit(url)
    cookies = dict(item.split("=", 1) for item in cookie.split("; ")) if cookie else None
    path = urlunsplit(("", "", parts.path, parts.query, ""))
    status, headers, _content, ms = request(f"{parts.scheme}://{parts.netloc}", "GET", path, cookies=cookies)
    return status, dict(headers.items()), ms


CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def csrf_token(content: bytes) -> str:
    """The CSRF token of the (first) form on a page."""
    found = CSRF_FIELD.search(content)
    if not found:
        raise SystemExit("no CSRF token on the sign-in page")
    return found.group(1).decode()


def totp(key_hex: str, at: float | None = None) -> str:
    """The six-digit code an authenticator app shows for ``key_hex`` (RFC 6238: SHA-1, 30 s, as django-otp)."""
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def _location_path(headers) -> str:
    parts = urlsplit(headers.get("Location", ""))
    return urlunsplit(("", "", parts.path, parts.query, ""))


def login(base: str, username: str, password: str, totp_key: str | None, landing: str) -> str:
    """Sign in through the portal's login form (and the two-factor code step when the role needs it)
    the way a browser does; the session's Cookie header. One attempt only: a wrong password or code
    stops the run instead of counting towards django-axes' lockout."""
    cookies: dict = {}
    login_path = "/accounts/login/"
    status, _headers, content, _ms = request(base, "GET", f"{login_path}?next={q(landing)}", cookies=cookies)
    if status != 200:
        raise SystemExit(f"the login page answered HTTP {status}")
    form = {"csrfmiddlewaretoken": csrf_token(content), "username": username, "password": password, "next": landing}
    status, headers, _content, _ms = request(base, "POST", login_path, cookies=cookies, form=form)
    if status != 302:
        raise SystemExit(f"signing in as {username} failed (HTTP {status}, the login form was shown again)")
    step = _location_path(headers)
    if "/two-factor/verify/" in step:
        if not totp_key:
            raise SystemExit(f"{username} owes a code step but has no authenticator")
        status, _headers, content, _ms = request(base, "GET", step, cookies=cookies)
        form = {"csrfmiddlewaretoken": csrf_token(content), "code": totp(totp_key), "next": landing}
        status, headers, _content, _ms = request(base, "POST", step, cookies=cookies, form=form)
        if status != 302:
            raise SystemExit(f"the code step of {username} failed (HTTP {status})")
    status, _headers, _content, _ms = request(base, "GET", landing, cookies=cookies)
    if status != 200:
        raise SystemExit(f"{username} signed in but {landing} answered HTTP {status}")
    return cookie_header(cookies)


def wait_until_up(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            status, _headers, _ms = get(base + "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz in time")
