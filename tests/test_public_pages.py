"""The public shell: home, cluster list, cluster detail, project detail, login and error pages."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.template import loader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from projects.models import OutcomeKind, ParticipationRole
from public.stats import key_figures
from regions.models import ClusterType, Position, RegionStatus
from tests import factories

pytestmark = pytest.mark.django_db


# --- helpers -------------------------------------------------------------------------------------


def html(response) -> str:
    return response.content.decode()


def populate_region(*, projects=3, outcomes=2, **region_kwargs):
    """A published region with everything its detail page shows, several rows of each kind."""
    region = factories.RegionFactory(**region_kwargs)
    headquarters = factories.HeadquartersFactory(region=region)
    for position in (Position.DIRECTOR, Position.PROGRAM_MANAGER, Position.RESEARCH_DIRECTOR):
        factories.HeadquartersMemberFactory(headquarters=headquarters, position=position)
    grants = [factories.GrantFactory(region=region, fiscal_year=year) for year in (2007, 2008)]
    shared_company = factories.OrganizationFactory(company=True)
    for _ in range(projects):
        project = factories.ProjectFactory(region=region, host_organization=factories.OrganizationFactory())
        factories.ParticipationFactory(project=project, role=ParticipationRole.LEAD_UNIVERSITY)
        factories.ParticipationFactory(project=project, organization=shared_company, role=ParticipationRole.COMPANY)
        for grant in grants:
            factories.ProjectBudgetFactory(project=project, grant=grant, allocated=50_000_000, executed=40_000_000)
        for _ in range(outcomes):
            factories.OutcomeFactory(project=project, patent=True)
        factories.ProgressReportFactory(project=project, accepted=True)
    factories.EventFactory(region=region)
    factories.EvaluationFactory(region=region)
    factories.RelatedMeasureFactory(region=region)
    factories.CoordinatorFactory(region=region, affiliation=factories.OrganizationFactory())
    return region


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


class AssetCollector(HTMLParser):
    """Collects (tag, attribute, value, class) for every src/href in a page."""

    def __init__(self):
        super().__init__()
        self.references = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href", "srcset", "action", "data"):
            if attributes.get(name):
                self.references.append((tag, name, attributes[name], attributes.get("class") or ""))


def external_references(page: str) -> list:
    """Every reference to another host, except links to a fact's data source (出典)."""
    collector = AssetCollector()
    collector.feed(page)
    return [
        reference
        for reference in collector.references
        if re.match(r"^(https?:)?//", reference[2].strip(), re.IGNORECASE)
        and not reference[2].startswith("http://testserver/")  # canonical URL of the page itself
        and not (reference[0] == "a" and "source-link" in reference[3].split())
    ]


# --- home ----------------------------------------------------------------------------------------


def test_home_explains_program_structure_in_japanese(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="ja">' in page
    assert "<h1>知的クラスター創成事業</h1>" in page
    for actor in ("文部科学省", "中核機関", "知的クラスターの本部", "産学官共同研究", "科学技術コーディネータ"):
        assert actor in page
    assert '<ol class="flow">' in page
    assert '<meta name="description"' in page


def test_key_figures_count_only_published_data(client):
    shared = factories.OrganizationFactory(name="共通参画企業", company=True)
    first = factories.RegionFactory()
    second = factories.RegionFactory()
    hidden = factories.RegionFactory(unpublished=True)
    factories.GrantFactory(region=first, fiscal_year=2007, amount=500_000_000)
    factories.GrantFactory(region=first, fiscal_year=2008, amount=300_000_000)
    factories.GrantFactory(region=second, fiscal_year=2008, amount=200_000_000)
    factories.GrantFactory(region=hidden, fiscal_year=2008, amount=900_000_000)

    project_a = factories.ProjectFactory(region=first)
    project_b = factories.ProjectFactory(region=second)
    unpublished_project = factories.ProjectFactory(region=first, unpublished=True)
    project_in_hidden_region = factories.ProjectFactory(region=hidden)
    factories.ParticipationFactory(project=project_a, organization=shared)
    factories.ParticipationFactory(project=project_b, organization=shared)
    factories.ParticipationFactory(project=project_b)
    factories.ParticipationFactory(project=unpublished_project)
    factories.ParticipationFactory(project=project_in_hidden_region)

    factories.OutcomeFactory(project=project_a, patent=True)
    factories.OutcomeFactory(
        project=project_b, patent=True, kind=OutcomeKind.PATENT_GRANTED, registration_number="特許第4000001号"
    )
    factories.OutcomeFactory(project=project_b, kind=OutcomeKind.COMMERCIALIZATION)
    factories.OutcomeFactory(project=project_a, patent=True, unpublished=True)
    factories.OutcomeFactory(project=unpublished_project, kind=OutcomeKind.COMMERCIALIZATION)
    factories.OutcomeFactory(project=project_in_hidden_region, patent=True)

    figures = key_figures()
    assert figures.clusters == 2
    assert figures.projects == 2
    assert figures.organizations == 2
    assert figures.granted == 1_000_000_000
    assert figures.patents_filed == 2
    assert figures.patents_granted == 1
    assert figures.commercializations == 1

    page = html(client.get(reverse("home")))
    assert "1,000百万円" in page
    assert "1,900百万円" not in page


def test_home_lists_latest_published_events_and_results_only(client, region):
    project = factories.ProjectFactory(region=region)
    hidden_region = factories.RegionFactory(unpublished=True)
    factories.EventFactory(region=region, title="公開フォーラム")
    factories.EventFactory(region=region, title="非公開フォーラム", is_published=False)
    factories.EventFactory(region=hidden_region, title="非公開地域のフォーラム")
    factories.OutcomeFactory(project=project, title="公開された成果")
    factories.OutcomeFactory(project=project, title="未公開の成果", unpublished=True)
    for number in range(6):
        factories.EventFactory(region=region, title=f"古いフォーラム{number}", starts_on=datetime.date(2003, 1, 1))
    page = html(client.get(reverse("home")))
    assert "公開フォーラム" in page
    assert "公開された成果" in page
    assert "非公開フォーラム" not in page
    assert "非公開地域のフォーラム" not in page
    assert "未公開の成果" not in page
    assert page.count("古いフォーラム") == 4  # five latest events in all


# --- cluster list --------------------------------------------------------------------------------


def test_cluster_list_shows_published_regions_with_formatted_fiscal_year(client, region):
    hidden = factories.RegionFactory(unpublished=True, name="非公開の地域")
    response = client.get(reverse("regions:list"))
    assert response.status_code == 200
    page = html(response)
    assert "<h1>クラスター一覧</h1>" in page
    assert region.name in page
    assert region.cluster_name in page
    assert "2007年度（平成19年度）" in page
    assert "<caption>" in page
    assert hidden.name not in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cluster_type": ClusterType.GLOBAL}, {"グローバル地域"}),
        ({"status": RegionStatus.COMPLETED}, {"終了した地域"}),
        ({"program": "phase-1"}, {"第I期の地域"}),
        ({"q": "光技術"}, {"グローバル地域"}),
        ({"q": "県42"}, {"終了した地域"}),
        ({"q": "Phase One"}, {"第I期の地域"}),
        ({"program": "no-such-program"}, {"グローバル地域", "終了した地域", "第I期の地域"}),
    ],
)
def test_cluster_list_filters_by_get_parameters(client, params, expected):
    phase_one = factories.ProgramFactory(code="phase-1", name="第I期", start_fiscal_year=2002, end_fiscal_year=2006)
    # Explicit prefectures: the factory's sequence could otherwise also hand out 県42.
    tokyo = factories.PrefectureFactory(code="13")
    factories.RegionFactory(name="グローバル地域", cluster_type=ClusterType.GLOBAL, theme="光技術", prefectures=[tokyo])
    factories.RegionFactory(
        name="終了した地域", status=RegionStatus.COMPLETED, prefectures=[factories.PrefectureFactory(code="42")]
    )
    factories.RegionFactory(name="第I期の地域", program=phase_one, name_en="Phase One area", prefectures=[tokyo])
    page = html(client.get(reverse("regions:list"), params))
    shown = {name for name in ("グローバル地域", "終了した地域", "第I期の地域") if f">{name}</a>" in page}
    assert shown == expected


def test_cluster_list_paginates_and_keeps_filters_in_page_links(client):
    for _ in range(30):
        factories.RegionFactory(cluster_type=ClusterType.REGIONAL)
    first = client.get(reverse("regions:list"), {"cluster_type": "regional"})
    page = html(first)
    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"].object_list) == 25
    assert 'aria-label="ページ送り"' in page
    assert 'aria-current="page"' in page
    assert "?cluster_type=regional&amp;page=2" in page
    second = client.get(reverse("regions:list"), {"cluster_type": "regional", "page": "2"})
    assert len(second.context["page"].object_list) == 5
    assert client.get(reverse("regions:list"), {"page": "abc"}).status_code == 200


# --- cluster detail ------------------------------------------------------------------------------


def test_cluster_detail_shows_structure_funding_and_source(client):
    region = populate_region(projects=2, source="https://example.jp/cluster/concept")
    response = client.get(region.get_absolute_url())
    assert response.status_code == 200
    page = html(response)
    assert f"<h1>{region.name}" in page
    for label in ("本部長", "事業総括", "研究統括", "出典", "交付決定額（千円）", "配分額（千円）", "執行額（千円）"):
        assert label in page
    assert 'class="source-link" href="https://example.jp/cluster/concept"' in page
    total = response.context["funding_total"]
    assert (total.granted, total.allocated, total.executed) == (1_000_000_000, 200_000_000, 160_000_000)
    assert [row.fiscal_year for row in response.context["funding_rows"]] == [2007, 2008]
    assert "1,000,000" in page and "200,000" in page and "160,000" in page  # 千円
    counts = dict(response.context["outcome_counts"])
    assert counts["特許出願"] == 4


def test_cluster_detail_hides_unpublished_rows_from_public(client, region):
    factories.ProjectFactory(region=region, title="公開プロジェクト")
    hidden_project = factories.ProjectFactory(region=region, unpublished=True, title="非公開プロジェクト")
    factories.OutcomeFactory(project=hidden_project, patent=True)
    factories.EventFactory(region=region, title="非公開イベント", is_published=False)
    factories.EvaluationFactory(region=region, summary="非公開の評価", is_published=False)
    factories.CoordinatorFactory(region=region, name="非公開の目利き", is_published=False)
    page = html(client.get(region.get_absolute_url()))
    assert "公開プロジェクト" in page
    for hidden in ("非公開プロジェクト", "非公開イベント", "非公開の評価", "非公開の目利き"):
        assert hidden not in page


def test_unpublished_region_gives_japanese_404_to_public(client):
    hidden = factories.RegionFactory(unpublished=True)
    response = client.get(hidden.get_absolute_url())
    assert response.status_code == 404
    page = html(response)
    assert "ページが見つかりません" in page
    assert '<html lang="ja">' in page


def test_missing_page_uses_custom_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "<h1>ページが見つかりません</h1>" in html(response)


def test_hq_user_sees_own_unpublished_project_but_not_other_regions(client, hq_user, region, other_region):
    own_hidden = factories.ProjectFactory(region=region, unpublished=True, title="自地域の非公開プロジェクト")
    other_hidden_project = factories.ProjectFactory(region=other_region, unpublished=True)
    other_hidden_region = factories.RegionFactory(unpublished=True)
    client.force_login(hq_user)
    assert "自地域の非公開プロジェクト" in html(client.get(region.get_absolute_url()))
    assert client.get(own_hidden.get_absolute_url()).status_code == 200
    assert client.get(other_hidden_project.get_absolute_url()).status_code == 404
    assert client.get(other_hidden_region.get_absolute_url()).status_code == 404


def test_hq_user_sees_own_unpublished_region(client, hq_user, region):
    region.is_published = False
    region.save()
    client.force_login(hq_user)
    assert client.get(region.get_absolute_url()).status_code == 200
    client.logout()
    assert client.get(region.get_absolute_url()).status_code == 404


# --- project detail ------------------------------------------------------------------------------


def test_project_detail_shows_participants_budget_outcomes_and_accepted_summaries(client, region):
    project = factories.ProjectFactory(region=region, host_organization=factories.OrganizationFactory(name="拠点大学"))
    factories.ParticipationFactory(
        project=project, organization=factories.OrganizationFactory(name="代表大学A"), role="lead_university"
    )
    factories.ParticipationFactory(
        project=project, organization=factories.OrganizationFactory(name="参画企業B", company=True), role="company"
    )
    grant = factories.GrantFactory(region=region, fiscal_year=2008)
    factories.ProjectBudgetFactory(project=project, grant=grant, allocated=123_456_000, executed=100_000_499)
    factories.OutcomeFactory(project=project, title="公開された特許", patent=True)
    factories.OutcomeFactory(project=project, title="未公開の特許", patent=True, unpublished=True)
    factories.ProgressReportFactory(project=project, accepted=True, public_summary="試作機が完成した。")
    factories.ProgressReportFactory(project=project, half="H2", public_summary="下書きの要約")
    response = client.get(project.get_absolute_url())
    assert response.status_code == 200
    page = html(response)
    assert project.title in page
    assert f'href="{region.get_absolute_url()}"' in page
    assert page.index("代表大学A") < page.index("参画企業B")
    assert "代表大学" in page and "拠点大学" in page
    assert "123,456" in page and "100,000" in page
    assert "2008年度（平成20年度）" in page
    assert "公開された特許" in page
    assert "未公開の特許" not in page
    assert "試作機が完成した。" in page
    assert "下書きの要約" not in page


def test_project_page_links_its_organisations_to_their_pages(client, region):
    host = factories.OrganizationFactory(name="拠点大学")
    partner = factories.OrganizationFactory(name="参画企業B", company=True)
    project = factories.ProjectFactory(region=region, host_organization=host)
    factories.ParticipationFactory(project=project, organization=partner, role="company")
    page = html(client.get(project.get_absolute_url()))
    for organization in (host, partner):
        url = reverse("public:organization_detail", args=[organization.slug])
        assert f'<a href="{url}">{organization.name}</a>' in page
        assert client.get(url).status_code == 200  # the link leads to a page


def test_unpublished_project_and_project_of_unpublished_region_give_404(client, region):
    hidden = factories.ProjectFactory(region=region, unpublished=True)
    in_hidden_region = factories.ProjectFactory(region=factories.RegionFactory(unpublished=True))
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(in_hidden_region.get_absolute_url()).status_code == 404
    assert client.get(reverse("projects:detail", kwargs={"code": "NO-SUCH"})).status_code == 404


# --- query counts --------------------------------------------------------------------------------


def test_query_counts_do_not_grow_with_data(client):
    small = [populate_region(projects=1, outcomes=1) for _ in range(2)]
    urls = {
        "home": reverse("home"),
        "list": reverse("regions:list"),
        "detail": small[0].get_absolute_url(),
        "project": small[0].projects.first().get_absolute_url(),
    }
    before = {name: queries_for(client, url) for name, url in urls.items()}
    big = populate_region(projects=5, outcomes=4)
    for _ in range(3):
        populate_region(projects=3, outcomes=3)
    urls_big = {**urls, "detail": big.get_absolute_url(), "project": big.projects.first().get_absolute_url()}
    after = {name: queries_for(client, url) for name, url in urls_big.items()}
    assert after == before
    assert before["home"] <= 10  # figures 3, map 2, latest 2, last updated 1, cluster names 1
    assert before["list"] <= 14  # filter choices, facets (5), page, prefectures, last updated
    assert before["detail"] <= 16


def test_cluster_page_shows_the_first_projects_and_events_and_links_to_their_full_lists(client, region):
    for number in range(22):
        factories.ProjectFactory(region=region, code=f"LIST-{number:03d}")
    for day in range(1, 13):
        factories.EventFactory(region=region, title=f"フォーラム{day:02d}", starts_on=datetime.date(2009, 6, day))

    page = html(client.get(region.get_absolute_url()))

    assert "LIST-019" in page and "LIST-020" not in page  # code order, first 20
    assert "プロジェクトコード順に最初の20件を表示しています。" in page
    assert f'href="/projects/?cluster={region.slug}">このクラスターのプロジェクトをすべて見る</a>' in page
    assert "フォーラム12" in page and "フォーラム03" in page and "フォーラム02" not in page  # newest 10
    assert f'href="/events/?cluster={region.slug}">' in page
    full_list = client.get(f"/projects/?cluster={region.slug}")
    assert full_list.context["page"].paginator.count == 22


def test_cluster_page_without_more_rows_says_nothing_about_a_cut(client, region):
    factories.ProjectFactory(region=region)
    factories.EventFactory(region=region)
    page = html(client.get(region.get_absolute_url()))
    assert "最初の" not in page
    assert "このクラスターのプロジェクト一覧" in page
    assert "/events/?cluster=" not in page


def test_cluster_page_paginates_participants_in_place(client, region):
    project = factories.ProjectFactory(region=region)
    for number in range(35):
        factories.ParticipationFactory(
            project=project, organization=factories.OrganizationFactory(name=f"参画機関{number:02d}")
        )

    first = html(client.get(region.get_absolute_url()))
    second = html(client.get(region.get_absolute_url(), {"participants_page": 2}))

    def names(page):
        return set(re.findall(r"参画機関\d\d", page))

    assert len(names(first)) == 30 and len(names(second)) == 5
    assert not names(first) & names(second)
    assert 'aria-label="ページ送り（参画機関）"' in first
    assert 'href="?participants_page=2#participants-heading" rel="next"' in first
    assert "35件中 31〜35件を表示" in second


def test_cluster_page_query_count_is_the_same_beyond_every_cap(client):
    small = populate_region(projects=2, outcomes=1)
    for _ in range(2):
        factories.EventFactory(region=small)
    before = queries_for(client, small.get_absolute_url())
    big = populate_region(projects=45, outcomes=1)  # more projects, participants and results than shown
    for _ in range(15):
        factories.EventFactory(region=big)
    assert queries_for(client, big.get_absolute_url()) == before <= 20


def test_query_counts_for_signed_in_hq_user_do_not_grow_with_data(client, hq_user, region):
    client.force_login(hq_user)
    factories.ProjectFactory(region=region)
    before = queries_for(client, region.get_absolute_url())
    for _ in range(4):
        project = factories.ProjectFactory(region=region, unpublished=True)
        factories.OutcomeFactory(project=project)
        factories.EventFactory(region=region, is_published=False)
    assert queries_for(client, region.get_absolute_url()) == before


# --- shell, login, logout, errors ----------------------------------------------------------------


def test_every_page_has_skip_link_main_landmark_and_language_switcher(client, region):
    project = factories.ProjectFactory(region=region)
    for url in (reverse("home"), reverse("regions:list"), region.get_absolute_url(), project.get_absolute_url()):
        page = html(client.get(url))
        assert '<html lang="ja">' in page
        assert '<a class="skip-link" href="#main">本文へ移動</a>' in page
        assert '<main id="main"' in page
        # the language links: this page in English, under /en/
        assert f'<a href="/en{url}" hreflang="en" lang="en" rel="alternate">English</a>' in page
        assert "データの出典" in page
        # no script; the one <script> allowed is schema.org data (JSON-LD), which never runs
        assert not re.search(r'<script(?![^>]*type="application/ld\+json")', page)
        assert " style=" not in page


def test_pages_reference_no_external_hosts_except_data_sources(client):
    region = populate_region(projects=1, source="https://example.jp/source")
    urls = [
        reverse("home"),
        reverse("regions:list"),
        region.get_absolute_url(),
        region.projects.first().get_absolute_url(),
        reverse("login"),
        "/no-such-page/",
    ]
    for url in urls:
        assert external_references(html(client.get(url))) == [], url
    assert external_references(loader.get_template("500.html").render()) == []


def test_login_page_shows_japanese_labels_and_redirects_after_login(client):
    # A reviewer: ministry staff go on to the second factor after the password (tests/test_two_factor.py).
    user = factories.UserFactory(username="hanako", display_name="審査 花子", reviewer=True)
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = html(response)
    assert "<h1>ログイン</h1>" in page
    assert 'for="id_username"' in page and 'for="id_password"' in page
    response = client.post(reverse("login"), {"username": "hanako", "password": factories.TEST_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    page = html(client.get(reverse("home")))
    assert str(user) in page
    assert "審査委員" in page
    assert f'action="{reverse("logout")}"' in page


def test_login_failure_is_announced_and_tied_to_the_form(client):
    factories.UserFactory(username="hanako")
    response = client.post(reverse("login"), {"username": "hanako", "password": "wrong-password"})
    assert response.status_code == 200
    page = html(response)
    assert 'role="alert"' in page
    assert "ログインできませんでした" in page


def test_login_redirects_to_next(client, region):
    factories.UserFactory(username="hanako")
    response = client.post(
        reverse("login"),
        {"username": "hanako", "password": factories.TEST_PASSWORD, "next": region.get_absolute_url()},
    )
    assert response.url == region.get_absolute_url()


def test_logout_requires_post(client):
    user = factories.UserFactory()
    client.force_login(user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_logout_form_carries_csrf_token():
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(factories.UserFactory())
    page = html(csrf_client.get(reverse("home")))
    assert 'name="csrfmiddlewaretoken"' in page
    token = re.search(
        r'action="/accounts/logout/">\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', page
    )
    assert token
    response = csrf_client.post(reverse("logout"), {"csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302
    assert csrf_client.post(reverse("logout")).status_code == 403


def test_admin_link_only_for_administrators(client, admin_user, ministry_user, hq_user):
    for user in (ministry_user, hq_user, factories.UserFactory(ministry=True, is_staff=True)):
        client.force_login(user)
        assert reverse("admin:index") not in html(client.get(reverse("home")))
    for user in (admin_user, factories.UserFactory(role="administrator")):
        client.force_login(user)
        assert f'href="{reverse("admin:index")}"' in html(client.get(reverse("home")))


def test_messages_are_rendered_as_status():
    from django.contrib import messages
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    messages.success(request, "保存しました。")
    page = loader.render_to_string("base.html", {}, request=request)
    assert '<div class="messages" role="status">' in page
    assert "保存しました。" in page


def test_server_error_page_is_standalone_and_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        page = loader.get_template("500.html").render()
    assert '<html lang="ja">' in page
    assert "サーバーエラーが発生しました" in page
    assert "Server error" not in page  # entirely Japanese (tests/test_i18n.py checks the English one)
    assert "{%" not in page
    with translation.override("en"):
        english = loader.get_template("500.html").render()
    assert '<html lang="en">' in english and "A server error occurred" in english


def test_forbidden_page_is_in_the_active_language_only(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    page = loader.render_to_string("403.html", {}, request=request)
    assert "アクセスできません" in page
    assert "Access denied" not in page
    with translation.override("en"):
        english = loader.render_to_string("403.html", {}, request=request)
    assert "Access denied" in english and "アクセスできません" not in english


# --- policy pages in the footer (public/views/policies.py) -------------------------------------

POLICY_PAGES = {
    "public:accessibility": "ウェブアクセシビリティ方針",
    "public:privacy": "プライバシーポリシー",
    "public:contact": "お問い合わせ",
}


@pytest.mark.parametrize("name", POLICY_PAGES)
def test_policy_page_answers_in_japanese_without_a_cookie(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert f"<h1>{POLICY_PAGES[name]}</h1>" in html(response)
    assert not response.cookies  # anonymous visitors get no cookie, as the privacy policy says


@pytest.mark.parametrize("path", ["/", "/clusters/", "/results/", "/opendata/", "/accessibility/", "/no-such-page/"])
def test_every_page_footer_links_the_policy_pages(client, path):
    page = html(client.get(path))
    footer = page[page.index('<footer class="site-footer">') :]
    for name, label in POLICY_PAGES.items():
        assert f'href="{reverse(name)}"' in footer
        assert label in footer


def test_accessibility_statement_names_target_scope_method_result_and_known_issues(client):
    page = html(client.get(reverse("public:accessibility")))
    assert "JIS X 8341-3:2016 のレベルAA に準拠" in page
    for heading in ("対象範囲", "試験の方法", "最新の試験結果", "既知の問題"):
        assert f"<h2>{heading}</h2>" in page
    assert "axe-core" in page
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}">', page)


def test_privacy_policy_states_no_cookie_for_visitors_and_the_retention(client, settings):
    settings.LOG_RETENTION_DAYS = 45
    page = html(client.get(reverse("public:privacy")))
    assert "クッキー（Cookie）を一切送りません" in page
    assert "45日を目安に削除します" in page


def test_contact_page_shows_the_configured_address_and_no_form(client, settings):
    settings.CONTACT_EMAIL = "kikaku@example.go.jp"
    page = html(client.get(reverse("public:contact")))
    assert 'href="mailto:kikaku@example.go.jp"' in page
    assert "<form" not in page[page.index("<main") : page.index("</main>")]


def test_sitemap_lists_the_policy_pages(client):
    body = client.get(reverse("public:sitemap_section", args=["pages"])).content.decode()
    for name in POLICY_PAGES:
        assert f"http://testserver{reverse(name)}</loc>" in body
