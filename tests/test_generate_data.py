"""``manage.py generate_data``: the scaled counts, determinism, the grant rule, bulk inserts,
marked names, refusing or replacing a second run, and removing exactly the synthetic rows."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Sum
from django.test.utils import CaptureQueriesContext
from simple_history.utils import get_history_model_for_model

from coordinators.models import Coordinator
from demo.synthetic import (
    FIRST_FISCAL_YEAR,
    FISCAL_YEARS,
    PROGRAM_CODE,
    SYNTHETIC,
    Scale,
    grant_rule_violations,
    synthetic_counts,
    synthetic_fingerprint,
    synthetic_summary,
)
from projects.models import JointResearchProject, Outcome, Participation, ProjectBudget
from regions.models import Grant, Organization, Program, Region
from tests import factories

pytestmark = pytest.mark.django_db

SMALL = ("--scale", "0.05", "--regions", "2")


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate_data", *args, stdout=out)
    return out.getvalue()


# ---------------------------------------------------------------------------
# Sizes


def test_scale_one_and_ten_give_the_documented_sizes():
    one, ten = Scale.from_factor(1), Scale.from_factor(10)

    assert (one.regions, one.projects, one.participations, one.outcomes, one.coordinators) == (
        10,
        1_000,
        4_000,
        10_000,
        50,
    )
    assert (ten.regions, ten.projects, ten.participations, ten.outcomes, ten.coordinators) == (
        100,
        10_000,
        40_000,
        100_000,
        500,
    )
    assert one.fiscal_years == ten.fiscal_years == 20


def test_small_run_creates_the_scaled_number_of_rows():
    scale = Scale.from_factor(0.05, regions=2)

    output = generate(*SMALL)

    counts = synthetic_counts()
    assert counts["regions.Region"] == 2
    assert counts["projects.JointResearchProject"] == scale.projects == 50
    assert counts["projects.Participation"] == scale.participations == 200
    assert counts["projects.Outcome"] == scale.outcomes == 500
    assert counts["regions.Grant"] == 2 * FISCAL_YEARS
    assert counts["coordinators.Coordinator"] == scale.coordinators
    assert counts["regions.Program"] == 1
    assert counts["projects.ProjectBudget"] > 0
    assert "Synthetic data ready in" in output
    assert "projects.Outcome" in output and "500" in output


def test_every_region_has_twenty_fiscal_years_of_grants_and_budgets():
    generate(*SMALL)

    for region in Region.objects.filter(program__code=PROGRAM_CODE):
        grant_years = sorted(region.grants.values_list("fiscal_year", flat=True))
        budget_years = set(
            ProjectBudget.objects.filter(project__region=region).values_list("grant__fiscal_year", flat=True)
        )
        assert len(grant_years) == FISCAL_YEARS
        assert budget_years == set(grant_years)


@pytest.mark.parametrize("args", [("--scale", "0"), ("--scale", "-1"), ("--scale", "abc"), ("--scale", "nan")])
def test_bad_scale_is_refused_without_writing(args):
    with pytest.raises(CommandError):
        generate(*args)

    assert not Program.objects.filter(code=PROGRAM_CODE).exists()


def test_zero_regions_or_batch_size_is_refused():
    with pytest.raises(CommandError):
        generate("--regions", "0")
    with pytest.raises(CommandError):
        generate("--scale", "0.05", "--batch-size", "0")
    assert not Program.objects.filter(code=PROGRAM_CODE).exists()


# ---------------------------------------------------------------------------
# Determinism


def test_two_runs_give_the_same_counts_sums_and_rows():
    generate(*SMALL)
    first_summary, first_fingerprint = synthetic_summary(), synthetic_fingerprint()

    generate("--flush-synthetic")
    assert set(synthetic_counts().values()) == {0}

    generate(*SMALL)
    assert synthetic_summary() == first_summary
    assert synthetic_fingerprint() == first_fingerprint
    assert first_summary["granted_yen"] > first_summary["allocated_yen"] > first_summary["executed_yen"] > 0


def test_other_data_in_the_database_does_not_change_the_generated_rows():
    generate(*SMALL)
    alone = synthetic_fingerprint()
    generate("--flush-synthetic")

    factories.ProjectBudgetFactory()
    factories.OutcomeFactory(patent=True)
    generate(*SMALL)

    assert synthetic_fingerprint() == alone


# ---------------------------------------------------------------------------
# Rules


def test_allocations_never_exceed_the_grant_of_their_region_and_year():
    generate(*SMALL)

    assert grant_rule_violations() == []
    for grant in Grant.objects.filter(region__program__code=PROGRAM_CODE).annotate(
        allocated_sum=Sum("budgets__allocated")
    ):
        assert (grant.allocated_sum or 0) <= grant.amount


def test_budgets_and_projects_stay_within_their_region():
    generate(*SMALL)

    assert not ProjectBudget.objects.exclude(grant__region=F("project__region")).exists()
    assert not ProjectBudget.objects.filter(executed__gt=F("allocated")).exists()
    assert not ProjectBudget.objects.filter(grant__fiscal_year__lt=F("project__start_date__year") - 1).exists()


def test_grant_rule_check_finds_an_overallocated_year():
    budget = factories.ProjectBudgetFactory(allocated=100_000_000)
    Grant.objects.filter(pk=budget.grant_id).update(amount=99_999_999)

    assert grant_rule_violations() == [(budget.project.region.slug, budget.grant.fiscal_year, 99_999_999, 100_000_000)]


def test_generated_rows_pass_model_validation():
    generate(*SMALL)

    for model in (Region, JointResearchProject, Outcome, ProjectBudget, Coordinator, Organization):
        for obj in model.objects.filter(pk__in=model.objects.order_by("pk").values("pk")[:30]):
            obj.full_clean()


def test_generated_names_are_marked_synthetic():
    generate(*SMALL)

    querysets = [
        (Region.objects.filter(slug__startswith="syn-"), "name"),
        (Organization.objects.filter(slug__startswith="syn-"), "name"),
        (JointResearchProject.objects.filter(code__startswith="SYN-"), "title"),
        (Outcome.objects.filter(project__code__startswith="SYN-"), "title"),
        (Coordinator.objects.filter(code__startswith="syn-c"), "name"),
    ]
    for queryset, name_field in querysets:
        names = list(queryset.values_list(name_field, flat=True))
        assert names
        assert all(name.startswith(SYNTHETIC) for name in names)


def test_inserts_are_batched_so_queries_grow_far_slower_than_rows():
    def queries_and_rows(scale: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            generate("--scale", scale, "--regions", "1")
        rows = sum(synthetic_counts().values())
        generate("--flush-synthetic")
        return len(queries), rows

    small_queries, small_rows = queries_and_rows("0.02")
    large_queries, large_rows = queries_and_rows("0.1")

    assert large_rows - small_rows > 1_000
    # SQLite caps one INSERT at 999 parameters (about 40 outcomes); PostgreSQL takes a whole batch.
    assert (large_queries - small_queries) * 20 <= large_rows - small_rows


def test_history_records_are_written_for_financial_rows():
    generate(*SMALL)

    for model in (Grant, ProjectBudget, Outcome):
        history = get_history_model_for_model(model)
        assert history.objects.count() == model.objects.count() > 0


# ---------------------------------------------------------------------------
# Second run, replace and flush


def test_second_run_is_refused_while_synthetic_rows_exist():
    generate(*SMALL)
    counts = synthetic_counts()

    with pytest.raises(CommandError, match="--replace"):
        generate(*SMALL)

    assert synthetic_counts() == counts


def test_replace_removes_and_generates_again():
    generate(*SMALL)
    fingerprint = synthetic_fingerprint()

    output = generate("--replace", *SMALL)

    assert "Removed" in output
    assert synthetic_fingerprint() == fingerprint


def test_flush_removes_synthetic_rows_and_history_but_keeps_other_data():
    own_budget = factories.ProjectBudgetFactory()
    own_outcome = factories.OutcomeFactory(project=own_budget.project)
    generate(*SMALL)

    generate("--flush-synthetic")

    assert set(synthetic_counts().values()) == {0}
    assert list(Region.objects.all()) == [own_budget.project.region]
    assert list(ProjectBudget.objects.all()) == [own_budget]
    assert list(Outcome.objects.all()) == [own_outcome]
    assert get_history_model_for_model(Outcome).objects.count() == 1
    assert get_history_model_for_model(Grant).objects.count() == 1
    assert not Participation.objects.filter(project__code__startswith="SYN-").exists()


def test_flush_refuses_when_other_rows_refer_to_synthetic_data_and_deletes_nothing():
    generate(*SMALL)
    counts = synthetic_counts()
    factories.ProgressReportFactory(project=JointResearchProject.objects.filter(code__startswith="SYN-").first())

    with pytest.raises(CommandError, match="refer to them"):
        generate("--flush-synthetic")

    assert synthetic_counts() == counts


def test_flush_refuses_when_a_budget_has_expenditures_and_deletes_nothing():
    generate(*SMALL)
    counts = synthetic_counts()
    factories.ExpenditureFactory(budget=ProjectBudget.objects.filter(project__code__startswith="SYN-").first())

    with pytest.raises(CommandError, match="refer to them"):
        generate("--flush-synthetic")

    assert synthetic_counts() == counts


def test_flush_without_synthetic_rows_does_nothing():
    region = factories.RegionFactory()

    output = generate("--flush-synthetic")

    assert "Removed 0 synthetic rows" in output
    assert list(Region.objects.all()) == [region]


# ---------------------------------------------------------------------------
# Next to the demo data


def test_synthetic_rows_do_not_collide_with_the_demo_and_leave_it_alone():
    generate(*SMALL)
    fingerprint, counts = synthetic_fingerprint(), synthetic_counts()

    call_command("load_demo", "--allow-without-debug", stdout=io.StringIO())

    # Nothing load_demo wrote carries a synthetic prefix or touched a synthetic row.
    assert synthetic_counts() == counts
    assert synthetic_fingerprint() == fingerprint
    demo_regions = set(Region.objects.exclude(slug__startswith="syn-").values_list("slug", flat=True))
    demo_projects = set(JointResearchProject.objects.exclude(code__startswith="SYN-").values_list("code", flat=True))
    demo_organizations = set(Organization.objects.exclude(slug__startswith="syn-").values_list("slug", flat=True))
    demo_grants = set(Grant.objects.exclude(region__slug__startswith="syn-").values_list("region__slug", "fiscal_year"))
    assert len(demo_regions) >= 22 and len(demo_projects) >= 100
    assert not any(code.upper().startswith("SYN-") for code in demo_projects)
    assert not Program.objects.filter(code=PROGRAM_CODE, regions__slug__in=demo_regions).exists()

    generate("--flush-synthetic")

    assert set(Region.objects.values_list("slug", flat=True)) == demo_regions
    assert set(JointResearchProject.objects.values_list("code", flat=True)) == demo_projects
    assert set(Organization.objects.values_list("slug", flat=True)) == demo_organizations
    assert set(Grant.objects.values_list("region__slug", "fiscal_year")) == demo_grants


def test_generated_data_passes_every_invariant_and_narrows():
    from public.stats import funding_flow

    generate(*SMALL)

    out = io.StringIO()
    call_command("check_integrity", stdout=out, stderr=out)
    assert "invariants hold." in out.getvalue()
    flow = funding_flow(FIRST_FISCAL_YEAR, FIRST_FISCAL_YEAR + FISCAL_YEARS - 1)
    stages = [flow.requested, flow.selected, flow.granted, flow.allocated, flow.executed]
    assert stages == sorted(stages, reverse=True) and flow.executed > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner statistics are PostgreSQL's")
def test_postgresql_has_planner_statistics_for_the_generated_rows_right_away():
    # Without them the planner guesses, and a load test right after the command measures sequential
    # scans no running portal (with autovacuum) has.
    def estimated_rows(table):
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return cursor.fetchone()[0]

    output = generate(*SMALL)

    assert "planner statistics refreshed" in output
    assert estimated_rows(Outcome._meta.db_table) == Outcome.objects.count() > 0
