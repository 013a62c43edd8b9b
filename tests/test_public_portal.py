"""The public portal: nothing unpublished leaks, facets and search, the funding flow's numbers,
open data, the API against its OpenAPI description, query counts and both languages."""

import csv
import datetime
import io
import json
import re

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from referencing import Registry, Resource

from projects.models import OutcomeKind, ProjectBudget
from regions.models import ClusterType, Grant, ProposalStatus
from tests import factories
from tests.test_public_pages import populate_region

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/clusters/",
    "/organizations/",
    "/results/",
    "/events/",
    "/funding/",
    "/search/?q=非公開",
    "/opendata/",
    "/sitemap.xml",
]
DOWNLOADS = [
    f"/opendata/{key}.{ext}"
    for key in ("clusters", "projects", "participations", "results", "events", "organizations")
    for ext in ("csv", "json")
]
API = [
    "/api/v1/clusters",
    "/api/v1/projects",
    "/api/v1/results",
    "/api/v1/events",
    "/api/v1/organizations",
    "/api/v1/participations",
    "/api/v1/budgets",
    "/api/v1/grants",
    "/api/v1/funding-flow",
    "/clusters/?format=csv",
    "/results/?format=csv",
    "/events/?format=csv",
    "/organizations/?format=csv",
    "/search/?q=非公開&type=projects&format=csv",
    "/search/?q=非公開&type=results&format=csv",
]


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8-sig")


@pytest.fixture
def hidden():
    """A published region with unpublished rows, and an unpublished region with published-flag rows."""
    public = factories.RegionFactory(name="公開地域")
    public_project = factories.ProjectFactory(region=public, title="公開の研究")
    hidden_region = factories.RegionFactory(unpublished=True, name="非公開クラスター", slug="hidden-cluster")
    hidden_project = factories.ProjectFactory(
        region=public, unpublished=True, title="非公開プロジェクト", code="HIDDEN-P"
    )
    project_in_hidden_region = factories.ProjectFactory(region=hidden_region, title="非公開地域の研究", code="HIDDEN-R")
    secret_org = factories.OrganizationFactory(name="非公開参画企業", slug="secret-org", company=True)
    factories.ParticipationFactory(project=hidden_project, organization=secret_org)
    factories.OutcomeFactory(project=public_project, title="非公開の成果", unpublished=True)
    factories.OutcomeFactory(project=project_in_hidden_region, title="非公開地域の成果")
    factories.EventFactory(region=public, title="非公開イベント", is_published=False)
    factories.EventFactory(region=hidden_region, title="非公開地域のイベント")
    grant = factories.GrantFactory(region=hidden_region, fiscal_year=2008, amount=13_579_246_801)
    factories.ProjectBudgetFactory(project=project_in_hidden_region, grant=grant, allocated=123_000_000)
    return public


SECRETS = (
    "非公開クラスター",
    "hidden-cluster",
    "非公開プロジェクト",
    "HIDDEN-P",
    "HIDDEN-R",
    "非公開地域の研究",
    "非公開の成果",
    "非公開地域の成果",
    "非公開イベント",
    "非公開地域のイベント",
    "非公開参画企業",
    "secret-org",
    "13579246801",
    "13,579",
)


@pytest.mark.parametrize("url", PAGES + DOWNLOADS + API)
def test_nothing_unpublished_leaks(client, hidden, url):
    response = client.get(url)
    assert response.status_code == 200
    text = body(response)
    for secret in SECRETS:
        assert secret not in text, (url, secret)


@pytest.mark.parametrize(
    "url",
    [
        "/clusters/hidden-cluster/",
        "/projects/HIDDEN-P/",
        "/projects/HIDDEN-R/",
        "/organizations/secret-org/",
        "/api/v1/clusters/hidden-cluster",
        "/api/v1/projects/HIDDEN-P",
        "/api/v1/organizations/secret-org",
        "/funding/?cluster=hidden-cluster&format=json",
    ],
)
def test_unpublished_detail_pages_and_api_rows_are_not_found(client, hidden, url):
    response = client.get(url)
    if url.startswith("/funding/"):
        assert "hidden-cluster" not in body(response)  # the invalid choice is ignored: program-wide
    else:
        assert response.status_code == 404


def test_unpublished_result_and_event_are_not_found_in_api(client, hidden):
    from projects.models import Outcome
    from regions.models import Event

    outcome = Outcome.objects.get(title="非公開の成果")
    event = Event.objects.get(title="非公開イベント")
    assert client.get(f"/api/v1/results/{outcome.code}").status_code == 404
    assert client.get(f"/api/v1/events/{event.code}").status_code == 404


# --- facets and search ---------------------------------------------------------------------------


def test_cluster_list_combined_filters_give_the_right_rows(client):
    hokkaido = factories.PrefectureFactory(code="01", name="北海道", name_en="Hokkaido")
    aichi = factories.PrefectureFactory(code="23", name="愛知県", name_en="Aichi")
    factories.RegionFactory(
        name="札幌", cluster_type=ClusterType.GLOBAL, selected_fiscal_year=2007, prefectures=[hokkaido]
    )
    factories.RegionFactory(
        name="旭川", cluster_type=ClusterType.REGIONAL, selected_fiscal_year=2007, prefectures=[hokkaido]
    )
    factories.RegionFactory(
        name="函館", cluster_type=ClusterType.GLOBAL, selected_fiscal_year=2008, prefectures=[hokkaido]
    )
    factories.RegionFactory(
        name="名古屋", cluster_type=ClusterType.GLOBAL, selected_fiscal_year=2007, prefectures=[aichi]
    )
    response = client.get("/clusters/", {"prefecture": "01", "cluster_type": "global", "fiscal_year": "2007"})
    names = {region.name for region in response.context["page"].object_list}
    assert names == {"札幌"}
    facets = response.context["facets"]
    assert [row["code"] for row in facets["prefecture"]] == ["01"]


def test_results_browser_combined_filters(client, region):
    company = factories.OrganizationFactory(company=True, slug="partner-co")
    project = factories.ProjectFactory(region=region)
    factories.ParticipationFactory(project=project, organization=company)
    other = factories.ProjectFactory(region=factories.RegionFactory())
    factories.OutcomeFactory(project=project, patent=True, title="対象の特許")
    factories.OutcomeFactory(project=project, title="対象外の論文")
    factories.OutcomeFactory(project=other, patent=True, title="他地域の特許")
    response = client.get(
        "/results/", {"kind": OutcomeKind.PATENT_APPLICATION, "organization": "partner-co", "year": "2009"}
    )
    assert [outcome.title for outcome in response.context["page"].object_list] == ["対象の特許"]
    response = client.get("/results/", {"cluster": region.slug})
    assert {outcome.title for outcome in response.context["page"].object_list} == {"対象の特許", "対象外の論文"}


@pytest.mark.parametrize(
    ("query", "stored"), [("ﾅﾉ", "ナノテクノロジー"), ("ＩＴ", "札幌IT"), ("ナノ", "ﾅﾉ材料"), ("it", "札幌IT")]
)
def test_search_ignores_full_width_and_half_width_forms(client, query, stored):
    factories.RegionFactory(name="対象の地域", theme=stored)
    factories.RegionFactory(name="別の地域", theme="ライフサイエンス")
    response = client.get("/clusters/", {"q": query})
    assert [region.name for region in response.context["page"].object_list] == ["対象の地域"]
    page = body(client.get("/search/", {"q": query}))
    assert "対象の地域" in page and "別の地域" not in page


def test_site_search_finds_projects_organizations_and_results(client, region):
    project = factories.ProjectFactory(region=region, title="ﾅﾉ粒子の研究")
    factories.ParticipationFactory(project=project, organization=factories.OrganizationFactory(name="ナノ化学株式会社"))
    factories.OutcomeFactory(project=project, title="ナノ粒子の製法")
    response = client.get("/search/", {"q": "ナノ"})
    counts = {section["kind"]: section["count"] for section in response.context["sections"]}
    assert counts == {"clusters": 0, "projects": 1, "organizations": 1, "results": 1}


# --- funding flow --------------------------------------------------------------------------------


def test_funding_flow_equals_independent_sums_and_downloads(client):
    region = populate_region(projects=2)
    other = populate_region(projects=1)
    proposal = factories.ProposalFactory(region=region, status=ProposalStatus.SELECTED)
    factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=2007, requested_amount=600_000_000)
    rejected = factories.ProposalFactory(status=ProposalStatus.NOT_SELECTED)
    factories.ProposalBudgetLineFactory(proposal=rejected, fiscal_year=2008, requested_amount=400_000_000)
    draft = factories.ProposalFactory()
    factories.ProposalBudgetLineFactory(proposal=draft, fiscal_year=2008, requested_amount=999_000_000)
    response = client.get("/funding/", {"start": "2007", "end": "2009"})
    flow = response.context["flow"]
    granted = sum(grant.amount for grant in Grant.objects.all() if grant.region.is_published)
    budgets = [budget for budget in ProjectBudget.objects.all() if budget.project.is_published]
    assert flow.requested == 1_000_000_000
    assert flow.selected == 600_000_000
    assert flow.granted == granted == 2_000_000_000
    assert flow.allocated == sum(budget.allocated for budget in budgets)
    assert flow.executed == sum(budget.executed for budget in budgets)
    assert flow.patents_filed == 6
    page = body(response)
    assert f"<td>{flow.granted:,}</td>" in page and "<svg" in page and "<title" in page
    api = client.get("/api/v1/funding-flow", {"from": "2007", "to": "2009"}).json()["data"]
    assert (api["granted"], api["allocated"], api["executed"]) == (flow.granted, flow.allocated, flow.executed)
    rows = list(csv.DictReader(io.StringIO(body(client.get("/opendata/grants.csv")))))
    assert sum(int(row["交付決定額（円）"]) for row in rows) == flow.granted
    budget_rows = json.loads(body(client.get("/opendata/budgets.json")))["data"]
    assert sum(row["allocated"] for row in budget_rows) == flow.allocated
    assert sum(row["executed"] for row in budget_rows) == flow.executed
    one = client.get("/funding/", {"start": "2007", "end": "2009", "cluster": other.slug}).context["flow"]
    assert one.granted == sum(grant.amount for grant in Grant.objects.filter(region=other))
    assert one.requested == 0


def test_grants_without_a_recorded_selection_are_told_apart_and_never_drawn_as_a_growing_band(client):
    """Requested 600 → selected 600 → granted 2,000 (million yen): the 1,400 no selection explains is
    stated under the diagram and in the table, and enters the diagram from below, hatched."""
    region = populate_region(projects=2)
    populate_region(projects=1)
    proposal = factories.ProposalFactory(region=region, status=ProposalStatus.SELECTED)
    factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=2007, requested_amount=600_000_000)
    expected = sum(
        grant.amount
        for grant in Grant.objects.filter(fiscal_year__range=(2007, 2009))
        if not (grant.region_id == region.pk and grant.fiscal_year == 2007)
    )
    assert 0 < expected < 2_000_000_000

    response = client.get("/funding/", {"start": "2007", "end": "2009"})

    flow = response.context["flow"]
    assert (flow.selected, flow.granted, flow.granted_without_selection) == (600_000_000, 2_000_000_000, expected)
    page = body(response)
    assert 'id="flow-unrecorded"' in page
    assert f"{expected // 1000:,}千円は、選考（要求額・採択）の記録がない" in page
    assert "<title>選考の記録がない交付決定 → 交付決定額:" in page
    assert "<title>採択 → 交付決定額: 600百万円</title>" in page
    api = client.get("/api/v1/funding-flow", {"from": "2007", "to": "2009"}).json()["data"]
    assert api["granted_without_selection"] == expected


def test_sankey_bands_never_grow_from_one_stage_to_the_next():
    from public.charts import Stage, sankey_layout

    stages = [Stage("requested", "要求額", 100), Stage("selected", "採択", 50), Stage("granted", "交付決定", 80)]
    nodes, links = sankey_layout(stages)
    for source, _target, amount, _points in links:
        assert amount <= source.amount
    incoming = [(source.key, amount) for source, target, amount, _points in links if target.key == "granted"]
    assert incoming == [("selected", 50), ("granted-unrecorded", 30)]
    assert [node.key for node in nodes if node.is_loss] == ["requested-loss"]


def test_region_comparison_reports_patents_per_hundred_million_yen(client):
    populate_region(projects=1, outcomes=2)  # 1,000 million yen granted, 2 patents
    row = client.get("/funding/").context["comparison"][0]
    assert row.patents_filed == 2
    assert row.patents_per_hundred_million == 0.2


# --- open data and API ---------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_and_japanese_headers(client, region):
    response = client.get("/opendata/clusters.csv")
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith(b"\xef\xbb\xbf")
    assert response["Content-Type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert header[:2] == ["クラスターコード", "地域名"]


def test_search_result_csv_has_all_fields_not_only_visible_columns(client, region):
    factories.RegionFactory(name="別", theme="材料")
    rows = list(csv.DictReader(io.StringIO(body(client.get("/clusters/", {"q": region.name, "format": "csv"})))))
    assert len(rows) == 1
    assert rows[0]["クラスター構想"] == region.concept
    assert rows[0]["中核機関コード"] == region.core_institution.slug


def _openapi_validator(client, schema_name):
    from referencing.jsonschema import DRAFT202012

    document = client.get("/api/v1/openapi.json").json()
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:openapi", resource)
    schema = {"$ref": f"urn:openapi#/components/schemas/{schema_name}"}
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize(
    ("url", "schema"),
    [
        ("/api/v1/clusters", "ClustersPage"),
        ("/api/v1/projects", "ProjectsPage"),
        ("/api/v1/participations", "ParticipationsPage"),
        ("/api/v1/grants", "GrantsPage"),
        ("/api/v1/budgets", "BudgetsPage"),
        ("/api/v1/results", "ResultsPage"),
        ("/api/v1/events", "EventsPage"),
        ("/api/v1/organizations", "OrganizationsPage"),
        ("/api/v1/funding-flow", "FundingFlow"),
        ("/api/v1/clusters?limit=0", "Error"),
    ],
)
def test_api_validates_against_its_openapi_description(client, url, schema):
    populate_region(projects=2)
    response = client.get(url)
    _openapi_validator(client, schema).validate(response.json())


def test_openapi_document_lists_every_endpoint(client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    jsonschema.Draft202012Validator.check_schema(document["components"]["schemas"]["ClustersPage"])
    for path in ("/clusters", "/clusters/{code}", "/results/{id}", "/funding-flow"):
        assert path in document["paths"]


def test_api_cursor_pagination_walks_every_row_without_offset(client):
    codes = sorted(factories.RegionFactory().slug for _ in range(7))
    seen, url = [], "/api/v1/clusters?limit=3"
    while url:
        payload = client.get(url).json()
        seen += [row["code"] for row in payload["data"]]
        url = payload["links"]["next"]
    assert seen == codes
    assert client.get("/api/v1/clusters/" + codes[0]).json()["data"]["code"] == codes[0]


def test_api_rejects_bad_parameters_with_400(client):
    assert client.get("/api/v1/clusters?limit=abc").status_code == 400
    assert client.get("/api/v1/results?kind=nope").status_code == 400
    assert client.get("/api/v1/projects?cluster=nope").status_code == 404
    assert client.get("/api/v1/budgets?after=xyz").status_code == 400


def test_results_and_events_are_identified_by_public_codes_not_database_ids(client):
    outcome = factories.OutcomeFactory()
    event = factories.EventFactory()
    result = client.get(f"/api/v1/results/{outcome.code}").json()["data"]
    assert result["id"] == outcome.code
    assert result["id"] != str(outcome.pk)
    assert client.get(f"/api/v1/events/{event.code}").json()["data"]["id"] == event.code
    assert client.get(f"/api/v1/results/{outcome.pk}").status_code == 404


# --- query counts, languages, findability ---------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(context.captured_queries)


COUNTED = [
    *PAGES,
    "/opendata/clusters.csv",
    "/opendata/events.json",
    "/api/v1/clusters",
    "/api/v1/projects",
    "/api/v1/results",
    "/funding/?format=json",
    "/clusters/?format=csv",
]


def test_query_counts_are_the_same_with_5_and_50_clusters(client):
    for _ in range(5):
        populate_region(projects=1, outcomes=1)
    first = populate_region(projects=1, outcomes=1)
    organization = first.core_institution.slug
    urls = [*COUNTED, first.get_absolute_url(), f"/organizations/{organization}/"]
    before = {url: count_queries(client, url) for url in urls}
    for _ in range(45):
        populate_region(projects=2, outcomes=1)
    after = {url: count_queries(client, url) for url in urls}
    assert after == before
    print(before)


@pytest.mark.parametrize("url", [*PAGES[:-1], "/opendata/"])
def test_every_public_page_renders_in_both_languages(client, url):
    region = populate_region(projects=1)
    urls = [url, region.get_absolute_url(), f"/organizations/{region.core_institution.slug}/"]
    for address in urls:
        ja = body(client.get(address))  # read before the next request: a streamed page renders as it is read
        en = body(client.get(f"/en{address}"))
        assert '<html lang="ja">' in ja, address
        assert '<html lang="en">' in en
        assert "Skip to main content" in en


def test_pages_have_canonical_ogp_and_last_updated(client, region):
    page = body(client.get("/clusters/?q=x"))
    assert '<link rel="canonical" href="http://testserver/clusters/">' in page
    assert '<meta property="og:title"' in page
    assert "データの最終更新" in page


def test_robots_and_sitemap(client, region):
    assert "Sitemap: http://testserver/sitemap.xml" in body(client.get("/robots.txt"))
    assert "http://testserver/sitemap-clusters.xml" in body(client.get("/sitemap.xml"))  # the index
    sitemap = body(client.get("/sitemap-clusters.xml"))
    assert f"http://testserver{region.get_absolute_url()}" in sitemap


def test_home_map_links_cluster_prefectures_to_the_filtered_list(client):
    factories.RegionFactory(name="札幌", prefectures=[factories.PrefectureFactory(code="01", name="北海道")])
    page = body(client.get("/"))
    assert '<a href="/clusters/?prefecture=01" class="japan-map__link"><title>北海道：1件のクラスター</title>' in page
    assert page.count("<path") == 47


def test_home_map_badges_are_inside_their_prefectures_links(client):
    """Clicking the numbered badge 「2」 on 富山県 opens 富山県's clusters, like clicking the prefecture."""
    toyama = factories.PrefectureFactory(code="16", name="富山県")
    factories.RegionFactory(name="富山", prefectures=[toyama])
    factories.RegionFactory(name="富山・石川", prefectures=[toyama])
    page = body(client.get("/"))
    link = re.search(r'<a href="/clusters/\?prefecture=16" class="japan-map__link">(.*?)</a>', page, re.S).group(1)
    assert '<circle class="japan-map__marker"' in link
    assert re.search(r'<text class="japan-map__count"[^>]*>2</text>', link)
    assert page.count('class="japan-map__count"') == 1  # no badge outside a link


def test_funding_diagram_counts_what_its_labels_say_as_the_table_does(client):
    """「特許出願」 in the diagram is the table's applications row (not applications + granted patents);
    its stages carry the table's names; the 円 column has thousands separators."""
    region = factories.RegionFactory()
    factories.GrantFactory(region=region, fiscal_year=2008, amount=1_234_567_000)
    project = factories.ProjectFactory(region=region)
    for _ in range(3):
        factories.OutcomeFactory(project=project, patent=True, occurred_on=datetime.date(2008, 10, 1))
    factories.OutcomeFactory(
        project=project,
        kind="patent_granted",
        registration_number="特許第4000001号",
        occurred_on=datetime.date(2008, 11, 1),
    )
    page = body(client.get("/funding/", {"start": "2008", "end": "2008"}))
    diagram = page[page.index("<svg") : page.index("</svg>")]
    assert "特許出願 3件" in diagram and "特許出願 4件" not in diagram
    assert "成果の合計 4件" in diagram
    assert re.search(r'<th scope="row">特許出願</th><td>3</td>', page)
    assert re.search(r'<th scope="row">成果の合計</th><td>4</td>', page)
    for stage in ("要求額", "採択", "交付決定額", "配分額", "執行額"):
        assert f">{stage}<" in diagram or f"<title>{stage} " in diagram or f"→ {stage}:" in diagram, stage
    assert "<td>1,234,567</td><td>1,234,567,000</td>" in page  # 千円 and 円, both grouped
