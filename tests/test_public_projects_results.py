"""The public project list (/projects/) and the public result page (/results/<code>/)."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import OutcomeKind, ProjectStatus
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = reverse("projects:list")


def html(response) -> str:
    return response.content.decode()


def result_url(outcome) -> str:
    return reverse("public:result_detail", args=[outcome.code])


def csv_rows(response) -> tuple[bytes, list[dict]]:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw, list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def world(db):
    """Two published clusters with projects that differ in every filtered field, and hidden rows."""
    hamamatsu = factories.RegionFactory(slug="hamamatsu", name="浜松地域")
    sapporo = factories.RegionFactory(slug="sapporo", name="札幌周辺地域")
    university = factories.OrganizationFactory(slug="shizuoka-univ", name="静岡大学")
    match = factories.ProjectFactory(
        region=hamamatsu,
        code="HAM-01",
        title="超高感度イメージセンサの開発",
        theme="光・電子",
        status=ProjectStatus.ACTIVE,
        start_date=datetime.date(2008, 4, 1),
        end_date=datetime.date(2010, 3, 31),
    )
    factories.ParticipationFactory(project=match, organization=university)
    wrong_status = factories.ProjectFactory(
        region=hamamatsu, code="HAM-02", title="イメージセンサの評価", theme="光・電子", status=ProjectStatus.COMPLETED
    )
    factories.ParticipationFactory(project=wrong_status, organization=university)
    wrong_year = factories.ProjectFactory(
        region=hamamatsu,
        code="HAM-03",
        title="イメージセンサの量産",
        theme="光・電子",
        start_date=datetime.date(2011, 4, 1),
        end_date=datetime.date(2012, 3, 31),
    )
    factories.ParticipationFactory(project=wrong_year, organization=university)
    wrong_theme = factories.ProjectFactory(
        region=hamamatsu, code="HAM-04", title="イメージセンサの医療応用", theme="医療"
    )
    factories.ParticipationFactory(project=wrong_theme, organization=university)
    no_university = factories.ProjectFactory(
        region=hamamatsu, code="HAM-05", title="イメージセンサ素材", theme="光・電子"
    )
    wrong_words = factories.ProjectFactory(region=hamamatsu, code="HAM-06", title="レーザー加工", theme="光・電子")
    factories.ParticipationFactory(project=wrong_words, organization=university)
    other_cluster = factories.ProjectFactory(
        region=sapporo, code="SAP-01", title="イメージセンサの食品検査", theme="光・電子"
    )
    factories.ParticipationFactory(project=other_cluster, organization=university)
    hidden = factories.ProjectFactory(region=hamamatsu, code="HAM-99", title="非公開のイメージセンサ", unpublished=True)
    factories.ParticipationFactory(project=hidden, organization=university)
    outcome = factories.OutcomeFactory(
        project=match,
        kind=OutcomeKind.PATENT_APPLICATION,
        title="撮像素子の読み出し回路",
        application_number="特願2009-123456",
        country="JP",
        applicants="国立大学法人静岡大学",
        inventors="浜松 太郎",
        doi="10.1000/demo.1",
        product="高感度カメラ",
        company=factories.OrganizationFactory(company=True, slug="hamamatsu-seiki", name="株式会社浜松精機"),
        description="読み出し雑音を減らす回路。",
    )
    return {
        "match": match,
        "others": [wrong_status, wrong_year, wrong_theme, no_university, wrong_words, other_cluster],
        "hidden": hidden,
        "outcome": outcome,
        "hidden_outcome": factories.OutcomeFactory(project=match, title="未公開の成果", unpublished=True),
        "outcome_of_hidden_project": factories.OutcomeFactory(project=hidden, title="非公開プロジェクトの成果"),
    }


COMBINED = {
    "cluster": "hamamatsu",
    "theme": "光・電子",
    "status": ProjectStatus.ACTIVE,
    "fiscal_year": "2009",
    "organization": "shizuoka-univ",
    "q": "ｲﾒｰｼﾞ センサ",  # half-width katakana: found through NFKC
}


# --- project list --------------------------------------------------------------------------------


def test_project_list_combined_filters_give_only_the_matching_project(client, world):
    response = client.get(LIST_URL, COMBINED)
    assert response.status_code == 200
    page = response.context["page"]
    assert [project.code for project in page.object_list] == ["HAM-01"]
    assert page.paginator.count == 1
    text = html(response)
    assert "超高感度イメージセンサの開発" in text
    for project in world["others"]:
        assert project.title not in text


@pytest.mark.parametrize("dropped", sorted(COMBINED))
def test_project_list_each_filter_matters(client, world, dropped):
    """Without any one filter, the project that only that filter left out comes back."""
    params = {name: value for name, value in COMBINED.items() if name != dropped}
    codes = {project.code for project in client.get(LIST_URL, params).context["page"].object_list}
    assert "HAM-01" in codes
    assert len(codes) == 2, codes


def test_project_list_never_shows_unpublished_projects_to_the_public(client, world):
    response = client.get(LIST_URL)
    codes = [project.code for project in response.context["page"].object_list]
    assert "HAM-99" not in codes
    assert "非公開のイメージセンサ" not in html(response)
    assert sorted(codes) == sorted(["HAM-01", *(project.code for project in world["others"])])


def test_project_list_shows_unpublished_project_to_its_own_headquarters(client, world):
    headquarters = factories.HeadquartersFactory(region=world["hidden"].region)
    client.force_login(factories.UserFactory(hq=True, headquarters=headquarters))
    codes = [project.code for project in client.get(LIST_URL).context["page"].object_list]
    assert "HAM-99" in codes


def test_project_list_ignores_an_unknown_organization_with_a_notice_and_bad_values_give_no_error(client, world):
    everything = client.get(LIST_URL).context["page"].paginator.count
    response = client.get(LIST_URL, {"organization": "no-such-org"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == everything
    assert "機関コード：「no-such-org」" in response.content.decode()
    response = client.get(LIST_URL, {"cluster": "nowhere", "fiscal_year": "abc", "status": "x", "page": "zz"})
    assert response.status_code == 200


def test_project_list_sort_by_newest_start(client, world):
    codes = [p.code for p in client.get(LIST_URL, {"sort": "-start"}).context["page"].object_list]
    assert codes[0] == "HAM-03"


def test_project_list_paginates_by_25(client, db):
    region = factories.RegionFactory()
    factories.ProjectFactory.create_batch(30, region=region)
    first = client.get(LIST_URL)
    assert len(first.context["page"].object_list) == 25
    second = client.get(LIST_URL, {"page": 2})
    assert len(second.context["page"].object_list) == 5
    assert "30件中" in html(first)


def test_project_list_csv_has_bom_japanese_headers_and_only_filtered_rows(client, world):
    response = client.get(LIST_URL, {**COMBINED, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    raw, rows = csv_rows(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[:3] == ["プロジェクトコード", "クラスターコード", "研究テーマ名"]
    assert [row["プロジェクトコード"] for row in rows] == ["HAM-01"]


def test_project_list_csv_never_contains_unpublished_projects(client, world, ministry_user):
    client.force_login(ministry_user)
    _raw, rows = csv_rows(client.get(LIST_URL, {"format": "csv"}))
    codes = {row["プロジェクトコード"] for row in rows}
    assert "HAM-99" not in codes
    assert "HAM-01" in codes


def _list_queries(client, count: int) -> int:
    region = factories.RegionFactory()
    for index in range(count):
        project = factories.ProjectFactory(region=region, host_organization=factories.OrganizationFactory())
        factories.ParticipationFactory(project=project)
        if index % 2:
            factories.OutcomeFactory(project=project)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST_URL).status_code == 200
    return len(queries)


def test_project_list_query_count_does_not_grow_with_projects(client, db, django_assert_max_num_queries):
    small = _list_queries(client, 5)
    large = _list_queries(client, 45)  # 50 projects in all
    assert small == large
    with django_assert_max_num_queries(small):
        client.get(LIST_URL, COMBINED)


def test_project_list_links_from_cluster_detail_home_and_cluster_list(client, world):
    region = world["match"].region
    expected = f'href="{LIST_URL}?cluster={region.slug}"'
    assert expected in html(client.get(region.get_absolute_url()))
    assert f'href="{LIST_URL}"' in html(client.get(reverse("home")))
    assert f'href="{LIST_URL}"' in html(client.get(reverse("regions:list")))


# --- result page ---------------------------------------------------------------------------------


def test_result_page_shows_identifiers_people_company_and_project(client, world):
    outcome = world["outcome"]
    response = client.get(result_url(outcome))
    assert response.status_code == 200
    text = html(response)
    for value in (
        "撮像素子の読み出し回路",
        "特許出願",
        "特願2009-123456",
        "国立大学法人静岡大学",
        "浜松 太郎",
        "高感度カメラ",
    ):
        assert value in text
    assert "読み出し雑音を減らす回路。" in text
    assert 'href="https://doi.org/10.1000/demo.1"' in text
    assert f'href="{reverse("public:organization_detail", args=["hamamatsu-seiki"])}"' in text
    assert f'href="{outcome.project.get_absolute_url()}"' in text
    assert f'href="{outcome.project.region.get_absolute_url()}"' in text
    assert 'src="https://' not in text, "an external address is only ever a plain link"


@pytest.mark.parametrize("name", ["hidden_outcome", "outcome_of_hidden_project"])
def test_result_page_is_404_for_unpublished_results(client, world, name):
    assert client.get(result_url(world[name])).status_code == 404


def test_result_page_is_404_for_an_unknown_code(client, world):
    assert client.get(reverse("public:result_detail", args=["R-NOSUCHCODE"])).status_code == 404


def test_result_page_of_unpublished_result_is_404_for_other_region_but_visible_to_ministry(
    client, world, ministry_user, other_hq_user
):
    client.force_login(other_hq_user)
    assert client.get(result_url(world["hidden_outcome"])).status_code == 404
    client.force_login(ministry_user)
    assert client.get(result_url(world["hidden_outcome"])).status_code == 200


def test_result_browser_and_project_page_link_to_the_result_page(client, world):
    outcome = world["outcome"]
    link = f'href="{result_url(outcome)}"'
    assert link in html(client.get(reverse("public:result_list")))
    assert link in html(client.get(outcome.project.get_absolute_url()))
    hidden_link = f'href="{result_url(world["hidden_outcome"])}"'
    assert hidden_link not in html(client.get(outcome.project.get_absolute_url()))


def test_result_page_query_count_is_constant(client, world):
    def queries_for(outcome):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(result_url(outcome)).status_code == 200
        return len(queries)

    bare = factories.OutcomeFactory(project=world["match"], title="簡単な成果")
    assert queries_for(world["outcome"]) == queries_for(bare)


# --- both languages ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ja", "en"])
def test_project_list_and_result_page_render_in_both_languages(client, world, language):
    for url in (LIST_URL, LIST_URL + "?cluster=hamamatsu&status=active", result_url(world["outcome"])):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        assert f'lang="{language}"' in html(response)
