"""HTTP caching of the public pages (``cluster_portal.cache.public_page``,
``cluster_portal.middleware.PrivateCacheMiddleware``).

An anonymous visitor's public page carries a weak ETag and Last-Modified taken from the data
generation; asking again with them is answered 304 without rendering, until a write makes the
page new. ``Cache-Control: public, max-age`` lets the reverse proxy keep it briefly, per address
(and so per language). Signed-in users' responses are ``private, no-store`` and never validated
against the shared ETag; error responses are never marked cacheable.
"""

import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from cluster_portal.cache import GENERATION_TIME_KEY, data_generation
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(db):
    region = factories.RegionFactory(name="公開地域", cluster_name="公開クラスター")
    project = factories.ProjectFactory(region=region, title="公開テーマ", code="PUB-001")
    # The generation began a while ago: a Last-Modified is only sent once it is not in the future,
    # and the factories' writes above all fall within this very second.
    cache.set(GENERATION_TIME_KEY, (data_generation(), int(time.time()) - 10), timeout=None)
    return region, project


def test_public_page_carries_validators_and_a_short_public_cache_control(client, published):
    response = client.get("/clusters/")

    assert response.status_code == 200
    assert response["ETag"].startswith('W/"')
    assert "Last-Modified" in response
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=60" in cache_control
    assert "Cookie" in response["Vary"]
    # The language is the address's, never the browser's: one proxy copy per address.
    assert "Accept-Language" not in response["Vary"]


def test_repeated_conditional_get_is_answered_304_without_rendering(client, published):
    first = client.get("/clusters/")

    with CaptureQueriesContext(connection) as queries:
        again = client.get("/clusters/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    assert "public" in again["Cache-Control"]
    assert len(queries) == 0


def test_if_modified_since_alone_is_answered_304(client, published):
    first = client.get("/projects/")

    again = client.get("/projects/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 304


def test_a_write_makes_the_next_conditional_get_a_fresh_200_with_a_new_etag(client, published):
    region, _project = published
    first = client.get(region.get_absolute_url())

    region.name = "改名した地域"
    region.save()  # any saved row of the domain bumps the data generation
    again = client.get(region.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "改名した地域" in again.content.decode()


def test_head_gets_the_same_validators_and_a_304(client, published):
    get = client.get("/clusters/")

    head = client.head("/clusters/")
    conditional = client.head("/clusters/", HTTP_IF_NONE_MATCH=get["ETag"])

    assert head.status_code == 200
    assert head["ETag"] == get["ETag"]
    assert conditional.status_code == 304


def test_japanese_and_english_addresses_have_different_etags(client, published):
    japanese = client.get("/clusters/")
    english = client.get("/en/clusters/")

    assert english.status_code == 200
    assert japanese["ETag"] != english["ETag"]
    assert client.get("/en/clusters/", HTTP_IF_NONE_MATCH=japanese["ETag"]).status_code == 200


def test_different_queries_have_different_etags(client, published):
    assert client.get("/projects/?q=公開")["ETag"] != client.get("/projects/?q=テーマ")["ETag"]


def test_signed_in_pages_are_private_and_never_answered_from_the_shared_etag(client, published, hq_user):
    anonymous = client.get("/clusters/")
    client.force_login(hq_user)

    public_page = client.get("/clusters/", HTTP_IF_NONE_MATCH=anonymous["ETag"])
    workspace = client.get("/workspace/")

    for response in (public_page, workspace):
        assert response.status_code == 200
        assert "ETag" not in response and "Last-Modified" not in response
        assert "public" not in response["Cache-Control"]
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_ministry_pages_are_private(client, ministry_user):
    client.force_login(ministry_user)

    response = client.get("/ministry/")

    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_error_responses_are_not_marked_cacheable(client, published):
    response = client.get("/clusters/no-such-cluster/")

    assert response.status_code == 404
    assert "ETag" not in response
    assert "public" not in response.get("Cache-Control", "")


def test_validators_stay_when_the_page_cache_is_off(client, published):
    with override_settings(PUBLIC_PAGE_CACHE_TIMEOUT=0):
        first = client.get("/clusters/")
        again = client.get("/clusters/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and "ETag" in first
    assert again.status_code == 304


def test_max_age_follows_the_setting(client, published):
    with override_settings(PUBLIC_HTTP_CACHE_MAX_AGE=15):
        response = client.get("/clusters/")

    assert "max-age=15" in response["Cache-Control"]


def test_generations_begun_within_one_second_never_share_a_sent_last_modified(monkeypatch):
    from cluster_portal import cache as portal_cache

    monkeypatch.setattr(portal_cache.time, "time", lambda: 1_000_000.2)
    first = portal_cache._record_generation_time(1, None)
    second = portal_cache._record_generation_time(2, (1, first))
    third = portal_cache._record_generation_time(3, (2, second))  # not sent yet: may be shared
    monkeypatch.setattr(portal_cache.time, "time", lambda: 1_000_001.5)
    fourth = portal_cache._record_generation_time(4, (3, third))  # 1_000_001 may have been sent

    assert (first, second, third, fourth) == (1_000_000, 1_000_001, 1_000_001, 1_000_002)
