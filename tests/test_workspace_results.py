"""Results, projects with participants, coordinators and events: validation, patents, publishing."""

import itertools

import pytest
from django.urls import reverse

from cluster_portal.models import TransitionLog
from coordinators.models import CoordinationActivity
from projects.models import JointResearchProject, Outcome, OutcomeKind, Participation
from regions.models import Event, Organization
from tests import factories

pytestmark = pytest.mark.django_db
_tokens = itertools.count()


def token():
    return f"result-token-{next(_tokens):08d}"


@pytest.fixture
def project(region):
    return factories.ProjectFactory(region=region)


def outcome_data(**extra):
    return {"form_token": token(), "kind": "paper", "title": "論文", "occurred_on": "2009-05-01", **extra}


def test_invalid_doi_is_refused_in_japanese(client, hq_user, project):
    client.force_login(hq_user)
    response = client.post(reverse("workspace:outcome_create", args=[project.pk]), outcome_data(doi="doi:abc"))
    assert response.status_code == 400
    assert "DOIの形式が正しくありません" in response.content.decode()
    assert not Outcome.objects.exists()


def test_duplicate_patent_application_number_is_refused(client, hq_user, project):
    factories.OutcomeFactory(project=project, patent=True, application_number="特願2009-000001", country="JP")
    client.force_login(hq_user)
    data = outcome_data(kind="patent_application", application_number="特願2009-000001", country="JP")
    response = client.post(reverse("workspace:outcome_create", args=[project.pk]), data)
    assert response.status_code == 400
    assert "この出願番号は既に登録されています。" in response.content.decode()
    assert Outcome.objects.count() == 1


def test_patent_application_becomes_granted_without_reentry(client, hq_user, project):
    outcome = factories.OutcomeFactory(project=project, patent=True, applicants="国立大学法人A", inventors="山田")
    client.force_login(hq_user)
    response = client.post(
        reverse("workspace:outcome_grant", args=[outcome.pk]),
        {
            "form_token": token(),
            "version": outcome.version,
            "registration_number": "特許第1234567号",
            "granted_on": "2011-03-01",
        },
    )
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.kind == OutcomeKind.PATENT_GRANTED
    assert (outcome.applicants, outcome.inventors, outcome.registration_number) == (
        "国立大学法人A",
        "山田",
        "特許第1234567号",
    )
    assert outcome.history.first().history_user == hq_user


def test_hq_publishes_and_ministry_unpublishes_with_a_log(client, hq_user, ministry_user, project):
    outcome = factories.OutcomeFactory(project=project, unpublished=True)
    client.force_login(hq_user)
    client.post(reverse("workspace:publication", args=["outcome", outcome.pk, "publish"]), {"form_token": token()})
    assert Outcome.objects.published().filter(pk=outcome.pk).exists()
    client.force_login(ministry_user)
    assert (
        client.post(
            reverse("workspace:publication", args=["outcome", outcome.pk, "publish"]), {"form_token": token()}
        ).status_code
        == 403
    )
    client.post(
        reverse("workspace:publication", args=["outcome", outcome.pk, "unpublish"]),
        {"form_token": token(), "reason": "出願前の情報を含むため"},
    )
    assert not Outcome.objects.published().filter(pk=outcome.pk).exists()
    logs = [(log.target_state, log.actor, log.reason) for log in TransitionLog.for_object(outcome)]
    assert logs == [("published", hq_user, ""), ("unpublished", ministry_user, "出願前の情報を含むため")]


def test_unpublished_items_stay_invisible_to_the_public_and_other_regions(client, hq_user, other_hq_user, project):
    outcome = factories.OutcomeFactory(project=project, unpublished=True)
    assert not Outcome.objects.visible_to(other_hq_user).filter(pk=outcome.pk).exists()
    assert not Outcome.objects.published().filter(pk=outcome.pk).exists()


def project_data(code="NEW-1", **extra):
    return {
        "form_token": token(),
        "code": code,
        "title": "新しい共同研究",
        "start_date": "2008-04-01",
        "end_date": "2011-03-31",
        "participants-TOTAL_FORMS": "3",
        "participants-INITIAL_FORMS": "0",
        **extra,
    }


def test_project_with_participants_and_an_inline_new_organisation(client, hq_user, region):
    university = factories.OrganizationFactory(name="静岡大学")
    client.force_login(hq_user)
    data = project_data(
        **{
            "participants-0-organization": "静岡大学",
            "participants-0-role": "lead_university",
            "participants-1-organization": "浜松光電株式会社",
            "participants-1-role": "company",
            "participants-1-create_new": "on",
            "participants-1-new_kind": "company",
        }
    )
    response = client.post(reverse("workspace:project_create"), data)
    assert response.status_code == 302, response.content.decode()
    project = JointResearchProject.objects.get(code="NEW-1")
    assert project.region == region
    roles = sorted((p.organization.name, p.role) for p in Participation.objects.filter(project=project))
    assert roles == [("浜松光電株式会社", "company"), ("静岡大学", "lead_university")]
    assert university in project.organizations.all()


def test_unknown_organisation_is_refused_and_nothing_saved(client, hq_user, region):
    client.force_login(hq_user)
    data = project_data(**{"participants-0-organization": "存在しない大学", "participants-0-role": "university"})
    response = client.post(reverse("workspace:project_create"), data)
    assert response.status_code == 400
    assert "「存在しない大学」という機関は登録されていません" in response.content.decode()
    assert not JointResearchProject.objects.filter(code="NEW-1").exists()
    assert not Organization.objects.filter(name="存在しない大学").exists()
    assert 'value="存在しない大学"' in response.content.decode()  # the user's input is kept


def test_end_before_start_is_refused_on_the_end_field(client, hq_user, region):
    client.force_login(hq_user)
    response = client.post(reverse("workspace:project_create"), project_data(end_date="2007-01-01"))
    assert response.status_code == 400
    assert "終了日は開始日以降にしてください。" in response.content.decode()
    assert not JointResearchProject.objects.exists()


def test_event_end_before_start_and_negative_attendance_are_refused(client, hq_user, region):
    client.force_login(hq_user)
    response = client.post(
        reverse("workspace:event_create"),
        {
            "form_token": token(),
            "kind": "forum",
            "title": "成果発表会",
            "starts_on": "2009-02-10",
            "ends_on": "2009-02-01",
            "attendance": "-3",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "終了日は開催日以降にしてください。" in page
    assert not Event.objects.exists()


def test_event_presents_only_own_projects(client, hq_user, region, other_region):
    own = factories.ProjectFactory(region=region)
    foreign = factories.ProjectFactory(region=other_region)
    client.force_login(hq_user)
    data = {"form_token": token(), "kind": "results", "title": "成果発表会", "starts_on": "2009-02-10"}
    response = client.post(reverse("workspace:event_create"), {**data, "presented_projects": [foreign.pk]})
    assert response.status_code == 400
    assert not Event.objects.exists()
    response = client.post(
        reverse("workspace:event_create"), {**data, "form_token": token(), "presented_projects": [own.pk]}
    )
    assert response.status_code == 302
    event = Event.objects.get()
    assert (event.region, list(event.presented_projects.all()), event.is_published) == (region, [own], False)


def test_coordinator_activity_links_organisations_and_the_project_it_led_to(client, hq_user, region):
    coordinator = factories.CoordinatorFactory(region=region)
    project = factories.ProjectFactory(region=region)
    university, company = factories.OrganizationFactory(), factories.OrganizationFactory(company=True)
    client.force_login(hq_user)
    response = client.post(
        reverse("workspace:activity_create", args=[coordinator.pk]),
        {
            "form_token": token(),
            "held_on": "2008-09-01",
            "title": "シーズ・ニーズ面談",
            "organizations": [university.pk, company.pk],
            "result": "joint_research",
            "resulting_project": project.pk,
        },
    )
    assert response.status_code == 302
    activity = CoordinationActivity.objects.get()
    assert set(activity.organizations.all()) == {university, company}
    assert CoordinationActivity.objects.editable_by(hq_user).created_projects_count() == 1
    page = client.get(reverse("workspace:coordinator_list")).content.decode()
    assert "生まれた共同研究: 1件" in page


def test_coordinator_term_end_before_start_is_refused(client, hq_user, region):
    client.force_login(hq_user)
    response = client.post(
        reverse("workspace:coordinator_create"),
        {
            "form_token": token(),
            "code": "cd-1",
            "kind": "coordinator",
            "name": "目利き",
            "term_start": "2009-04-01",
            "term_end": "2008-04-01",
        },
    )
    assert response.status_code == 400
    assert "任期終了日は任期開始日以降にしてください。" in response.content.decode()
