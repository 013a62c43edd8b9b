"""The public aggregates are cached (cluster_portal/cache.py) and a change shows on the very next request.

Home (key figures, map), cluster detail and the funding flow read cached aggregates; every write path —
services, plain model saves (the admin), bulk imports — bumps the data generation after its
transaction commits. A rolled-back write changes nothing and bumps nothing.
"""

import datetime
import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from cluster_portal import cache as portal_cache
from cluster_portal import derived
from projects.models import ProjectBudget
from projects.services import budgets as budget_services
from projects.services import outcomes as outcome_services
from projects.services import projects as project_services
from public import stats
from regions.services.grants import grant_amend
from tests import factories

FISCAL_YEAR = 2008


def funded_region():
    """A published region with a 2008 grant of 500,000,000 yen and one project allocated 100,000,000 yen."""
    region = factories.RegionFactory()
    call = factories.CallFactory(fiscal_year=FISCAL_YEAR, status="closed")
    factories.CallBudgetFactory(call=call, fiscal_year=FISCAL_YEAR, envelope=1_000_000_000)
    factories.selected_region(call, region)
    grant = factories.GrantFactory(region=region, call=call, fiscal_year=FISCAL_YEAR, amount=500_000_000)
    project = factories.ProjectFactory(region=region)
    factories.ProjectBudgetFactory(project=project, grant=grant, allocated=100_000_000, executed=0)
    factories.OutcomeFactory(project=project, patent=True)
    return region, grant, project


def _figure(html: str, label: str) -> str:
    """The number shown under the key figure ``label`` of the home page."""
    match = re.search(rf'<dt>{label}</dt>\s*<dd>.*?<span class="figure__number">([^<]+)</span>', html, re.S)
    assert match, label
    return match.group(1)


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def pages(client, region) -> dict:
    """What each public page shows of the money and results, read from the HTML a visitor receives

    (served from the page cache when it is current, so a test sees what a visitor would)."""
    responses = [client.get(url) for url in ("/", f"/clusters/{region.slug}/", "/funding/")]
    for response in responses:
        assert response.status_code == 200
    home, detail, funding = (response.content.decode() for response in responses)
    granted_million = _figure(home, "交付決定額の累計")
    assert granted_million.endswith("百万円"), granted_million
    total = re.search(r'<th scope="row">合計</th>\s*<td>([\d,—]+)</td>\s*<td>([\d,—]+)</td>', detail)
    assert total, "the funding table of the cluster page has a total row"
    return {
        "home_granted": _int(granted_million.removesuffix("百万円")) * 1_000_000,
        "home_patents": _int(_figure(home, r"特許出願（登録済みを含む）")),
        "home_projects": _int(_figure(home, "産学官共同研究プロジェクト")),
        "detail_allocated": _int(total.group(2).replace("—", "0")) * 1000,
        "detail_granted": _int(total.group(1).replace("—", "0")) * 1000,
        "funding_allocated": _int(re.search(r"配分額</th><td>[^<]*</td><td>([\d,]+)</td>", funding).group(1)),
        "funding_granted": _int(re.search(r"交付決定額</th><td>[^<]*</td><td>([\d,]+)</td>", funding).group(1)),
        "funding_patents": _int(re.search(r"特許出願 (\d+)件", funding).group(1)),
    }


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


# --- caching works --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_second_request_of_home_and_funding_reads_aggregates_from_the_cache(client):
    funded_region()
    for url in ("/", "/funding/"):
        first = queries(client, url)
        second = queries(client, url)
        assert second < first, url


@pytest.mark.django_db
def test_cached_function_gives_the_same_value_as_the_uncached_one():
    funded_region()
    assert stats.key_figures() == stats.key_figures.uncached()
    assert stats.key_figures() == stats.key_figures()  # second call from the cache
    assert stats.funding_flow(2007, 2010) == stats.funding_flow.uncached(2007, 2010)


# --- a change appears on the next request ---------------------------------------------------------


@pytest.mark.django_db
def test_changed_budget_appears_on_next_request_of_home_cluster_detail_and_funding(client):
    region, _grant, project = funded_region()
    before = pages(client, region)
    assert before["detail_allocated"] == before["funding_allocated"] == 100_000_000

    budget_services.budget_allocate(project=project, fiscal_year=FISCAL_YEAR, allocated=250_000_000)

    after = pages(client, region)
    assert after["detail_allocated"] == 250_000_000
    assert after["funding_allocated"] == 250_000_000


@pytest.mark.django_db
def test_amended_grant_appears_on_next_request_of_every_page(client, ministry_user):
    region, grant, _project = funded_region()
    before = pages(client, region)
    assert before["home_granted"] == before["funding_granted"] == before["detail_granted"] == 500_000_000

    grant_amend(user=ministry_user, grant=grant, new_amount=600_000_000, reason="追加配分")

    after = pages(client, region)
    assert after["home_granted"] == after["funding_granted"] == after["detail_granted"] == 600_000_000


@pytest.mark.django_db
def test_new_outcome_appears_on_next_request_of_home_and_funding(client, hq_user):
    region = hq_user.headquarters.region
    grant = factories.GrantFactory(region=region, fiscal_year=FISCAL_YEAR)
    project = factories.ProjectFactory(region=region)
    factories.ProjectBudgetFactory(project=project, grant=grant)
    before = pages(client, region)

    outcome_services.outcome_create(
        user=hq_user,
        project=project,
        data={
            "kind": "patent_application",
            "title": "新しいセンサ",
            "occurred_on": datetime.date(2008, 10, 1),
            "application_number": "特願2008-999999",
            "country": "JP",
            "is_published": True,
        },
    )

    after = pages(client, region)
    assert after["home_patents"] == before["home_patents"] + 1
    assert after["funding_patents"] == before["funding_patents"] + 1


@pytest.mark.django_db
def test_withdrawn_publication_disappears_on_next_request(client, hq_user):
    region = hq_user.headquarters.region
    grant = factories.GrantFactory(region=region, fiscal_year=FISCAL_YEAR)
    project = factories.ProjectFactory(region=region)
    factories.ProjectBudgetFactory(project=project, grant=grant, allocated=70_000_000)
    before = pages(client, region)
    assert before["home_projects"] == 1
    assert before["funding_allocated"] == 70_000_000

    project_services.publication_set(user=hq_user, obj=project, publish=False, reason="確認中")

    after = pages(client, region)
    assert after["home_projects"] == 0
    assert after["funding_allocated"] == 0


@pytest.mark.django_db
def test_plain_model_save_as_in_the_admin_invalidates_the_cache(client):
    region, grant, _project = funded_region()
    pages(client, region)

    grant.amount = 800_000_000
    grant.save()

    assert pages(client, region)["home_granted"] == 800_000_000


@pytest.mark.django_db
def test_deleting_a_row_invalidates_the_cache(client):
    region, _grant, project = funded_region()
    assert pages(client, region)["home_patents"] == 1

    project.outcomes.all().delete()

    assert pages(client, region)["home_patents"] == 0


@pytest.mark.django_db
def test_explicit_invalidation_covers_bulk_updates_that_send_no_signal(client):
    region, grant, _project = funded_region()
    pages(client, region)
    ProjectBudget.objects.filter(grant=grant).update(allocated=120_000_000)
    # QuerySet.update() sends no signal: callers of bulk writes call derived.bulk_written(), which
    # rebuilds the rollups the public figures read and invalidates the cache.
    assert pages(client, region)["funding_allocated"] == 100_000_000
    derived.bulk_written(ProjectBudget)
    assert pages(client, region)["funding_allocated"] == 120_000_000


@pytest.mark.django_db
def test_cluster_map_is_cached_per_language(client):
    factories.RegionFactory(name="札幌クラスター", name_en="Sapporo Cluster")
    japanese = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert "札幌クラスター" in japanese
    assert "Sapporo Cluster" in english


# --- transactions: bump after commit, never for a rollback ----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_bump_happens_after_commit_and_once_per_transaction():
    _region, grant, project = funded_region()
    generation = portal_cache.data_generation()
    with transaction.atomic():
        grant.note = "更新"
        grant.save()
        budget_services.budget_allocate(project=project, fiscal_year=FISCAL_YEAR, allocated=90_000_000)
        assert portal_cache.data_generation() == generation  # not before the commit
    assert portal_cache.data_generation() == generation + 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_write_neither_invalidates_nor_corrupts_the_cached_pages(client):
    region, _grant, project = funded_region()
    before = pages(client, region)
    generation = portal_cache.data_generation()

    with pytest.raises(RuntimeError), transaction.atomic():
        budget_services.budget_allocate(project=project, fiscal_year=FISCAL_YEAR, allocated=300_000_000)
        raise RuntimeError("abandon the edit")

    assert portal_cache.data_generation() == generation
    assert pages(client, region) == before
    assert ProjectBudget.objects.get(project=project).allocated == 100_000_000


@pytest.mark.django_db(transaction=True)
def test_write_after_a_rolled_back_savepoint_still_invalidates(client):
    region, grant, project = funded_region()
    pages(client, region)
    generation = portal_cache.data_generation()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            grant.save()  # schedules a bump inside the savepoint ...
            raise RuntimeError("... which is rolled back with it")
        budget_services.budget_allocate(project=project, fiscal_year=FISCAL_YEAR, allocated=150_000_000)
    assert portal_cache.data_generation() == generation + 1
    assert pages(client, region)["funding_allocated"] == 150_000_000


@pytest.mark.django_db(transaction=True)
def test_service_refused_inside_its_transaction_bumps_nothing(client):
    region, _grant, project = funded_region()
    pages(client, region)
    generation = portal_cache.data_generation()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        budget_services.budget_allocate(project=project, fiscal_year=FISCAL_YEAR, allocated=900_000_000)
    assert portal_cache.data_generation() == generation
    assert pages(client, region)["funding_allocated"] == 100_000_000


# --- failures of the cache itself -----------------------------------------------------------------


UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.1, "socket_timeout": 0.1},
    }
}


@pytest.mark.django_db
def test_pages_still_work_when_the_cache_is_unreachable(client):
    region, grant, _project = funded_region()
    with override_settings(CACHES=UNREACHABLE_REDIS):
        assert pages(client, region)["home_granted"] == 500_000_000
        grant.amount = 550_000_000
        grant.save()  # the bump fails and is logged; the write is not affected
        assert pages(client, region)["home_granted"] == 550_000_000


@pytest.mark.django_db
def test_lost_generation_counter_restarts_above_every_earlier_value():
    from django.core.cache import cache

    first = portal_cache.data_generation()
    cache.delete(portal_cache.GENERATION_KEY)  # evicted by Redis, say
    assert portal_cache.data_generation() > first


@pytest.mark.django_db
def test_new_result_appears_on_next_request_of_results_list_organisations_and_search(client):
    _region, _grant, project = funded_region()
    company = factories.OrganizationFactory(company=True, name="株式会社キャッシュ試験")
    first_results = client.get("/results/").context["page"].paginator.count
    assert client.get("/search/?q=キャッシュ試験").context["total"] == 0
    organisations = client.get("/organizations/").context["page"].paginator.count

    factories.OutcomeFactory(project=project, company=company, title="キャッシュ試験の成果")

    assert client.get("/results/").context["page"].paginator.count == first_results + 1
    assert client.get("/search/?q=キャッシュ試験").context["total"] == 2  # the result and its company
    assert client.get("/organizations/").context["page"].paginator.count == organisations + 1


@pytest.mark.django_db
def test_cached_result_pages_keep_their_rows_in_order_across_pages(client):
    _region, _grant, project = funded_region()
    for day in range(1, 31):
        factories.OutcomeFactory(project=project, occurred_on=datetime.date(2009, 5, day))
    with override_settings(PUBLIC_PAGE_CACHE_TIMEOUT=0):  # the rows' cache, not the whole page's
        first = client.get("/results/").context["page"]
        second = client.get("/results/?page=2").context["page"]
        again = client.get("/results/?page=2").context["page"]  # rows from the cache
    assert first.paginator.count == second.paginator.count == 31
    assert [row.pk for row in again.object_list] == [row.pk for row in second.object_list]
    assert not {row.pk for row in first.object_list} & {row.pk for row in second.object_list}
    assert again.has_previous() and not again.has_next()


PUBLIC_URLS = ("/", "/clusters/", "/results/", "/organizations/", "/funding/", "/events/", "/search/?q=地域")


@pytest.mark.django_db
def test_public_pages_make_at_most_20_queries_cold_and_fewer_warm(client):
    region, _grant, _project = funded_region()
    for url in (*PUBLIC_URLS, f"/clusters/{region.slug}/"):
        cold = queries(client, url)
        warm = queries(client, url)
        assert cold <= 20, (url, cold)
        assert warm <= cold, (url, cold, warm)


# --- "last updated" ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_last_updated_is_the_newest_change_of_published_data_only():
    from django.utils import timezone

    from projects.models import Outcome

    assert stats.data_last_updated.uncached() is None  # nothing at all yet
    _region, _grant, project = funded_region()
    published_result = project.outcomes.get()
    newest_published = timezone.now() + datetime.timedelta(days=1)
    Outcome.objects.filter(pk=published_result.pk).update(updated_at=newest_published)
    hidden = factories.OutcomeFactory(project=factories.ProjectFactory(region=project.region, unpublished=True))
    Outcome.objects.filter(pk=hidden.pk).update(updated_at=newest_published + datetime.timedelta(days=5))

    assert stats.data_last_updated.uncached() == newest_published
