"""Rules that hold in the database, not only in forms."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import translation

from projects.models import ProjectBudget
from projects.services.budgets import budget_allocate
from projects.services.execution import expenditure_create
from regions.models import Grant
from tests import factories

pytestmark = pytest.mark.django_db


def test_negative_grant_amount_is_rejected_by_the_database():
    region = factories.RegionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.create(region=region, fiscal_year=2008, amount=-1)


def test_negative_allocation_is_rejected_by_the_database():
    budget = factories.ProjectBudgetFactory()
    ProjectBudget.objects.filter(pk=budget.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectBudget.objects.filter(pk=budget.pk).update(allocated=-5)


def test_negative_amount_is_refused_with_a_japanese_message_by_full_clean():
    grant = factories.GrantFactory.build(region=factories.RegionFactory(), amount=-100)
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        grant.full_clean()
    assert "amount" in excinfo.value.message_dict


def test_over_allocation_is_refused_with_remaining_amount_and_nothing_saved():
    project = factories.ProjectFactory()
    factories.GrantFactory(region=project.region, fiscal_year=2008, amount=300_000_000)
    other = factories.ProjectFactory(region=project.region)
    budget_allocate(project=other, fiscal_year=2008, allocated=200_000_000)

    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        budget_allocate(project=project, fiscal_year=2008, allocated=150_000_000)

    message = excinfo.value.message_dict["allocated"][0]
    assert "交付決定額を超えます" in message
    assert "100,000,000円" in message
    assert not ProjectBudget.objects.filter(project=project).exists()


def test_allocation_up_to_the_grant_is_accepted():
    project = factories.ProjectFactory()
    factories.GrantFactory(region=project.region, fiscal_year=2008, amount=300_000_000)
    budget = budget_allocate(project=project, fiscal_year=2008, allocated=300_000_000)
    assert budget.allocated == 300_000_000
    # Changing one's own allocation is measured against the others, not itself.
    budget = budget_allocate(project=project, fiscal_year=2008, allocated=250_000_000)
    assert ProjectBudget.objects.get(pk=budget.pk).allocated == 250_000_000


def test_allocation_without_a_grant_for_the_year_is_refused():
    project = factories.ProjectFactory()
    with pytest.raises(ValidationError) as excinfo:
        budget_allocate(project=project, fiscal_year=2030, allocated=1)
    assert "grant" in excinfo.value.message_dict


def test_executed_above_allocated_needs_a_reason_in_the_database():
    budget = factories.ProjectBudgetFactory(allocated=100, executed=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectBudget.objects.filter(pk=budget.pk).update(executed=101)
    ProjectBudget.objects.filter(pk=budget.pk).update(executed=101, overrun_reason="為替差損")
    assert ProjectBudget.objects.get(pk=budget.pk).executed == 101


def test_executed_above_allocated_without_reason_is_refused_by_the_service():
    project = factories.ProjectFactory()
    factories.GrantFactory(region=project.region, fiscal_year=2008, amount=1_000)
    budget = budget_allocate(project=project, fiscal_year=2008, allocated=500)
    hq_user = factories.UserFactory(hq=True, headquarters=factories.HeadquartersFactory(region=project.region))
    data = {"category": "equipment", "amount": 600, "spent_on": datetime.date(2008, 6, 1), "description": ""}
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        expenditure_create(user=hq_user, budget_pk=budget.pk, data=data)
    assert "理由" in excinfo.value.message_dict["overrun_reason"][0]
    budget.refresh_from_db()
    assert (budget.executed, budget.expenditures.count()) == (0, 0)


def test_an_allocation_cut_below_execution_needs_a_reason_of_its_own():
    """The reason recorded for an earlier overrun does not cover a new cut (the integrity issue's case)."""
    project = factories.ProjectFactory()
    factories.GrantFactory(region=project.region, fiscal_year=2008, amount=100_000_000)
    budget = budget_allocate(project=project, fiscal_year=2008, allocated=40_000_000, overrun_reason="為替差損")
    hq_user = factories.UserFactory(hq=True, headquarters=factories.HeadquartersFactory(region=project.region))
    data = {"category": "equipment", "amount": 31_698_035, "spent_on": datetime.date(2008, 6, 1), "description": ""}
    expenditure_create(user=hq_user, budget_pk=budget.pk, data=data)
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        budget_allocate(project=project, fiscal_year=2008, allocated=31_697_935, overrun_reason="為替差損")
    assert "この変更の理由を入力してください" in excinfo.value.message_dict["overrun_reason"][0]
    budget.refresh_from_db()
    assert budget.allocated == 40_000_000
    budget = budget_allocate(project=project, fiscal_year=2008, allocated=31_697_935, overrun_reason="年度末の減額")
    assert (budget.allocated, budget.executed, budget.overrun_reason) == (31_697_935, 31_698_035, "年度末の減額")


def test_protect_keeps_a_grant_that_has_allocations():
    budget = factories.ProjectBudgetFactory()
    with pytest.raises(ProtectedError):
        budget.grant.delete()
    assert Grant.objects.filter(pk=budget.grant_id).exists()


def test_project_codes_are_unique():
    factories.ProjectFactory(code="HAM-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ProjectFactory(code="HAM-001")


def test_region_slugs_are_unique():
    factories.RegionFactory(slug="hamamatsu")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.RegionFactory(slug="hamamatsu")


def test_one_grant_per_region_and_fiscal_year():
    grant = factories.GrantFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.create(region=grant.region, fiscal_year=grant.fiscal_year, amount=1)


def test_duplicate_patent_application_number_is_refused():
    factories.OutcomeFactory(patent=True, application_number="特願2009-000001")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.OutcomeFactory(patent=True, application_number="特願2009-000001")


def test_project_end_before_start_is_refused():
    import datetime

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ProjectFactory(start_date=datetime.date(2009, 4, 1), end_date=datetime.date(2009, 3, 1))
