"""Every page an anonymous visitor can open makes the same number of SQL queries at two data sizes.

The pages are all URL names of the permission table (tests/permission_matrix.py) whose anonymous
GET answers 200, so a new public page is counted here as soon as it is in the table. Each is
requested with an empty cache — the count the first visitor after a change meets — in the
permission-matrix world, then again after many more clusters, projects, participants, results and
events were added (more than any list shows). The counts must be equal and at most 20.
"""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories, matrix_fixtures
from tests.permission_matrix import MATRIX
from tests.test_permission_matrix import pattern_named
from tests.test_public_pages import populate_region

pytestmark = pytest.mark.django_db

MAX_QUERIES = 20


def anonymous_pages(world) -> dict[str, str]:
    """``label → URL`` of every table entry an anonymous visitor may GET."""
    urls = {}
    for name, cases in MATRIX.items():
        for sample, get_row, _post_row in cases:
            if get_row["anonymous"] == 200:
                kwarg_names = pattern_named(name).pattern.converters
                label = f"{name}[{sample}]" if sample else name
                urls[label] = reverse(name, kwargs=matrix_fixtures.url_kwargs(world, sample, kwarg_names))
    return urls


def cold_queries(url: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = Client().get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def grow(world) -> None:
    """Many more rows of everything a public page lists, in other clusters and in the sampled ones."""
    for _ in range(8):
        populate_region(projects=4, outcomes=3)
    region = world.samples["region_a"]
    organization = world.samples["organization_public"]
    for number in range(24):  # beyond the cluster page's 20 projects and 30 participants
        project = factories.ProjectFactory(region=region, host_organization=organization)
        factories.ParticipationFactory(project=project, organization=organization)
        factories.ParticipationFactory(project=project)
        factories.OutcomeFactory(project=project, patent=number % 2 == 0)
    for day in range(1, 15):  # beyond the cluster page's 10 events
        factories.EventFactory(region=region, starts_on=datetime.date(2010, 7, day))


def test_every_anonymous_page_makes_the_same_number_of_queries_at_two_data_sizes():
    world = matrix_fixtures.build_world()
    try:
        urls = anonymous_pages(world)
        assert len(urls) >= 30  # home, lists, details, downloads, API, robots, sitemap …
        before = {label: cold_queries(url) for label, url in urls.items()}
        grow(world)
        after = {label: cold_queries(url) for label, url in urls.items()}
    finally:
        from django.core.files.storage import default_storage

        for name in world.files:
            default_storage.delete(name)

    changed = {label: (before[label], after[label]) for label in urls if before[label] != after[label]}
    assert not changed, f"query counts (small, large) that grew with the data: {changed}"
    too_many = {label: count for label, count in after.items() if count > MAX_QUERIES}
    assert not too_many, f"pages above {MAX_QUERIES} queries: {too_many}"
