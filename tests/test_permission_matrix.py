"""Permission matrix: every named URL × every role × GET and POST against tests/permission_matrix.py.

A URL of the URLconf missing from the table fails ``test_every_url_is_in_the_permission_table``,
so no new page ships unguarded; an entry whose URL is gone fails the test after it.

The world (tests/matrix_fixtures.py) is built once for the module inside a transaction that is
rolled back at the end; every case runs in its own savepoint (pytest-django's per-test
transaction), so an allowed POST never leaks into the next case. Each role logs in once
(``force_login``, so login throttling is not involved); each case sends that session cookie.
POSTs are empty: the point is authorisation, not validation.
"""

from __future__ import annotations

import functools

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import matrix_fixtures
from tests.permission_matrix import (
    ADMIN_LOGIN,
    ADMIN_NAMESPACE,
    ALLOWED,
    LOGIN,
    MATRIX,
    READ_ONLY,
    REDIRECT,
    ROLES,
    SUBMITS,
)

pytestmark = pytest.mark.django_db

ALLOWED_CODES = {200, 201, 204, 302, 400, 409}
METHODS = ("GET", "POST")


# ---------------------------------------------------------------------------------------------
# The URLconf


def url_patterns(resolver=None, prefix="", namespace=None):
    """``(name or None, route, pattern)`` for every URL of the URLconf, recursively."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name, prefix + str(pattern.pattern), pattern


@functools.cache
def pattern_named(url_name: str) -> URLPattern:
    return next(pattern for name, _, pattern in url_patterns() if name == url_name)


def is_skipped(name, route) -> bool:
    """The admin (sampled in the table, tested per model elsewhere) and static/media serving."""
    if route.startswith(("admin/", "^admin/")) or (name or "").startswith(ADMIN_NAMESPACE + ":"):
        return True
    static_prefixes = tuple(
        url.lstrip("/") for url in (settings.STATIC_URL, settings.MEDIA_URL) if url and url.strip("/")
    )
    return bool(static_prefixes) and route.lstrip("^").startswith(static_prefixes)


def test_every_url_is_in_the_permission_table():
    missing = sorted(
        name or f"<unnamed: {route}>"
        for name, route, _ in url_patterns()
        if not is_skipped(name, route) and name not in MATRIX
    )
    assert not missing, "URLs without an entry in tests/permission_matrix.py: " + ", ".join(missing)


def test_every_table_entry_is_a_url():
    names = {name for name, _, _ in url_patterns() if name}
    stale = sorted(set(MATRIX) - names)
    assert not stale, "entries of tests/permission_matrix.py that are no longer URLs: " + ", ".join(stale)


def test_every_entry_states_all_roles_for_both_methods():
    incomplete = []
    for name, cases in MATRIX.items():
        for sample, get_row, post_row in cases:
            for method, expected in (("GET", get_row), ("POST", post_row)):
                if isinstance(expected, dict) and set(expected) != set(ROLES):
                    incomplete.append(f"{name}[{sample}] {method}")
    assert not incomplete, incomplete


# ---------------------------------------------------------------------------------------------
# The world and the sessions, once per module


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with matrix_fixtures.world_in_transaction(django_db_blocker) as built:
        yield built


def matrix_cases():
    for name, cases in MATRIX.items():
        for sample, get_row, post_row in cases:
            for role in ROLES:
                for method in METHODS:
                    label = f"{name}[{sample}]" if sample else name
                    yield pytest.param(name, sample, get_row, post_row, role, method, id=f"{label}-{role}-{method}")


def expected_outcome(get_row, post_row, role, method):
    """The outcome code for the role, or a set of acceptable ones (READ_ONLY)."""
    if method == "GET":
        return get_row[role]
    if post_row == SUBMITS:
        return ALLOWED if get_row[role] == 200 else get_row[role]
    if post_row == READ_ONLY:
        return {405, get_row[role]}
    return post_row[role]


def redirects_to(response, url) -> bool:
    return response.status_code == 302 and response["Location"].split("?", 1)[0] == url


def matches(response, outcome) -> bool:
    login_url = resolve_url(settings.LOGIN_URL)
    admin_login_url = reverse("admin:login")
    to_a_login = redirects_to(response, login_url) or redirects_to(response, admin_login_url)
    if isinstance(outcome, set):
        return any(matches(response, one) for one in outcome)
    if outcome == LOGIN:
        return redirects_to(response, login_url)
    if outcome == ADMIN_LOGIN:
        return redirects_to(response, admin_login_url)
    if outcome == REDIRECT:
        return response.status_code == 302 and not to_a_login
    if outcome == ALLOWED:
        return response.status_code in ALLOWED_CODES and not to_a_login
    return response.status_code == outcome


def describe(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} → {response['Location']}"
    return str(response.status_code)


@pytest.mark.parametrize(("url_name", "sample", "get_row", "post_row", "role", "method"), list(matrix_cases()))
def test_permission_matrix(world, url_name, sample, get_row, post_row, role, method):
    kwarg_names = pattern_named(url_name).pattern.converters
    url = reverse(url_name, kwargs=matrix_fixtures.url_kwargs(world, sample, kwarg_names))
    client = Client()
    if role in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    response = client.get(url) if method == "GET" else client.post(url, {})
    expected = expected_outcome(get_row, post_row, role, method)
    assert matches(response, expected), (
        f"{method} {url} ({url_name}, sample {sample}) as {role}: expected {expected!r}, got {describe(response)}"
    )
