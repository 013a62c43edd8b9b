"""No lost updates (version check → conflict page, nothing saved) and no double submissions."""

import pytest
from django.urls import reverse

from cluster_portal.concurrency import StaleEdit, claim_version
from projects.models import JointResearchProject, Outcome, ProjectBudget
from regions.models import Event
from tests import factories

pytestmark = pytest.mark.django_db


def project_post(project, *, version, title, token):
    return {
        "form_token": token,
        "version": version,
        "code": project.code,
        "title": title,
        "start_date": "2008-04-01",
        "end_date": "2012-03-31",
        "participants-TOTAL_FORMS": "0",
        "participants-INITIAL_FORMS": "0",
    }


def test_claim_version_refuses_a_stale_version(region):
    project = factories.ProjectFactory(region=region)
    claim_version(JointResearchProject.objects.all(), pk=project.pk, expected_version=1)
    with pytest.raises(StaleEdit) as excinfo:
        claim_version(JointResearchProject.objects.all(), pk=project.pk, expected_version=1)
    assert excinfo.value.current.version == 2


def test_stale_project_edit_shows_both_versions_and_saves_nothing(client, hq_user, region):
    project = factories.ProjectFactory(region=region, title="元のテーマ")
    client.force_login(hq_user)
    url = reverse("workspace:project_edit", args=[project.pk])
    first = client.post(url, project_post(project, version=1, title="先に保存したテーマ", token="1" * 20))
    assert first.status_code == 302
    stale = client.post(url, project_post(project, version=1, title="後から保存したテーマ", token="2" * 20))
    assert stale.status_code == 409
    page = stale.content.decode()
    assert "編集が競合しました" in page
    assert "先に保存したテーマ" in page and "後から保存したテーマ" in page
    project.refresh_from_db()
    assert (project.title, project.version) == ("先に保存したテーマ", 2)


def test_stale_budget_edit_changes_nothing(client, hq_user, region):
    grant = factories.GrantFactory(region=region, amount=100_000_000)
    budget = factories.ProjectBudgetFactory(project=factories.ProjectFactory(region=region), grant=grant, allocated=10)
    client.force_login(hq_user)
    url = reverse("workspace:budget_edit", args=[budget.pk])
    data = {"fiscal_year": 2008, "allocated": "20", "version": budget.version}
    assert client.post(url, {**data, "form_token": "3" * 20}).status_code == 302
    history_rows = budget.history.count()
    response = client.post(url, {**data, "allocated": "30", "form_token": "4" * 20})
    assert response.status_code == 409
    budget.refresh_from_db()
    assert budget.allocated == 20
    assert budget.history.count() == history_rows


def test_stale_event_edit_changes_nothing(client, hq_user, region):
    event = factories.EventFactory(region=region, title="元の名称")
    Event.objects.filter(pk=event.pk).update(version=5, title="他の人の名称")
    client.force_login(hq_user)
    response = client.post(
        reverse("workspace:event_edit", args=[event.pk]),
        {"form_token": "5" * 20, "version": 1, "kind": "forum", "title": "私の名称", "starts_on": "2009-02-10"},
    )
    assert response.status_code == 409
    assert Event.objects.get(pk=event.pk).title == "他の人の名称"


def test_double_post_of_a_new_project_creates_one_row(client, hq_user, region):
    client.force_login(hq_user)
    data = project_post(JointResearchProject(code="DBL-1"), version="", title="二重送信", token="6" * 20)
    first = client.post(reverse("workspace:project_create"), data)
    second = client.post(reverse("workspace:project_create"), data)
    assert JointResearchProject.objects.filter(code="DBL-1").count() == 1
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]  # the repeated click lands where the first one did


def test_double_post_of_an_expenditure_creates_one_row(client, hq_user, region):
    grant = factories.GrantFactory(region=region)
    budget = factories.ProjectBudgetFactory(project=factories.ProjectFactory(region=region), grant=grant)
    client.force_login(hq_user)
    data = {"form_token": "7" * 20, "category": "travel", "amount": "1000", "spent_on": "2008-05-01"}
    for _ in range(2):
        client.post(reverse("workspace:expenditure_create", args=[budget.pk]), data)
    assert budget.expenditures.count() == 1
    budget.refresh_from_db()
    assert budget.executed == 1000


def test_double_post_of_an_outcome_creates_one_row(client, hq_user, region):
    project = factories.ProjectFactory(region=region)
    client.force_login(hq_user)
    data = {"form_token": "8" * 20, "kind": "paper", "title": "論文A", "occurred_on": "2009-01-01"}
    for _ in range(2):
        client.post(reverse("workspace:outcome_create", args=[project.pk]), data)
    assert Outcome.objects.filter(title="論文A").count() == 1


def test_a_refused_post_frees_its_token_for_the_corrected_resend(client, hq_user, region):
    grant = factories.GrantFactory(region=region, amount=100)
    project = factories.ProjectFactory(region=region)
    client.force_login(hq_user)
    url = reverse("workspace:budget_create", args=[project.pk])
    data = {"form_token": "9" * 20, "fiscal_year": grant.fiscal_year}
    assert client.post(url, {**data, "allocated": "200"}).status_code == 400
    assert client.post(url, {**data, "allocated": "100"}).status_code == 302
    assert ProjectBudget.objects.get(project=project).allocated == 100


def test_forms_carry_version_and_one_time_token(client, hq_user, region):
    project = factories.ProjectFactory(region=region)
    client.force_login(hq_user)
    page = client.get(reverse("workspace:project_edit", args=[project.pk])).content.decode()
    assert 'name="version" value="1"' in page
    assert 'name="form_token"' in page
