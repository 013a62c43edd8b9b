"""The one place that answers "may this user see/edit this object"."""

import pytest
from django.contrib.auth.models import AnonymousUser

from projects.models import JointResearchProject, Outcome
from regions.models import Proposal, Region
from tests import factories

pytestmark = pytest.mark.django_db


def test_public_sees_only_published_regions_and_projects(region):
    hidden_region = factories.RegionFactory(unpublished=True)
    visible = factories.ProjectFactory(region=region)
    factories.ProjectFactory(region=region, unpublished=True)
    factories.ProjectFactory(region=hidden_region)
    anonymous = AnonymousUser()
    assert list(Region.objects.visible_to(anonymous)) == [region]
    assert list(JointResearchProject.objects.visible_to(anonymous)) == [visible]


def test_hq_user_sees_own_unpublished_rows_but_not_other_regions(hq_user, region, other_region):
    own_hidden = factories.ProjectFactory(region=region, unpublished=True)
    other_hidden = factories.ProjectFactory(region=other_region, unpublished=True)
    other_public = factories.ProjectFactory(region=other_region)
    visible = set(JointResearchProject.objects.visible_to(hq_user))
    assert own_hidden in visible and other_public in visible
    assert other_hidden not in visible


def test_hq_user_edits_only_own_region(hq_user, region, other_region):
    own = factories.ProjectFactory(region=region)
    factories.ProjectFactory(region=other_region)
    assert list(JointResearchProject.objects.editable_by(hq_user)) == [own]


def test_unpublished_outcome_of_published_project_is_hidden_from_public(region):
    project = factories.ProjectFactory(region=region)
    factories.OutcomeFactory(project=project, unpublished=True)
    shown = factories.OutcomeFactory(project=project)
    assert list(Outcome.objects.visible_to(AnonymousUser())) == [shown]


def test_ministry_sees_everything_but_edits_no_project_data(ministry_user, region):
    factories.ProjectFactory(region=region, unpublished=True)
    assert JointResearchProject.objects.visible_to(ministry_user).count() == 1
    assert JointResearchProject.objects.editable_by(ministry_user).count() == 0


def test_reviewer_sees_only_assigned_proposals_without_conflict():
    assignment = factories.ReviewAssignmentFactory()
    conflicted = factories.ReviewAssignmentFactory(reviewer=assignment.reviewer, conflicted=True)
    factories.ProposalFactory()
    visible = list(Proposal.objects.visible_to(assignment.reviewer))
    assert visible == [assignment.proposal]
    assert conflicted.proposal not in visible


def test_proposals_are_never_public():
    factories.ProposalFactory(submitted=True)
    assert not Proposal.objects.visible_to(AnonymousUser()).exists()


def test_ministry_sees_a_proposal_only_from_its_submission_on(ministry_user, hq_user, region, client):
    draft = factories.ProposalFactory(region=region, title="下書きの構想")
    withdrawn_draft = factories.ProposalFactory(region=region, status="withdrawn", title="提出前に取り下げた構想")
    submitted = factories.ProposalFactory(region=region, submitted=True, title="提出済みの構想")
    assert list(Proposal.objects.visible_to(ministry_user)) == [submitted]
    assert set(Proposal.objects.visible_to(hq_user)) == {draft, withdrawn_draft, submitted}
    client.force_login(ministry_user)
    listing = client.get("/ministry/proposals/").content.decode()
    assert submitted.title in listing and draft.title not in listing
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert draft.title not in client.get("/ministry/proposals/?status=draft").content.decode()
