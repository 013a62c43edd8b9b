"""Every page an anonymous visitor — or a signed-in user of each role — can open makes the same number
of SQL queries at two data sizes.

The pages are all URL names of the permission table (tests/permission_matrix.py) whose anonymous
GET answers 200, so a new public page is counted here as soon as it is in the table. Each is
requested with an empty cache — the count the first visitor after a change meets — in the
permission-matrix world, then again after many more clusters, projects, participants, results and
events were added (more than any list shows). The counts must be equal and at most 20.

The same holds signed in: for a reviewer, a headquarters user, ministry staff and an administrator,
every table entry whose GET answers 200 for that role (their own pages, the public pages as they see
them, the admin's changelists and change pages) is counted before and after the world grows in
private rows too (budgets, entries, reports, unpublished results, proposals and reviews, notifications).
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


def cold_queries(url: str, client: Client | None = None) -> int:
    cache.clear()
    client = client or Client()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
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


SIGNED_IN_ROLES = ("reviewer", "hq_a", "ministry", "administrator")
#: sign-in costs a few queries of its own (session, user, second factor, unread notifications)
MAX_SIGNED_IN_QUERIES = 30
# Pages whose query count depends on the *kinds* of rows on the page, never on their number or on the
# data size: the activity log makes one query per kind of object shown (calls, proposals, reviews, …)
# and one for logged reasons when a state change is shown, so a page that gains its first grant
# amendment gains a query. They stay under MAX_SIGNED_IN_QUERIES at both sizes, and
# tests/test_ministry_activity.py checks the count is the same for few and many rows of each kind.
BOUNDED_BY_KINDS = ("ministry:activity_log",)


def signed_in_pages(world, role: str) -> dict[str, str]:
    """``label → URL`` of every table entry ``role`` may GET (200)."""
    urls = {}
    for name, cases in MATRIX.items():
        for sample, get_row, _post_row in cases:
            if get_row[role] == 200:
                kwarg_names = pattern_named(name).pattern.converters
                label = f"{role} {name}[{sample}]" if sample else f"{role} {name}"
                urls[label] = reverse(name, kwargs=matrix_fixtures.url_kwargs(world, sample, kwarg_names))
    return urls


def grow_private(world) -> None:
    """Many more private rows of region A (what its headquarters, the ministry and the admin list)."""
    region = world.samples["region_a"]
    call = factories.CallFactory()
    for number in range(12):
        project = factories.ProjectFactory(region=region, unpublished=number % 2 == 0)
        grant = factories.GrantFactory(region=region, fiscal_year=1996 + number)  # before 2008: the default year stays
        budget = factories.ProjectBudgetFactory(project=project, grant=grant, allocated=10_000_000)
        for _ in range(3):
            factories.ExpenditureFactory(budget=budget, amount=100_000, spent_on=datetime.date(1996 + number, 6, 1))
        factories.ProgressReportFactory(project=project, submitted=True)
        factories.ProgressReportFactory(project=project, fiscal_year=2009)
        factories.OutcomeFactory(project=project, unpublished=True)
        factories.EventFactory(region=region, starts_on=datetime.date(2030, 1, 1 + number))
        proposal = factories.ProposalFactory(call=call, under_review=True)
        factories.ReviewAssignmentFactory(proposal=proposal, reviewer=world.users["reviewer"])
        factories.NotificationFactory(recipient=world.users["hq_a"])
        factories.NotificationFactory(recipient=world.users["ministry"])


def test_every_signed_in_page_makes_the_same_number_of_queries_at_two_data_sizes():
    world = matrix_fixtures.build_world()
    try:
        clients = {}
        for role in SIGNED_IN_ROLES:
            clients[role] = Client()
            clients[role].force_login(world.users[role])  # ministry and admin pass the second factor (conftest)
        factories.NotificationFactory(recipient=world.users["ministry"])  # a list that is not empty at either size
        urls = {role: signed_in_pages(world, role) for role in SIGNED_IN_ROLES}
        for role in SIGNED_IN_ROLES:  # warm per-process caches (content types, history models) before counting
            for url in urls[role].values():
                cold_queries(url, clients[role])
        assert all(len(pages) >= 10 for pages in urls.values()), {role: len(pages) for role, pages in urls.items()}
        assert any("changelist" in label for label in urls["administrator"])
        before = {
            label: cold_queries(url, clients[role]) for role in SIGNED_IN_ROLES for label, url in urls[role].items()
        }
        grow(world)
        grow_private(world)
        after = {
            label: cold_queries(url, clients[role]) for role in SIGNED_IN_ROLES for label, url in urls[role].items()
        }
    finally:
        from django.core.files.storage import default_storage

        for name in world.files:
            default_storage.delete(name)

    changed = {
        label: (before[label], after[label])
        for label in before
        if before[label] != after[label] and not any(name in label for name in BOUNDED_BY_KINDS)
    }
    assert not changed, f"query counts (small, large) that grew with the data: {changed}"
    too_many = {label: count for label, count in after.items() if count > MAX_SIGNED_IN_QUERIES}
    assert not too_many, f"pages above {MAX_SIGNED_IN_QUERIES} queries: {too_many}"
