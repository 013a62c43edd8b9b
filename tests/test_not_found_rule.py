"""One not-found rule (issue 18): an object outside the user's scope answers 404, never 403,
whatever the action.

The URL resolver is walked for every URL that names an object (a converter in its route; the
admin, which sends everyone but administrators to its login page for any id, is left out):

1. every such view guarded by a role guard declares its object (``guard.of(...)``, see
   cluster_portal/guards.py), and every unguarded one is listed here with the reason;
2. headquarters staff of region B get 404 — GET and POST — for each of them filled with a private
   object of region A (region A unpublished, so nothing of it is public), for a call still in
   preparation, for the ministry's pages as for their own workspace's;
3. every signed-in role gets 404 — GET and POST — for ids that do not exist.

A POST-only view answers a GET with 405, the read-only API a POST, before anything is looked up
(the same for every id, so nothing is revealed); that 405 is accepted for the method refused.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from regions.models import Region
from tests import matrix_fixtures
from tests.test_permission_matrix import is_skipped, url_patterns

pytestmark = pytest.mark.django_db

#: URL name → the private object of region A (a sample of tests/matrix_fixtures.py) that fills it.
WALK = {
    "regions:detail": "region_a",
    "projects:detail": "project_a_published",
    "workspace:project_detail": "project_a_unpublished",
    "workspace:project_edit": "project_a_unpublished",
    "workspace:project_status": "project_a_unpublished",
    "workspace:budget_create": "project_a_unpublished",
    "workspace:budget_detail": "budget_a",
    "workspace:budget_edit": "budget_a",
    "workspace:expenditure_create": "budget_a",
    "workspace:expenditure_edit": "expenditure_a",
    "workspace:receipt_upload": "expenditure_a",
    "workspace:receipt_download": "receipt_a",
    "workspace:receipt_delete": "receipt_a",
    "workspace:report_create": "project_a_published",
    "workspace:report_detail": "report_a_submitted",
    "workspace:report_edit": "report_a_draft",
    "workspace:report_submit": "report_a_draft",
    "workspace:report_attach": "report_a_draft",
    "workspace:attachment_download": "report_attachment_a_submitted",
    "workspace:report_review": "report_a_submitted",
    "workspace:outcome_create": "project_a_published",
    "workspace:outcome_detail": "outcome_a_published",
    "workspace:outcome_edit": "outcome_a_unpublished_patent",
    "workspace:outcome_grant": "outcome_a_unpublished_patent",
    "workspace:event_detail": "event_a_published",
    "workspace:event_edit": "event_a_unpublished",
    "workspace:publication": "unpublish_project_a_published",
    "workspace:coordinator_detail": "coordinator_a_unpublished",
    "workspace:coordinator_edit": "coordinator_a_unpublished",
    "workspace:activity_create": "coordinator_a_unpublished",
    "workspace:activity_edit": "activity_a",
    "ministry:call_detail": "call_in_preparation",
    "ministry:call_edit": "call_in_preparation",
    "ministry:review_table": "call_in_preparation",
    "ministry:review_remind": "call_in_preparation",
    "ministry:bulk_assign": "call_in_preparation",
    "ministry:bulk_remind": "call_in_preparation",
    "ministry:bulk_status": "call_in_preparation",
    "ministry:review_deadline": "call_in_preparation",
    "ministry:review_read": "call_in_preparation",
    "ministry:review_statistics": "call_in_preparation",
    "ministry:review_export": "call_in_preparation_csv",
    "ministry:statistics_export": "call_in_preparation_csv",
    "ministry:review_summary": "call_in_preparation",
    "ministry:decision_export": "call_in_preparation_csv",
    "dataio:review_summary_pdf": "call_in_preparation",
    "ministry:conflict_lift_decide": "lift_request_pending",
    "ministry:assign_reviewer": "proposal_a_under_review",
    "ministry:unassign_reviewer": "assignment_of_a_under_review",
    "ministry:decide": "proposal_a_under_review",
    "ministry:decision_notify": "proposal_a_decided",
    "notifications:open": "notification_hq_a",
    "dataio:job": "job_hq_a_export",
    "dataio:job_progress": "job_hq_a_export",
    "dataio:job_download": "job_hq_a_export",
    "ministry:grant_detail": "grant_a",
    "ministry:annual_report": "annual_report_a_2008",
    "dataio:annual_report_pdf": "annual_report_a_2008",
    "dataio:proposal_pdf": "proposal_a_submitted",
    "proposals:print": "proposal_a_submitted",
    "ministry:evaluation_edit": "evaluation_a",
    "ministry:support_decision": "support_evaluation_a",
    "ministry:support_edit": "support_evaluation_a",
    "ministry:support_confirm": "support_evaluation_a",
    "proposals:create": "call_in_preparation",
    "proposals:detail": "proposal_a_submitted",
    "proposals:edit": "proposal_a_draft",
    "proposals:submit": "proposal_a_draft",
    "proposals:withdraw": "proposal_a_submitted",
    "proposals:attachment_upload": "proposal_a_draft",
    "proposals:attachment": "attachment_of_a_draft",
    "proposals:attachment_delete": "attachment_of_a_draft",
    "reviews:detail": "assignment_clean",
    "reviews:conflict": "assignment_clean",
    "reviews:conflict_lift": "assignment_conflicted",
    "public:result_detail": "outcome_a_published",
    "public:event_detail": "event_a_published",
    "public:api_cluster": "region_a",
    "public:api_project": "project_a_published",
    "public:api_result": "outcome_a_published",
    "public:api_event": "event_a_published",
}

#: URLs with an argument that names no region's object: walked with ids that do not exist only.
NOT_REGION_OBJECTS = {
    "public:organization_detail": "organisations are a public directory, not any region's",
    "public:api_organization": "organisations are a public directory, not any region's",
    "public:opendata_download": "the published open-data files (a fixed list)",
    "public:sitemap_section": "the sitemap's sections (a fixed list)",
    "dataio:export": "data set names (a fixed list), allowed per role",
    "dataio:import": "data set names (a fixed list), allowed per role",
    "dataio:confirm": "data set names (a fixed list), allowed per role",
}
#: the samples of NOT_REGION_OBJECTS, for the ids that do not exist
NOT_REGION_SAMPLES = {
    "public:organization_detail": "organization_public",
    "public:api_organization": "organization_public",
    "public:opendata_download": "opendata_projects_csv",
    "public:sitemap_section": "sitemap_results",
    "dataio:export": "dataset_projects",
    "dataio:import": "dataset_projects",
    "dataio:confirm": "dataset_projects",
}

#: Object views without a role guard: anyone may ask, the view's QuerySet (published or
#: ``visible_to``) answers 404; or /data/, whose arguments name data sets.
UNGUARDED = {
    "regions:detail",
    "projects:detail",
    "public:organization_detail",
    "public:result_detail",
    "public:event_detail",
    "public:opendata_download",
    "public:sitemap_section",
    "public:api_cluster",
    "public:api_project",
    "public:api_organization",
    "public:api_result",
    "public:api_event",
    "dataio:export",
    "dataio:import",
    "dataio:confirm",
    # a user's own notification or data job: looked up among that user's rows only
    "notifications:open",
    "dataio:job",
    "dataio:job_progress",
    "dataio:job_download",
}

#: URL arguments that choose among a fixed set of words, not an object (kept when ids are made up)
NOT_IDS = {"kind", "action", "extension"}
MISSING_INT = 987_654_321
MISSING_TEXT = "no-such-object-x9"
MISSING_UUID = uuid.UUID("00000000-0000-4000-8000-000000000000")
SIGNED_IN_ROLES = ("reviewer", "reviewer_conflict", "hq_a", "hq_b", "ministry", "administrator")


#: URLs whose arguments are no object id at all
NOT_OBJECTS = {
    "password_reset_confirm": "a signed one-time token: a wrong one gets the 'link not valid' page (Django's view)",
}


def object_urls():
    """``{name: pattern}`` of every URL naming an object, from the resolver."""
    return {
        name: pattern
        for name, route, pattern in url_patterns()
        if pattern.pattern.converters and not is_skipped(name, route) and name not in NOT_OBJECTS
    }


def test_every_url_with_an_object_is_walked():
    names = set(object_urls())
    assert names == set(WALK) | set(NOT_REGION_OBJECTS), (
        f"not walked: {sorted(names - set(WALK) - set(NOT_REGION_OBJECTS))}; "
        f"no longer URLs: {sorted((set(WALK) | set(NOT_REGION_OBJECTS)) - names)}"
    )
    assert not set(WALK) & set(NOT_REGION_OBJECTS)


def test_every_guarded_object_view_declares_its_object():
    """A role guard on a page about one object must know the object (``.of()``), or a role without
    business there would get a 403 that tells it the object exists."""
    undeclared, unguarded = [], set()
    for name, pattern in object_urls().items():
        guard = getattr(pattern.callback, "portal_guard", None)
        if guard is None:
            unguarded.add(name)
        elif guard.scope is None:
            undeclared.append(name)
    assert not undeclared, f"guarded without .of(): {sorted(undeclared)}"
    assert unguarded == UNGUARDED, f"unguarded object views changed: {sorted(unguarded ^ UNGUARDED)}"


# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The permission matrix's world with region A unpublished: nothing of A is public any more."""

    def unpublish_a(built):
        Region.objects.filter(pk=built.samples["region_a"].pk).update(is_published=False)

    with matrix_fixtures.world_in_transaction(django_db_blocker, prepare=unpublish_a) as built:
        yield built


def client_for(world, role) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client


def kwargs_of(world, name, sample) -> dict:
    return matrix_fixtures.url_kwargs(world, sample, object_urls()[name].pattern.converters)


def missing_kwargs(world, name, sample) -> dict:
    """The sample's URL arguments with every object id replaced by one that does not exist."""
    converters = object_urls()[name].pattern.converters
    kwargs = kwargs_of(world, name, sample)
    for key, value in kwargs.items():
        if key in NOT_IDS:
            continue
        if isinstance(value, uuid.UUID):
            kwargs[key] = MISSING_UUID
            continue
        kwargs[key] = MISSING_INT if isinstance(value, int) or converters[key].regex == "[0-9]+" else MISSING_TEXT
    return kwargs


def assert_not_found(client, url, label):
    """404 for GET and POST; a method the URL never accepts may be a 405 (decided before any
    lookup, the same for every id), but one of the two methods must reach the lookup."""
    statuses = {
        "GET": client.get(url).status_code,
        "POST": client.post(url, {"form_token": "n" * 32, "version": "1", "title": "x"}).status_code,
    }
    assert set(statuses.values()) <= {404, 405} and 404 in statuses.values(), f"{url} ({label}): {statuses}"


@pytest.mark.parametrize("name", sorted(WALK))
def test_headquarters_of_another_region_get_404(world, name):
    url = reverse(name, kwargs=kwargs_of(world, name, WALK[name]))
    assert_not_found(client_for(world, "hq_b"), url, f"{name} as headquarters of region B")


@pytest.mark.parametrize("role", SIGNED_IN_ROLES)
@pytest.mark.parametrize("name", sorted(object_urls()))
def test_an_id_that_does_not_exist_is_404_for_everyone(world, name, role):
    sample = WALK.get(name) or NOT_REGION_SAMPLES[name]
    url = reverse(name, kwargs=missing_kwargs(world, name, sample))
    assert_not_found(client_for(world, role), url, f"{name} as {role}, no such object")


def test_own_headquarters_still_get_403_on_the_ministry_review_of_their_report(world):
    """The rule hides only what the user cannot see: region A's headquarters know their report."""
    url = reverse("workspace:report_review", kwargs=kwargs_of(world, "workspace:report_review", "report_a_submitted"))
    assert client_for(world, "hq_a").get(url).status_code == 403
    assert client_for(world, "hq_b").get(url).status_code == 404
