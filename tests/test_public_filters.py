"""The public lists and the JSON API filter through the same FilterSets (public/filters.py).

Each resource's parameters are declared once; the HTML list offers them as a GET form (an invalid
value is dropped) and the API accepts the same names (an invalid value is a 400 JSON error).
"""

import datetime

import pytest
from django.urls import reverse

from projects.models import ProjectStatus
from public.filters import EventFilter, OrganizationFilter, ProjectFilter, RegionFilter, ResultFilter
from public.openapi import document
from tests import factories

pytestmark = pytest.mark.django_db

FILTERSETS = {
    "clusters": (RegionFilter, "regions:list"),
    "projects": (ProjectFilter, "projects:list"),
    "organizations": (OrganizationFilter, "public:organization_list"),
    "results": (ResultFilter, "public:result_list"),
    "events": (EventFilter, "public:event_list"),
}


def api_codes(client, resource, params) -> list[str]:
    response = client.get(f"/api/v1/{resource}", params)
    assert response.status_code == 200, response.content
    return sorted(row["code"] for row in response.json()["data"])


@pytest.fixture
def projects(db):
    hamamatsu = factories.RegionFactory(slug="hamamatsu", name="浜松地域")
    university = factories.OrganizationFactory(slug="shizuoka-univ", name="（デモ）静岡大学")
    match = factories.ProjectFactory(
        region=hamamatsu,
        code="HAM-01",
        title="超高感度イメージセンサの開発",
        theme="光・電子",
        start_date=datetime.date(2008, 4, 1),
        end_date=datetime.date(2010, 3, 31),
    )
    factories.ParticipationFactory(project=match, organization=university)
    factories.ProjectFactory(region=hamamatsu, code="HAM-02", title="イメージセンサの評価", theme="医療")
    late = factories.ProjectFactory(
        region=hamamatsu,
        code="HAM-03",
        title="イメージセンサの量産",
        theme="光・電子",
        start_date=datetime.date(2011, 4, 1),
        end_date=datetime.date(2012, 3, 31),
    )
    factories.ParticipationFactory(project=late, organization=university)
    factories.ProjectFactory(
        code="SAP-01", title="イメージセンサの食品検査", theme="光・電子", status=ProjectStatus.COMPLETED
    )
    return match


@pytest.mark.parametrize("resource", FILTERSETS)
def test_the_openapi_document_lists_exactly_the_filtersets_parameters(resource):
    filterset = FILTERSETS[resource][0]
    declared = {filterset.api_names.get(name, name) for name in filterset.base_filters}
    parameters = document("http://testserver/api/v1")["paths"][f"/{resource}"]["get"]["parameters"]
    assert {parameter["name"] for parameter in parameters} - {"after", "limit"} == declared


@pytest.mark.parametrize("resource", FILTERSETS)
def test_the_html_form_offers_the_filtersets_parameters(client, resource):
    filterset, url_name = FILTERSETS[resource]
    form = client.get(reverse(url_name)).context["form"]
    assert set(form.fields) - {"sort"} == set(filterset.base_filters)


@pytest.mark.parametrize(
    "params",
    [
        {"theme": "光・電子"},
        {"fiscal_year": "2009"},
        {"organization": "shizuoka-univ"},
        {"cluster": "hamamatsu", "theme": "光・電子", "fiscal_year": "2009", "q": "ｲﾒｰｼﾞｾﾝｻ"},
        {"status": ProjectStatus.COMPLETED},
    ],
)
def test_the_project_list_and_the_api_give_the_same_projects(client, projects, params):
    listed = sorted(project.code for project in client.get(reverse("projects:list"), params).context["page"])
    assert listed
    assert api_codes(client, "projects", params) == listed


def test_the_api_filters_projects_by_theme_year_and_organisation_as_the_list_does(client, projects):
    assert api_codes(client, "projects", {"theme": "光・電子", "fiscal_year": "2009"}) == ["HAM-01", "SAP-01"]
    assert api_codes(client, "projects", {"theme": "光・電子", "fiscal_year": "2011"}) == ["HAM-03", "SAP-01"]
    assert api_codes(client, "projects", {"organization": "shizuoka-univ"}) == ["HAM-01", "HAM-03"]
    response = client.get("/api/v1/projects", {"organization": "no-such-organisation"})
    assert response.status_code == 404
    assert response.json()["detail"] == "unknown organization 'no-such-organisation'"


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/api/v1/projects?status=bogus", 400, "'status' must be one of: planned, active, suspended, completed"),
        ("/api/v1/projects?fiscal_year=abc", 400, "'fiscal_year' must be an integer"),
        ("/api/v1/results?fiscal_year=1800", 400, "'fiscal_year' is out of range"),
        ("/api/v1/events?cluster=nope", 404, "unknown cluster 'nope'"),
        ("/api/v1/organizations?kind=nope", 400, "'kind' must be one of: local_government"),
        ("/api/v1/clusters?status=zzz", 400, "'status' must be one of: planning, active"),
        ("/api/v1/projects?status=zzz", 400, "'status' must be one of: planned, active"),
        ("/api/v1/projects?status=", 400, "'status' must be one of: planned, active"),
        ("/api/v1/results?kind=company", 400, "'kind' must be one of: patent_application"),
        ("/api/v1/projects?fiscal_year=0", 400, "'fiscal_year' is out of range (1990-2100)"),
        ("/api/v1/grants?fiscal_year=0", 400, "'fiscal_year' is out of range (1990-2100)"),
        ("/api/v1/funding-flow?from=-300", 400, "'from' is out of range (1990-2100)"),
        ("/api/v1/funding-flow?from=99999999999999999999", 400, "'from' is out of range (1990-2100)"),
        ("/api/v1/funding-flow?to=2009.5", 400, "'to' must be an integer"),
        ("/api/v1/budgets?fiscal_year=" + "9" * 60, 400, "'fiscal_year' is out of range (1990-2100)"),
        ("/api/v1/clusters?limit=", 400, "'limit' must be an integer"),
        ("/api/v1/clusters?limit=1001", 400, "'limit' is out of range (1-1000)"),
        ("/api/v1/budgets?after=xyz", 400, "'after' is not valid: a cursor of up to 18 digits"),
        ("/api/v1/grants?cluster=%E5%BE%B3%E5%B3%B6", 400, "'cluster' is not valid: a code of letters, digits"),
        ("/api/v1/projects?q=" + "あ" * 101, 400, "'q' is too long (at most 100 characters)"),
        ("/api/v1/participations?organization=nope", 404, "unknown organization 'nope'"),
        ("/api/v1/budgets?project=NOPE-1", 404, "unknown project 'NOPE-1'"),
        ("/api/v1/funding-flow?cluster=nope", 404, "unknown cluster 'nope'"),
        ("/api/v1/clusters?prefecture=99", 404, "unknown prefecture '99'"),
    ],
)
def test_the_api_answers_an_invalid_filter_with_a_json_error(client, url, status, message):
    response = client.get(url)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["detail"].startswith(message)


def test_the_html_list_drops_an_invalid_value_instead_of_failing(client, projects):
    response = client.get(reverse("projects:list"), {"status": "bogus", "fiscal_year": "abc", "theme": "光・電子"})
    assert response.status_code == 200
    assert sorted(project.code for project in response.context["page"]) == ["HAM-01", "HAM-03", "SAP-01"]


def notice(response) -> str:
    """The text of the list's role=status notice about ignored values ("" when there is none)."""
    import re

    found = re.search(r'<div class="notice notice--warning" role="status">(.*?)</div>', response.content.decode(), re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def test_an_unknown_cluster_or_status_on_the_project_list_is_ignored_with_a_notice(client, projects):
    response = client.get(reverse("projects:list"), {"cluster": "nonexistent", "status": "bogus"})
    assert response.status_code == 200
    assert len(response.context["page"]) == 4  # every project, as without the two values
    text = notice(response)
    assert "認識できない値のため無視しました" in text
    assert "クラスター：「nonexistent」" in text
    assert "状態：「bogus」" in text


@pytest.mark.parametrize(
    ("url_name", "params", "label"),
    [
        ("regions:list", {"status": "bogus"}, "状態：「bogus」"),
        ("regions:list", {"prefecture": "99"}, "都道府県：「99」"),
        ("projects:list", {"organization": "no-such-org"}, "機関コード：「no-such-org」"),
        ("projects:list", {"fiscal_year": "0"}, "実施年度：「0」"),
        ("public:organization_list", {"kind": "bogus"}, "種別：「bogus」"),
        ("public:result_list", {"kind": "company"}, "種別：「company」"),
        ("public:result_list", {"cluster": "nonexistent"}, "クラスター：「nonexistent」"),
        ("public:event_list", {"kind": "bogus"}, "種別：「bogus」"),
        ("public:funding_flow", {"start": "1800"}, "開始年度：「1800」"),
    ],
)
def test_every_public_list_says_which_filter_value_it_ignored(client, projects, url_name, params, label):
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    assert label in notice(response)


def test_a_valid_filter_shows_no_notice(client, projects):
    response = client.get(reverse("projects:list"), {"cluster": "hamamatsu", "status": ProjectStatus.ACTIVE})
    assert notice(response) == ""


@pytest.mark.parametrize("page", ["0", "-1", "abc"])
@pytest.mark.parametrize("url_name", ["projects:list", "regions:list", "public:result_list", "public:event_list"])
def test_a_page_below_one_shows_the_first_page_with_a_notice_not_the_last(client, url_name, page):
    for number in range(30):
        factories.ProjectFactory(code=f"P-{number:02}", status=ProjectStatus.ACTIVE)
        factories.OutcomeFactory()
        factories.EventFactory()
    factories.RegionFactory.create_batch(25)
    response = client.get(reverse(url_name), {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == 1
    assert response.context["page"].paginator.num_pages > 1
    assert f"ページ番号「{page}」は認識できないため、最初のページを表示しています。" in notice(response)
