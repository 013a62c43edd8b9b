"""「前年度の配分をコピー」: preview with the grant left, all or nothing within the grant, never twice."""

import re

import pytest
from django.urls import reverse

from projects.models import ProjectBudget
from tests import factories

pytestmark = pytest.mark.django_db

URL = "workspace:budget_copy_forward"


@pytest.fixture
def grants(region):
    return (
        factories.GrantFactory(region=region, fiscal_year=2008, amount=100_000_000),
        factories.GrantFactory(region=region, fiscal_year=2009, amount=50_000_000),
    )


@pytest.fixture
def projects(region, grants):
    source = grants[0]
    first = factories.ProjectFactory(region=region, code="P-A1", title="燃料電池")
    second = factories.ProjectFactory(region=region, code="P-A2", title="画像診断")
    factories.ProjectBudgetFactory(project=first, grant=source, allocated=20_000_000)
    factories.ProjectBudgetFactory(project=second, grant=source, allocated=25_000_000)
    return first, second


TOKEN = "copy-forward-" + "0" * 8


def confirm(client, projects, token=TOKEN, source=2008, target=2009):
    return client.post(
        reverse(URL),
        {"form_token": token, "source_year": source, "target_year": target, "projects": [p.pk for p in projects]},
    )


def checkbox(page, project) -> str:
    return re.search(rf'<input type="checkbox" name="projects" value="{project.pk}"[^>]*>', page).group(0)


def target_budgets(year=2009):
    return dict(ProjectBudget.objects.filter(grant__fiscal_year=year).values_list("project__code", "allocated"))


def test_the_page_checks_the_projects_allocated_in_the_source_year_and_not_yet_in_the_target(
    client, hq_user, grants, projects
):
    first, second = projects
    factories.ProjectBudgetFactory(project=second, grant=grants[1], allocated=1_000_000)
    client.force_login(hq_user)
    page = client.get(reverse(URL), {"source_year": 2008, "target_year": 2009}).content.decode()
    assert "checked" in checkbox(page, first)
    assert "checked" not in checkbox(page, second)
    assert "コピー先の年度に配分があります" in page  # the second is listed, unchecked, with the reason


def test_preview_shows_each_amount_and_the_grant_left_and_saves_nothing(client, hq_user, grants, projects):
    client.force_login(hq_user)
    response = client.get(
        reverse(URL),
        {"source_year": 2008, "target_year": 2009, "projects": [p.pk for p in projects], "action": "preview"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "20,000,000円" in page and "25,000,000円" in page
    assert "30,000,000円" in page  # 50M − 20M after the first row
    assert "5,000,000円" in page  # 50M − 45M after the copy
    assert "確定してコピーする" in page
    assert not target_budgets()


def test_copy_within_the_grant_saves_every_amount(client, hq_user, grants, projects):
    client.force_login(hq_user)
    response = confirm(client, projects)
    assert response.status_code == 302
    assert target_budgets() == {"P-A1": 20_000_000, "P-A2": 25_000_000}


def test_copy_beyond_the_grant_is_refused_naming_the_project_and_nothing_is_saved(client, hq_user, grants, projects):
    grants[1].amount = 30_000_000
    grants[1].save()
    client.force_login(hq_user)
    response = confirm(client, projects)
    page = response.content.decode()
    assert response.status_code == 400
    assert "P-A2 画像診断" in page
    assert "配分額が交付決定額を超えます" in page
    assert not target_budgets()  # the first project, which fitted, is not saved either


def test_preview_beyond_the_grant_shows_the_refusal_and_no_confirm_button(client, hq_user, grants, projects):
    grants[1].amount = 30_000_000
    grants[1].save()
    client.force_login(hq_user)
    page = client.get(
        reverse(URL),
        {"source_year": 2008, "target_year": 2009, "projects": [p.pk for p in projects], "action": "preview"},
    ).content.decode()
    assert "P-A2 画像診断" in page and "配分額が交付決定額を超えます" in page
    assert "確定してコピーする" not in page


def test_a_project_already_allocated_in_the_target_year_is_refused_by_name(client, hq_user, grants, projects):
    _first, second = projects
    factories.ProjectBudgetFactory(project=second, grant=grants[1], allocated=1_000_000)
    client.force_login(hq_user)
    response = confirm(client, projects)
    page = response.content.decode()
    assert response.status_code == 400
    assert "P-A2 画像診断" in page and "既に登録されています" in page
    assert target_budgets() == {"P-A2": 1_000_000}


def test_a_target_year_without_a_grant_is_refused_by_name(client, hq_user, grants, projects):
    client.force_login(hq_user)
    response = confirm(client, projects, target=2010)
    page = response.content.decode()
    assert response.status_code == 400
    assert "P-A1 燃料電池" in page and "交付決定がないため" in page
    assert not target_budgets(2010)


def test_a_double_submit_saves_once(client, hq_user, grants, projects):
    client.force_login(hq_user)
    assert confirm(client, projects).status_code == 302
    again = confirm(client, projects)
    assert again.status_code == 302
    assert ProjectBudget.objects.filter(grant__fiscal_year=2009).count() == 2
    assert target_budgets() == {"P-A1": 20_000_000, "P-A2": 25_000_000}


def test_another_regions_project_is_not_copyable(client, other_hq_user, other_region, grants, projects):
    factories.GrantFactory(region=other_region, fiscal_year=2008)
    factories.GrantFactory(region=other_region, fiscal_year=2009)
    client.force_login(other_hq_user)
    assert confirm(client, projects).status_code == 404
    preview = client.get(
        reverse(URL),
        {"source_year": 2008, "target_year": 2009, "projects": [projects[0].pk], "action": "preview"},
    )
    assert preview.status_code == 404
    assert not target_budgets()
