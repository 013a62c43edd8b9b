"""With the cache server (Redis) stopped, the portal keeps working (issue 18, "faults survived").

Sessions are in the database, login throttling (django-axes) too; the cache only speeds things
up, so every cache call that fails is logged and skipped: public pages are rendered directly,
signing in works and a workspace save goes through. Only ``/healthz`` says 503, so the load
balancer's monitoring sees the fault (tests/test_health.py).

The stopped server is simulated by a Redis address where nothing listens (the connection is
refused at once, as it is by a host whose Redis is down).
"""

import pytest
from django.test import override_settings
from django.urls import reverse

from projects.models import ProjectBudget
from tests import factories

pytestmark = pytest.mark.django_db

STOPPED_REDIS = {
    "default": {
        "BACKEND": "cluster_portal.redis_cache.ReusedClientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def cache_down():
    with override_settings(CACHES=STOPPED_REDIS):
        from django.core.cache import cache

        with pytest.raises(Exception):  # noqa: B017 (any client error: the server really is unreachable)
            cache.set("probe", 1)
        yield


@pytest.fixture
def published(region):
    project = factories.ProjectFactory(region=region)
    factories.OutcomeFactory(project=project)
    return project


def test_public_pages_and_the_api_answer_without_the_cache(client, cache_down, published):
    region = published.region
    for url in (
        reverse("home"),
        reverse("regions:list"),
        reverse("regions:detail", args=[region.slug]),
        reverse("projects:list"),
        reverse("projects:detail", args=[published.code]),
        reverse("public:result_list"),
        reverse("public:search") + "?q=" + published.title[:4],
        reverse("public:funding_flow"),
        reverse("public:api_projects"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert client.get(url).status_code == 200, url  # and again: nothing half-cached breaks it
    assert client.get(reverse("healthz")).status_code == 503


def test_sign_in_and_a_workspace_save_work_without_the_cache(client, cache_down, hq_user, region):
    grant = factories.GrantFactory(region=region, fiscal_year=2008, amount=100_000_000)
    project = factories.ProjectFactory(region=region)
    response = client.post(reverse("login"), {"username": hq_user.username, "password": factories.TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")

    url = reverse("workspace:budget_create", args=[project.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"form_token": "cache-down-" + "t" * 20, "fiscal_year": 2008, "allocated": "1,000,000"})
    assert response.status_code == 302
    budget = ProjectBudget.objects.get(project=project)
    assert (budget.grant, budget.allocated) == (grant, 1_000_000)
    assert client.get(response["Location"]).status_code == 200
