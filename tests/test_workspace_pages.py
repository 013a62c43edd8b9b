"""Workspace pages render for headquarters staff, with a bounded number of queries and no inline script/style."""

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.workspace_helpers import LIST_URLS, object_urls, populate

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("url_name", LIST_URLS)
def test_list_pages_use_the_same_number_of_queries_for_more_rows(client, hq_user, region, url_name):
    populate(region, projects=1)
    client.force_login(hq_user)
    url = reverse(url_name)
    small = count_queries(client, url)
    populate(region, projects=4)
    assert count_queries(client, url) == small


@pytest.mark.parametrize("url_name", LIST_URLS)
def test_list_pages_stay_under_a_query_budget(client, hq_user, region, url_name, django_assert_max_num_queries):
    populate(region, projects=3)
    client.force_login(hq_user)
    with django_assert_max_num_queries(25):
        assert client.get(reverse(url_name)).status_code == 200


def test_detail_pages_do_not_grow_with_rows(client, hq_user, region):
    objects = populate(region, projects=1)
    client.force_login(hq_user)
    names = ("project_detail", "budget_detail", "report_detail", "outcome_detail", "coordinator_detail", "event_detail")
    urls = {name: url for name, url in object_urls(objects) if name in names}
    for url in urls.values():
        client.get(url)  # warm the ContentType cache used by the transition log
    before = {name: count_queries(client, url) for name, url in urls.items()}
    budget = objects["budget"]
    for _ in range(3):
        factories.ExpenditureFactory(budget=budget, amount=1)
        factories.ParticipationFactory(project=objects["project"])
        factories.MilestoneFactory(report=objects["report"])
        activity = factories.CoordinationActivityFactory(coordinator=objects["coordinator"])
        activity.organizations.add(factories.OrganizationFactory())
    after = {name: count_queries(client, url) for name, url in urls.items()}
    assert after == before


def test_ministry_page_query_count_does_not_grow(client, ministry_user, region, other_region):
    populate(region, projects=1)
    client.force_login(ministry_user)
    small = count_queries(client, reverse("workspace:ministry"))
    populate(other_region, projects=3)
    assert count_queries(client, reverse("workspace:ministry")) == small


def test_dashboard_shows_money_statuses_reports_results_and_events(client, hq_user, region):
    objects = populate(region, projects=2)
    client.force_login(hq_user)
    page = client.get(reverse("workspace:dashboard"), {"fy": 2008}).content.decode()
    assert "2008年度（平成20年度）" in page
    assert "300,000千円" in page  # granted
    assert "100,000千円" in page  # allocated: 2 × 50,000,000
    assert "200,000千円" in page  # unallocated
    assert "期限切れ" in page and str(objects["report"]) in page
    assert objects["outcome"].title in page


def test_dashboard_does_not_count_other_regions_money(client, hq_user, region, other_region):
    populate(region, projects=1)
    populate(other_region, projects=3)
    client.force_login(hq_user)
    page = client.get(reverse("workspace:dashboard"), {"fy": 2008}).content.decode()
    assert "50,000千円" in page
    assert "200,000千円" not in page


def test_nav_link_is_shown_to_headquarters_only(client, hq_user, ministry_user):
    client.force_login(hq_user)
    assert "本部ワークスペース" in client.get(reverse("home")).content.decode()
    client.force_login(ministry_user)
    assert "本部ワークスペース" not in client.get(reverse("home")).content.decode()


def test_workspace_templates_have_no_inline_script_or_style():
    files = [*TEMPLATES.joinpath("workspace").rglob("*.html"), TEMPLATES / "includes" / "conflict.html"]
    assert files
    for path in files:
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
        assert "<style" not in text and "style=" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path


def test_form_fields_have_labels_and_errors_are_tied_to_them(client, hq_user, region):
    factories.GrantFactory(region=region)
    project = factories.ProjectFactory(region=region)
    client.force_login(hq_user)
    response = client.post(
        reverse("workspace:budget_create", args=[project.pk]),
        {"form_token": "z" * 20, "fiscal_year": 2008, "allocated": "-1"},
    )
    page = response.content.decode()
    assert '<label for="id_allocated">' in page
    assert 'aria-describedby="id_allocated_error"' in page or 'id="id_allocated_error"' in page
    assert 'aria-invalid="true"' in page
