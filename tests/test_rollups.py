"""The per region × fiscal-year rollups (``projects.RegionYearFigures``) equal the base tables after
every kind of write — domain services, the import engine, the Django admin, bulk commands — and the
public figures read from them are the figures the base tables give (``tests/rollup_reference.py``
keeps the base-table versions the readers had before)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from cluster_portal import derived, integrity
from cluster_portal.tabular.services import data_import
from projects.models import JointResearchProject, Outcome, OutcomeKind, ProjectBudget, RegionYearFigures
from projects.rollups import compute_figures, refresh_region_years
from projects.services import budgets as budget_services
from projects.services import execution as execution_services
from projects.services import outcomes as outcome_services
from projects.services import projects as project_services
from public import stats
from public.views import browse
from regions.models import Grant, Region
from regions.services import grants as grant_services
from tests import factories, rollup_reference
from tests.abuse_helpers import fill, post_form

pytestmark = pytest.mark.django_db

YEAR = 2008


def rollups_match():
    found = integrity.violations(["rollups.match_base_tables"])
    assert found == [], [f"{item.record}: {item.detail}" for item in found]


def figures(region, year=YEAR) -> RegionYearFigures | None:
    return RegionYearFigures.objects.filter(region=region, fiscal_year=year).first()


@pytest.fixture
def funded(region, db):
    """A region selected on a call with envelopes for FY2008–2009, granted for 2008, one published project."""
    call = factories.CallFactory(fiscal_year=YEAR, status="closed")
    for year in (YEAR, YEAR + 1):
        factories.CallBudgetFactory(call=call, fiscal_year=year, envelope=2_000_000_000)
    factories.selected_region(call, region=region)
    grant = factories.GrantFactory(region=region, call=call, fiscal_year=YEAR, amount=500_000_000)
    project = factories.ProjectFactory(region=region, code="R-1")
    return {"call": call, "grant": grant, "project": project, "region": region}


# --- the domain services ----------------------------------------------------------------------------


def test_a_grant_and_its_amendment_show_in_the_rollup(funded, ministry_user):
    region = funded["region"]
    assert figures(region).granted == 500_000_000

    grant_services.grant_amend(user=ministry_user, grant=funded["grant"], new_amount=450_000_000, reason="減額")
    grant_services.grant_create(
        user=ministry_user, region=region, call=funded["call"], fiscal_year=YEAR + 1, amount=300_000_000
    )

    assert figures(region).granted == 450_000_000
    assert figures(region, YEAR + 1).granted == 300_000_000
    rollups_match()


def test_allocation_and_execution_through_the_services_show_in_the_rollup(funded, hq_user):
    project = funded["project"]
    budget = budget_services.budget_allocate(project=project, fiscal_year=YEAR, allocated=100_000_000)
    assert figures(funded["region"]).allocated == 100_000_000

    execution_services.expenditure_create(
        user=hq_user,
        budget_pk=budget.pk,
        data={"category": "equipment", "amount": 2_000_000, "spent_on": datetime.date(2008, 6, 1)},
    )
    execution_services.expenditures_record_batch(
        user=hq_user,
        batch="rollup-batch-1",
        lines=[
            execution_services.ExpenditureLine(
                row=n, budget_pk=budget.pk, category="travel", amount=100_000, spent_on=datetime.date(2008, 7, n)
            )
            for n in (1, 2, 3)
        ],
    )
    entry = budget.expenditures.order_by("pk").first()
    execution_services.expenditure_update(
        user=hq_user,
        expenditure_pk=entry.pk,
        expected_version=entry.version,
        data={"category": "equipment", "amount": 1_000_000, "spent_on": datetime.date(2008, 6, 1)},
    )

    row = figures(funded["region"])
    assert (row.allocated, row.executed, row.budgets) == (100_000_000, 1_300_000, 1)
    rollups_match()


def test_results_created_edited_moved_and_withdrawn_follow_in_the_rollup(funded, hq_user):
    project = funded["project"]
    outcome = outcome_services.outcome_create(
        user=hq_user,
        project=project,
        data={
            "kind": OutcomeKind.PAPER,
            "title": "論文",
            "occurred_on": datetime.date(2009, 3, 31),
            "is_published": True,
        },
    )
    assert figures(funded["region"]).results_paper == 1

    outcome = outcome_services.outcome_update(
        user=hq_user,
        outcome_pk=outcome.pk,
        expected_version=outcome.version,
        data={"kind": OutcomeKind.AWARD, "title": "受賞", "occurred_on": datetime.date(2009, 4, 1)},
    )
    assert figures(funded["region"]).results_paper == 0
    assert figures(funded["region"], YEAR + 1).results_award == 1  # 2009-04-01 is in FY2009

    project_services.publication_set(user=hq_user, obj=outcome, publish=False)
    assert figures(funded["region"], YEAR + 1) is None  # nothing left to count in FY2009
    rollups_match()


def test_withdrawing_a_project_takes_its_money_and_results_out_of_the_rollup(funded, hq_user):
    project = funded["project"]
    factories.ProjectBudgetFactory(project=project, grant=funded["grant"], allocated=10_000_000, executed=0)
    factories.OutcomeFactory(project=project, kind=OutcomeKind.PAPER, occurred_on=datetime.date(2008, 5, 1))
    assert (figures(funded["region"]).allocated, figures(funded["region"]).results_paper) == (10_000_000, 1)

    project_services.publication_set(user=hq_user, obj=project, publish=False)

    row = figures(funded["region"])
    assert (row.granted, row.allocated, row.results_paper) == (500_000_000, 0, 0)
    rollups_match()


def test_a_rolled_back_write_leaves_the_rollup_as_it_was(funded, ministry_user):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        grant_services.grant_amend(user=ministry_user, grant=funded["grant"], new_amount=100_000_000, reason="減額")
        raise RuntimeError
    assert figures(funded["region"]).granted == 500_000_000
    rollups_match()


# --- the import engine --------------------------------------------------------------------------------


def csv_bytes(*lines) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def imported(admin_user, resource, *lines, dry_run=False):
    report = data_import(user=admin_user, resource=resource, data=csv_bytes(*lines), file_format="csv", dry_run=dry_run)
    assert report.ok, [str(issue) for issue in report.errors]
    return report


def test_budgets_expenditures_and_results_imported_show_in_the_rollup(funded, admin_user):
    imported(admin_user, "budgets", "プロジェクトコード,年度,配分額（円）,執行額（円）", "R-1,2008,200000000,")
    imported(
        admin_user,
        "expenditures",
        "執行コード,プロジェクトコード,年度,費目,執行日,金額（円）,内容",
        ",R-1,2008,設備費,2008-06-01,300000,分析装置",
        ",R-1,2008,旅費,2009-03-31,50000,出張",
    )
    imported(
        admin_user,
        "outcomes",
        "成果コード,プロジェクトコード,種別,名称,年月日,公開",
        ",R-1,paper,論文A,2008-10-01,1",
        ",R-1,paper,論文B,2009-01-10,1",
    )

    row = figures(funded["region"])
    assert (row.allocated, row.executed) == (200_000_000, 350_000)
    assert row.results_paper == Outcome.objects.published().filter(project=funded["project"], kind="paper").count()
    rollups_match()


def test_a_preview_import_changes_no_rollup(funded, admin_user):
    before = list(RegionYearFigures.objects.values())
    imported(
        admin_user, "budgets", "プロジェクトコード,年度,配分額（円）,執行額（円）", "R-1,2008,200000000,", dry_run=True
    )
    assert list(RegionYearFigures.objects.values()) == before


# --- the Django admin -----------------------------------------------------------------------------


def admin_post(client, url, overrides):
    response = client.get(url)
    assert response.status_code == 200, url
    data, _ = fill(post_form(response.content.decode(), url, url), None, overrides=overrides)
    data.pop("_continue", None)
    data.pop("_addanother", None)
    return client.post(url, data)


def test_admin_add_change_and_delete_refresh_the_rollup(funded, admin_user, client):
    client.force_login(admin_user)
    project = funded["project"]
    add = reverse("admin:projects_outcome_add")
    response = admin_post(
        client,
        add,
        {
            "project": str(project.pk),
            "kind": OutcomeKind.PAPER,
            "title": "管理画面の論文",
            "occurred_on": "2008-08-01",
            "is_published": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    outcome = Outcome.objects.get(title="管理画面の論文")
    assert figures(funded["region"]).results_paper == 1

    change = reverse("admin:projects_outcome_change", args=[outcome.pk])
    response = admin_post(client, change, {"kind": OutcomeKind.STARTUP, "occurred_on": "2009-05-01"})
    assert response.status_code == 302
    assert figures(funded["region"]).results_paper == 0
    assert figures(funded["region"], YEAR + 1).results_startup == 1

    response = client.post(reverse("admin:projects_outcome_delete", args=[outcome.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert figures(funded["region"], YEAR + 1) is None
    rollups_match()


def test_admin_budget_change_and_bulk_delete_refresh_the_rollup(funded, admin_user, client):
    client.force_login(admin_user)
    budget = factories.ProjectBudgetFactory(
        project=funded["project"], grant=funded["grant"], allocated=10_000_000, executed=0
    )
    response = admin_post(
        client, reverse("admin:projects_projectbudget_change", args=[budget.pk]), {"allocated": "20000000"}
    )
    assert response.status_code == 302
    assert figures(funded["region"]).allocated == 20_000_000

    response = client.post(
        reverse("admin:projects_projectbudget_changelist"),
        {"action": "delete_selected", "_selected_action": [budget.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not ProjectBudget.objects.exists()
    assert figures(funded["region"]).allocated == 0
    rollups_match()


def test_the_rollups_cannot_be_edited_in_the_admin(funded, admin_user, client):
    client.force_login(admin_user)
    row = figures(funded["region"])
    assert client.get(reverse("admin:projects_regionyearfigures_changelist")).status_code == 200
    assert client.get(reverse("admin:projects_regionyearfigures_add")).status_code == 403
    client.post(reverse("admin:projects_regionyearfigures_change", args=[row.pk]), {"granted": "1"})
    assert figures(funded["region"]).granted == 500_000_000


# --- bulk writes and the refresh itself ---------------------------------------------------------------


def test_a_bulk_write_is_caught_up_by_bulk_written(funded):
    Grant.objects.filter(pk=funded["grant"].pk).update(amount=123)
    assert integrity.violations(["rollups.match_base_tables"])  # what check_integrity reports

    derived.bulk_written(Grant)

    assert figures(funded["region"]).granted == 123
    rollups_match()


def test_writes_inside_deferred_are_refreshed_once_at_its_end(funded, django_assert_max_num_queries):
    project = funded["project"]
    with derived.deferred():
        for day in range(1, 6):
            factories.OutcomeFactory(project=project, kind=OutcomeKind.PAPER, occurred_on=datetime.date(2008, 5, day))
        assert figures(funded["region"]).results_paper == 0  # not yet
    assert figures(funded["region"]).results_paper == 5
    rollups_match()


def test_refresh_is_idempotent_and_exact(funded):
    factories.OutcomeFactory(project=funded["project"], kind=OutcomeKind.PAPER, occurred_on=datetime.date(2008, 5, 1))
    before = list(RegionYearFigures.objects.values(*RegionYearFigures.FIGURES, "region_id", "fiscal_year"))
    refresh_region_years([(funded["region"].pk, YEAR), (funded["region"].pk, 1999)])
    refresh_region_years(None)
    assert list(RegionYearFigures.objects.values(*RegionYearFigures.FIGURES, "region_id", "fiscal_year")) == before
    assert set(compute_figures(None)) == {(funded["region"].pk, YEAR)}


# --- the readers: the same figures as the base tables gave --------------------------------------------


def assert_readers_agree_with_the_base_tables():
    rollups_match()
    span = stats.fiscal_year_span.uncached()
    assert span is not None
    assert span == rollup_reference.fiscal_year_span()
    first, last = span
    ranges = {(first, last), (first, first), (last, last), (first + 1, last - 1), (first - 5, last + 5)}
    regions = [None, *Region.objects.published().values_list("pk", flat=True)]
    assert stats.key_figures.uncached() == rollup_reference.key_figures()
    for start, end in ranges:
        assert stats.region_comparison.uncached(start, end) == rollup_reference.region_comparison(start, end)
        for region_id in regions:
            assert stats.funding_flow.uncached(start, end, region_id) == rollup_reference.funding_flow(
                start, end, region_id
            ), (start, end, region_id)
            assert stats.public_funding_by_year.uncached(
                start, end, region_id
            ) == rollup_reference.public_funding_by_year(start, end, region_id)
    for region_id in regions[1:]:
        assert stats.public_region_funding.uncached(region_id) == rollup_reference.public_region_funding(region_id)
    # The results browser: its fiscal years, and its counts by kind narrowed by kind, year and cluster
    # (``result_rows`` counts the base table, as it still does when an organisation or text narrows it).
    assert browse.result_years.uncached() == rollup_reference.result_years()
    slugs = ["", *Region.objects.published().values_list("slug", flat=True)]
    for year in ("", first, last, last + 1):
        for slug in slugs:
            for kind in ("", OutcomeKind.PAPER, OutcomeKind.PATENT_APPLICATION):
                expected = browse.result_rows(kind, year, slug, "", "").order_by().counts_by_kind()
                assert browse.result_kind_counts.uncached(kind, year, slug, "", "") == expected, (year, slug, kind)


def test_readers_agree_with_the_base_tables_on_factories(funded, other_region):
    project = funded["project"]
    factories.ProjectBudgetFactory(project=project, grant=funded["grant"], allocated=30_000_000, executed=1_000_000)
    hidden = factories.ProjectFactory(region=funded["region"], is_published=False)
    factories.ProjectBudgetFactory(project=hidden, grant=funded["grant"], allocated=5_000_000, executed=0)
    for kind, day in [
        (OutcomeKind.PATENT_APPLICATION, datetime.date(2008, 4, 1)),
        (OutcomeKind.COMMERCIALIZATION, datetime.date(2009, 3, 31)),
        (OutcomeKind.PAPER, datetime.date(2010, 1, 1)),
    ]:
        factories.OutcomeFactory(project=project, kind=kind, occurred_on=day, application_number=f"特願{day}")
    factories.OutcomeFactory(
        project=project, kind=OutcomeKind.PAPER, occurred_on=datetime.date(2008, 9, 1), is_published=False
    )
    factories.OutcomeFactory(project=hidden, kind=OutcomeKind.PAPER, occurred_on=datetime.date(2008, 9, 1))
    factories.GrantFactory(region=other_region, fiscal_year=2011, amount=0)  # a 0-yen grant still shows its year
    unpublished = factories.RegionFactory(unpublished=True)
    factories.GrantFactory(region=unpublished, fiscal_year=YEAR, amount=7)

    assert_readers_agree_with_the_base_tables()


def test_readers_agree_with_the_base_tables_on_the_demo_data():
    call_command("load_demo", "--allow-without-debug", stdout=io.StringIO())
    assert JointResearchProject.objects.published().exists()
    assert_readers_agree_with_the_base_tables()
