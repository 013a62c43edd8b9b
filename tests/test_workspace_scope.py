"""Scope of the headquarters workspace: own region only, 404 for another region, roles, logins."""

import pytest
from django.urls import reverse

from tests import factories
from tests.workspace_helpers import LIST_URLS, object_urls, populate

pytestmark = pytest.mark.django_db

POST_ONLY = {
    "project_status",
    "project_publish",
    "report_submit",
    "report_attach",
    "outcome_publish",
    "coordinator_publish",
    "event_publish",
}


def _names():
    # URL names only (objects are built per test); keep in step with object_urls().
    return [
        "project_detail", "project_edit", "project_status", "project_publish", "budget_create", "budget_detail",
        "budget_edit", "expenditure_create", "expenditure_edit", "report_create", "report_detail", "report_edit",
        "report_submit", "report_attach", "attachment_download", "outcome_create", "outcome_detail", "outcome_edit",
        "outcome_grant", "outcome_publish", "coordinator_detail", "coordinator_edit", "coordinator_publish",
        "activity_create", "activity_edit", "event_detail", "event_edit", "event_publish",
    ]  # fmt: skip


@pytest.fixture
def other_objects(other_region):
    return populate(other_region, projects=1)


@pytest.fixture
def own_objects(region):
    return populate(region, projects=1)


def url_of(objects, name):
    return dict(object_urls(objects))[name]


def test_url_names_cover_every_object_page(other_objects):
    assert [name for name, _ in object_urls(other_objects)] == _names()


@pytest.mark.parametrize("name", _names())
def test_hq_user_gets_404_for_other_regions_page(client, hq_user, other_objects, name):
    client.force_login(hq_user)
    # POST-only endpoints refuse GET before looking anything up (nothing leaks); their POST is tested below.
    assert client.get(url_of(other_objects, name)).status_code == (405 if name in POST_ONLY else 404)


@pytest.mark.parametrize("name", _names())
def test_hq_user_gets_404_for_form_post_to_other_regions_object(client, hq_user, other_objects, name):
    client.force_login(hq_user)
    before = snapshot(other_objects)
    response = client.post(
        url_of(other_objects, name),
        {"form_token": "x" * 32, "version": 1, "title": "乗っ取り", "allocated": "1", "target": "suspended"},
    )
    assert response.status_code == 404
    assert snapshot(other_objects) == before


def snapshot(objects):
    """Every row that an edit in the workspace could change, as comparable tuples."""
    from cluster_portal.models import TransitionLog
    from coordinators.models import CoordinationActivity, Coordinator
    from projects.models import Expenditure, JointResearchProject, Outcome, ProgressReport, ProjectBudget
    from regions.models import Event

    return (
        list(JointResearchProject.objects.values_list("pk", "version", "title", "status", "is_published")),
        list(ProjectBudget.objects.values_list("pk", "version", "allocated", "executed")),
        list(Expenditure.objects.values_list("pk", "version", "amount")),
        list(ProgressReport.objects.values_list("pk", "version", "status")),
        list(Outcome.objects.values_list("pk", "version", "kind", "is_published")),
        list(Coordinator.objects.values_list("pk", "version", "is_published")),
        list(CoordinationActivity.objects.values_list("pk", "version")),
        list(Event.objects.values_list("pk", "version", "is_published")),
        TransitionLog.objects.count(),
    )


@pytest.mark.parametrize(
    "name",
    [
        "project_detail",
        "budget_detail",
        "report_detail",
        "outcome_detail",
        "coordinator_detail",
        "event_detail",
        "expenditure_edit",
        "activity_edit",
    ],
)
def test_hq_user_can_open_own_regions_pages(client, hq_user, own_objects, name):
    client.force_login(hq_user)
    assert client.get(url_of(own_objects, name)).status_code == 200


@pytest.mark.parametrize("url_name", LIST_URLS)
def test_anonymous_user_is_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url_name", LIST_URLS)
@pytest.mark.parametrize("role", ["reviewer", "ministry", "administrator", ""])
def test_other_roles_get_403_on_workspace_pages(client, url_name, role):
    user = factories.UserFactory(**({role: True} if role else {}))
    client.force_login(user)
    assert client.get(reverse(url_name)).status_code == 403


def test_anonymous_post_changes_nothing_and_redirects_to_login(client, own_objects):
    before = snapshot(own_objects)
    response = client.post(url_of(own_objects, "budget_edit"), {"allocated": "1", "version": 1})
    assert response.status_code == 302
    assert snapshot(own_objects) == before


def test_lists_show_only_own_region(client, hq_user, own_objects, other_objects):
    client.force_login(hq_user)
    for url_name, marker in (
        ("workspace:project_list", "project"),
        ("workspace:outcome_list", "outcome"),
        ("workspace:report_list", "report"),
        ("workspace:coordinator_list", "coordinator"),
        ("workspace:event_list", "event"),
    ):
        page = client.get(reverse(url_name)).content.decode()
        own, other = own_objects[marker], other_objects[marker]
        assert reverse(f"workspace:{marker}_detail", args=[own.pk]) in page
        assert reverse(f"workspace:{marker}_detail", args=[other.pk]) not in page


def test_hq_cannot_review_reports_and_ministry_cannot_edit_them(client, hq_user, ministry_user, own_objects):
    report = own_objects["report"]
    client.force_login(hq_user)
    assert client.get(reverse("workspace:report_review", args=[report.pk])).status_code == 403
    client.force_login(ministry_user)
    assert client.get(reverse("workspace:report_edit", args=[report.pk])).status_code == 403
    assert client.get(reverse("workspace:ministry")).status_code == 200


def test_ministry_does_not_see_draft_reports(client, ministry_user, own_objects):
    client.force_login(ministry_user)
    assert client.get(reverse("workspace:report_detail", args=[own_objects["report"].pk])).status_code == 404
