"""Whole public pages are cached for anonymous visitors (``cluster_portal.cache.public_page``).

A visitor is served the stored page while the data generation it was rendered in is current; any
write bumps the generation, so a change shows on the next request. Signed-in users always get a
freshly rendered page, languages never mix (Japanese at /…, English at /en/…, each stored under the
language of its address), and a stored page's language links lead to the same page in the other
language.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation

from cluster_portal import cache as portal_cache
from cluster_portal.cache import page_key
from tests import factories

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def without_tokens(content: bytes) -> str:
    return TOKEN.sub("", content.decode())


@pytest.fixture
def published(db):
    region = factories.RegionFactory(name="公開地域", cluster_name="公開クラスター")
    project = factories.ProjectFactory(region=region, title="公開テーマ", code="PUB-001")
    grant = factories.GrantFactory(region=region, fiscal_year=2008, amount=300_000_000)
    factories.ProjectBudgetFactory(project=project, grant=grant, allocated=100_000_000, executed=0)
    factories.OutcomeFactory(project=project, title="公開成果")
    return region, project


def public_urls(region, project):
    return [
        "/",
        "/clusters/",
        f"/clusters/{region.slug}/",
        "/projects/",
        f"/projects/{project.code}/",
        "/results/",
        "/organizations/",
        "/events/",
        "/funding/",
        "/search/?q=公開",
        "/opendata/",
        "/clusters/?format=csv",
        "/api/v1/projects",
        "/sitemap.xml",
        "/en/",
        f"/en/projects/{project.code}/",
    ]


# --- through the whole stack -----------------------------------------------------------------------


def test_second_anonymous_request_of_every_public_page_runs_no_sql_and_shows_the_same_page(client, published):
    for url in public_urls(*published):
        first = client.get(url)
        with CaptureQueriesContext(connection) as context:
            second = client.get(url)
        assert first.status_code == second.status_code == 200, url
        assert len(context.captured_queries) == 0, (url, [query["sql"] for query in context.captured_queries])
        first_body = b"".join(first.streaming_content) if first.streaming else first.content
        assert without_tokens(second.content) == without_tokens(first_body), url
        assert second["Content-Type"] == first["Content-Type"], url


def test_a_page_served_from_the_cache_links_to_the_same_page_in_the_other_language(published):
    Client().get("/clusters/?q=x")  # the first visitor stores the page
    visitor = Client()
    page = visitor.get("/clusters/?q=x").content.decode()
    assert 'href="/en/clusters/?q=x" hreflang="en" lang="en" rel="alternate">English</a>' in page

    english = visitor.get("/en/clusters/?q=x")

    assert english.headers["Content-Language"] == "en"
    assert 'href="/clusters/?q=x" hreflang="ja" lang="ja" rel="alternate">日本語</a>' in english.content.decode()


def test_the_old_language_switch_still_sends_the_visitor_to_the_english_address(published):
    Client().get("/clusters/")
    visitor = Client(enforce_csrf_checks=True)
    response = visitor.post("/i18n/setlang/", {"language": "en", "next": "/clusters/?q=x"})
    assert response.status_code == 302
    assert response.url == "/en/clusters/?q=x"
    assert visitor.get(response.url).headers["Content-Language"] == "en"


def test_anonymous_visitors_get_public_pages_without_any_cookie_or_token(client, published):
    for url in public_urls(*published):
        for _visit in range(2):  # rendered, then from the cache
            response = client.get(url)
            assert not response.cookies, (url, response.cookies)
            content = b"".join(response.streaming_content) if response.streaming else response.content
            assert b"csrfmiddlewaretoken" not in content, url


def test_changed_project_title_shows_on_the_next_request(client, published):
    _region, project = published
    url = f"/projects/{project.code}/"
    assert "公開テーマ" in client.get(url).content.decode()

    project.title = "改題したテーマ"
    project.save()  # any write path bumps the data generation (cluster_portal/cache.py)

    page = client.get(url).content.decode()
    assert "改題したテーマ" in page
    assert "公開テーマ" not in page


def test_signed_in_staff_never_receive_and_never_leave_the_anonymous_page(client, published, ministry_user):
    factories.RegionFactory(name="非公開地域", is_published=False)
    assert "非公開地域" not in client.get("/clusters/").content.decode()  # stored for visitors

    staff = Client()
    staff.force_login(ministry_user)
    assert "非公開地域" in staff.get("/clusters/").content.decode()  # rendered for the staff member

    assert "非公開地域" not in Client().get("/clusters/").content.decode()  # visitors still get theirs


def test_languages_are_cached_apart(client, published):
    japanese = client.get("/clusters/")
    english = client.get("/en/clusters/")
    with CaptureQueriesContext(connection) as context:
        again = client.get("/clusters/")
        english_again = client.get("/en/clusters/")
    assert len(context.captured_queries) == 0  # both served from the cache …
    assert japanese["Content-Language"] == again["Content-Language"] == "ja"
    assert english["Content-Language"] == english_again["Content-Language"] == "en"
    # … each in its own language, whatever the browser prefers or the cookie says
    assert '<html lang="en"' in english_again.content.decode()
    assert "<h1>Clusters</h1>" in english_again.content.decode()
    assert '<html lang="ja"' in again.content.decode()
    assert "<h1>クラスター一覧</h1>" in again.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="ja"' in client.get("/clusters/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_page_keys_carry_the_language_of_the_address():
    factory = RequestFactory()
    japanese, english = factory.get("/clusters/"), factory.get("/en/clusters/")
    assert page_key(japanese).startswith("portal:page:ja:")
    assert page_key(english).startswith("portal:page:en:")
    with translation.override("en"):  # the active language does not decide it: the address does
        assert page_key(japanese).startswith("portal:page:ja:")


def test_query_string_is_part_of_the_address(client, published):
    region, _project = published
    factories.RegionFactory(name="別の地域", theme="材料")
    everything = client.get("/clusters/").content.decode()
    filtered = client.get("/clusters/", {"q": "別の地域"}).content.decode()
    assert region.name in everything
    assert region.name not in filtered and "別の地域" in filtered


# --- the rules, on a view that counts how often it renders -----------------------------------------


class CountingView:
    def __init__(self, make_response=lambda request: HttpResponse("ページ")):
        self.calls = 0
        self.make_response = make_response
        self.view = portal_cache.public_page(self._render)

    def _render(self, request):
        self.calls += 1
        return self.make_response(request)

    def __call__(self, request):
        return self.view(request)


def visitor_request(path="/page/", method="get", user=None, message=None):
    request = getattr(RequestFactory(), method)(path)
    request.user = user or AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    if message:
        request._messages.add(message_levels.INFO, message)
    return request


@pytest.mark.django_db
def test_a_stored_page_with_a_post_form_gets_each_visitors_own_csrf_token():
    from django.middleware.csrf import CsrfViewMiddleware
    from django.template import RequestContext, Template

    form = Template('<form method="post">{% csrf_token %}<button>送信</button></form>')
    view = CountingView(lambda request: HttpResponse(form.render(RequestContext(request, {}))))

    def visit():
        request = visitor_request()
        response = view(request)
        token = TOKEN.search(response.content.decode()).group(1)
        posted = RequestFactory().post("/page/", {"csrfmiddlewaretoken": token})
        posted.COOKIES["csrftoken"] = request.META["CSRF_COOKIE"]  # the cookie the middleware would set
        refused = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(posted, lambda r: None, (), {})
        return token, refused

    first, second = visit(), visit()
    assert view.calls == 1  # the second visitor was served the stored page ...
    assert first[0] != second[0]  # ... with a token of their own ...
    assert first[1] is None and second[1] is None  # ... that the CSRF check accepts


@pytest.mark.django_db
def test_second_visitor_is_served_without_rendering():
    view = CountingView()
    assert view(visitor_request()).content == view(visitor_request()).content == "ページ".encode()
    assert view.calls == 1


@pytest.mark.django_db
def test_a_bumped_generation_renders_again():
    view = CountingView()
    view(visitor_request())
    portal_cache.bump_data_generation()
    view(visitor_request())
    assert view.calls == 2


@pytest.mark.django_db
def test_post_signed_in_users_and_pending_messages_always_render(ministry_user):
    view = CountingView()
    view(visitor_request())
    view(visitor_request(method="post"))
    view(visitor_request(user=ministry_user))
    view(visitor_request(message="ログアウトしました。"))
    assert view.calls == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make_response",
    [
        lambda request: HttpResponse("見つかりません", status=404),
        lambda request: HttpResponse("リダイレクト", status=302),
        lambda request: _with_cookie(HttpResponse("クッキー")),
        lambda request: _private(HttpResponse("個別")),
    ],
    ids=["404", "302", "sets-a-cookie", "private"],
)
def test_responses_that_are_not_plain_200s_for_everyone_are_never_stored(make_response):
    view = CountingView(make_response)
    view(visitor_request())
    view(visitor_request())
    assert view.calls == 2


def _with_cookie(response):
    response.set_cookie("visited", "1")
    return response


def _private(response):
    response["Cache-Control"] = "private"
    return response


@pytest.mark.django_db
def test_small_streamed_download_is_stored_and_a_large_one_streams_untouched():
    small = CountingView(lambda request: StreamingHttpResponse(iter([b"a,b\n", b"1,2\n"]), content_type="text/csv"))
    assert small(visitor_request()).content == small(visitor_request()).content == b"a,b\n1,2\n"
    assert small.calls == 1

    chunk = b"x" * 1000
    large = CountingView(lambda request: StreamingHttpResponse(iter([chunk] * 5)))
    with override_settings(PUBLIC_PAGE_CACHE_MAX_BYTES=2500):
        responses = [large(visitor_request("/large/")), large(visitor_request("/large/"))]
    assert all(b"".join(response.streaming_content) == chunk * 5 for response in responses)
    assert large.calls == 2


@pytest.mark.django_db
def test_page_cache_can_be_switched_off():
    view = CountingView()
    with override_settings(PUBLIC_PAGE_CACHE_TIMEOUT=0):
        view(visitor_request())
        view(visitor_request())
    assert view.calls == 2


@pytest.mark.django_db
def test_pages_render_when_the_cache_is_unreachable():
    from tests.test_cache_invalidation import UNREACHABLE_REDIS

    view = CountingView()
    with override_settings(CACHES=UNREACHABLE_REDIS):
        assert view(visitor_request()).content == "ページ".encode()
        assert view(visitor_request()).status_code == 200
    assert view.calls == 2


@pytest.mark.django_db
def test_pages_are_served_from_redis_through_the_portal_backend_with_one_client_per_pool():
    import secrets

    from django.core.cache import cache

    from tests.test_two_instances import REDIS_HOST, REDIS_PORT, redis_reachable

    if not redis_reachable():
        pytest.skip(f"Redis is not reachable on {REDIS_HOST}:{REDIS_PORT}")
    redis_cache = {
        "default": {
            "BACKEND": "cluster_portal.redis_cache.ReusedClientRedisCache",
            "LOCATION": f"redis://{REDIS_HOST}:{REDIS_PORT}/7",
            "KEY_PREFIX": f"test-{secrets.token_hex(8)}",  # this test's keys only
            "TIMEOUT": 60,
        }
    }
    view = CountingView()
    with override_settings(CACHES=redis_cache):
        assert view(visitor_request()).content == view(visitor_request()).content == "ページ".encode()
        assert cache._cache.get_client() is cache._cache.get_client(write=True)
    assert view.calls == 1


@pytest.mark.django_db
def test_invalidate_public_cache_command_makes_every_stored_page_stale():
    from io import StringIO

    from django.core.management import call_command

    view = CountingView()
    view(visitor_request())
    output = StringIO()
    call_command("invalidate_public_cache", stdout=output)
    view(visitor_request())
    assert view.calls == 2
    assert "Public cache invalidated" in output.getvalue()
