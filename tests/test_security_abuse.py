"""Abuse cases: SQL-injection and XSS payloads (Japanese and ASCII) in every search
box, filter and form field are searched or stored as plain text and rendered escaped;
over-long input, control characters and invalid UTF-8 get a 400 or a clear message,
never a 500.

New pages are picked up without editing this file: every URL pattern without
parameters is crawled (``parameterless_pages()``), and the GET forms found on each
page are filled with the payloads. POST forms are listed in ``POST_FORMS``; add
yours there.
"""

import html
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from projects.models import JointResearchProject
from regions.models import Region
from tests import factories

pytestmark = pytest.mark.django_db

SQL_PAYLOADS = [
    "' OR '1'='1' --",
    "1; DROP TABLE regions_region; --",
    "x' UNION SELECT username, password FROM cluster_portal_user --",
    "光技術' OR 1=1 --",
    "％' OR ''＝'",
]
XSS_PAYLOADS = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert('知的クラスター')>",
    "知的クラスター<iframe src=javascript:alert(1)>",
    "{{ 7|add:7 }}{% now 'Y' %}",
]
PAYLOADS = SQL_PAYLOADS + XSS_PAYLOADS
# The crawl sends fewer (it requests every page as every role): ASCII and Japanese of each kind.
CRAWL_PAYLOADS = [SQL_PAYLOADS[0], SQL_PAYLOADS[3], XSS_PAYLOADS[1], XSS_PAYLOADS[2]]

# Prefixes of pages the crawl leaves out: Django's admin (tested in test_admin) and
# endpoints that only accept POST.
SKIPPED_PREFIXES = ("admin/", "i18n/", "accounts/logout/")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def parameterless_pages() -> list[str]:
    """Every URL of the portal that takes no parameter, as a path."""
    paths = set()
    for route in _walk(get_resolver().url_patterns):
        if "<" in route or "(" in route or "^" in route or route.startswith(SKIPPED_PREFIXES):
            continue
        paths.add("/" + route.replace("$", ""))
    return sorted(paths)


PAGES = parameterless_pages()

# (url name, fields that carry free text); the username is never a real account here.
POST_FORMS = [
    ("login", ("username", "password")),
    ("admin:login", ("username", "password")),
]


class FormFields(HTMLParser):
    """Names of the fields of the GET forms of a page (search boxes and filters)."""

    def __init__(self):
        super().__init__()
        self.in_get_form = False
        self.names = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.in_get_form = (attributes.get("method") or "get").lower() == "get"
        elif (
            self.in_get_form
            and tag in {"input", "select", "textarea"}
            and attributes.get("name")
            and attributes.get("type") not in {"submit", "button", "image", "reset"}
        ):
            self.names.add(attributes["name"])

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False


def get_form_fields(page: str) -> set[str]:
    parser = FormFields()
    parser.feed(page)
    return parser.names


def is_html(response) -> bool:
    return response.headers.get("Content-Type", "").startswith("text/html")


# What a payload would look like if it reached the page as markup.
LIVE_MARKUP = re.compile(r"<(script|img|svg|iframe)\b[^>]*(>|on\w+=|javascript:)", re.IGNORECASE)


def assert_escaped(response, payload):
    """The payload never appears as markup."""
    if not is_html(response):
        return
    page = response.content.decode()
    if "<" in payload or '"' in payload:
        assert payload not in page
    for match in LIVE_MARKUP.finditer(page):
        assert "alert" not in match.group(0), match.group(0)


@pytest.fixture
def users(ministry_user, hq_user, reviewer_user):
    return {"anonymous": None, "ministry": ministry_user, "headquarters": hq_user, "reviewer": reviewer_user}


@pytest.fixture
def content(region):
    """Published data for every page to list, so that filters and searches have rows to work on."""
    project = factories.ProjectFactory(region=region, title="光技術の共同研究")
    factories.OutcomeFactory(project=project, patent=True)
    factories.EventFactory(region=region)
    factories.CoordinatorFactory(region=region)
    factories.GrantFactory(region=region, fiscal_year=2008)
    return region


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# ---------------------------------------------------------------- the crawl itself


def test_the_crawl_finds_the_public_search_pages():
    assert reverse("home") in PAGES
    assert reverse("regions:list") in PAGES
    assert not any(page.startswith("/admin/") for page in PAGES)


# ---------------------------------------------------------------- GET: search boxes and filters


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["anonymous", "ministry", "headquarters", "reviewer"])
def test_payloads_in_every_search_box_and_filter_are_harmless(path, role, users, content):
    client = client_for(users[role])
    first = client.get(path)
    assert first.status_code < 500, path
    fields = (get_form_fields(first.content.decode()) if is_html(first) else set()) | {"q", "page", "sort"}
    for payload in CRAWL_PAYLOADS:
        response = client.get(path, dict.fromkeys(fields, payload))
        assert response.status_code < 500, (path, payload)
        assert response.status_code != 400 or "リクエストを処理できません" in response.content.decode()
        assert_escaped(response, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_cluster_search_echoes_the_payload_escaped_and_treats_it_as_text(client, content, payload):
    response = client.get(reverse("regions:list"), {"q": payload})
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{html.escape(payload)}"' in page
    assert response.context["page"].paginator.count == 0  # searched as text: no region matches it


@pytest.mark.parametrize("payload", PAYLOADS)
def test_cluster_search_finds_a_region_whose_name_contains_the_payload(client, payload):
    stored = factories.RegionFactory(name=f"地域{payload}")
    factories.RegionFactory(name="ほかの地域")
    response = client.get(reverse("regions:list"), {"q": payload})
    assert [region.pk for region in response.context["page"].object_list] == [stored.pk]
    assert Region.objects.filter(pk=stored.pk, name=f"地域{payload}").exists()  # stored as plain text
    assert_escaped(response, payload)


# ---------------------------------------------------------------- stored payloads on every page


@pytest.mark.parametrize("payload", [XSS_PAYLOADS[0], XSS_PAYLOADS[2]])
def test_stored_payloads_are_rendered_escaped_on_every_page(payload, users):
    region = factories.RegionFactory(name=f"地域{payload}", cluster_name=payload, theme=payload)
    project = factories.ProjectFactory(region=region, title=payload, summary=payload)
    factories.OutcomeFactory(project=project, title=payload)
    factories.EventFactory(region=region, title=payload)
    factories.CoordinatorFactory(region=region, name=payload)
    factories.OrganizationFactory(name=payload)
    detail_pages = [region.get_absolute_url(), project.get_absolute_url()]
    for role in ("anonymous", "ministry"):
        client = client_for(users[role])
        for path in PAGES + detail_pages:
            response = client.get(path)
            assert response.status_code < 500, (role, path)
            assert_escaped(response, payload)
    assert JointResearchProject.objects.get(pk=project.pk).title == payload


# ---------------------------------------------------------------- POST forms


@pytest.mark.parametrize(("url_name", "fields"), POST_FORMS)
@pytest.mark.parametrize("payload", [*PAYLOADS, "ユーザー\x00名", "あ" * 5000, "a\x1b[31m\x07"])
def test_payloads_in_post_forms_are_refused_with_a_message_not_a_500(url_name, fields, payload, hq_user):
    client = Client(raise_request_exception=False)
    response = client.post(reverse(url_name), dict.fromkeys(fields, payload))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session
    assert_escaped(response, payload)


def test_sql_payload_as_password_does_not_log_in(client, hq_user):
    response = client.post(reverse("login"), {"username": "hq-a", "password": "' OR '1'='1' --"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------- malformed query strings and paths


MALFORMED_QUERIES = {
    "NUL": "q=%00",
    "control character": "q=%E5%85%89%07",
    "escape sequence": "q=%1B%5B31m",
    "DEL": "q=a%7Fb",
    "invalid UTF-8": "q=%FF%FE",
    "truncated UTF-8": "q=%E5%85",
    "overlong UTF-8": "q=%C0%AF",
    "over-long": "q=" + quote("あ" * 1000),
    "over-long filter": "cluster_type=" + "x" * 5000,
}


def assert_malformed_refused(response):
    assert response.status_code == 400
    if response.wsgi_request.path.startswith("/api/"):  # the API answers with a problem document
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 400
        return
    page = response.content.decode()
    assert "リクエストを処理できません" in page
    assert "検索条件" in page


@pytest.mark.parametrize("kind", MALFORMED_QUERIES)
def test_malformed_query_string_gets_a_400_page_in_japanese(kind):
    response = Client(raise_request_exception=False).get(f"{reverse('regions:list')}?{MALFORMED_QUERIES[kind]}")
    assert_malformed_refused(response)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_refuses_control_characters_invalid_utf8_and_overlong_queries(path):
    client = Client(raise_request_exception=False)
    for kind in ("NUL", "invalid UTF-8", "over-long"):
        assert_malformed_refused(client.get(f"{path}?{MALFORMED_QUERIES[kind]}"))


@pytest.mark.parametrize("path", ["/projects/%00/", "/clusters/a%01b/", "/%00"])
def test_control_character_in_the_path_gets_a_400_not_a_500(path):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 400
    assert "アドレスに使用できない制御文字" in response.content.decode()


def test_ordinary_japanese_search_is_not_mistaken_for_malformed_input(client, content):
    response = client.get(reverse("regions:list"), {"q": "光技術 クラスター", "cluster_type": "global"})
    assert response.status_code == 200


def test_a_search_at_the_forms_length_limit_is_accepted(client, content):
    # 100 Japanese characters: the cluster search's own limit, far below the 400 threshold.
    assert client.get(reverse("regions:list"), {"q": "光" * 100}).status_code == 200


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", "' OR 1=1 --"])
def test_payload_in_the_url_path_is_a_404(client, payload):
    response = client.get(f"/projects/{quote(payload, safe='')}/")
    assert response.status_code == 404
    assert_escaped(response, payload)


def test_malformed_query_does_not_reach_the_database(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        response = client.get(reverse("regions:list") + "?q=%00")
    assert response.status_code == 400


def test_json_responses_of_the_crawl_are_not_html_with_a_payload(client, content):
    """Non-HTML answers (CSV, JSON) carry nosniff so a browser never renders them as a page."""
    for path in PAGES:
        response = client.get(path, {"q": XSS_PAYLOADS[0]})
        if response.status_code == 200 and not is_html(response):
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
