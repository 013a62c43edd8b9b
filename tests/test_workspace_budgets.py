"""Allocation within the grant, execution entries with a running total, overrun reasons and history."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from projects.models import Expenditure, ExpenseCategory, ProjectBudget
from projects.services.budgets import budget_allocate
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def grant(region):
    return factories.GrantFactory(region=region, fiscal_year=2008, amount=100_000_000)


@pytest.fixture
def project(region):
    return factories.ProjectFactory(region=region)


def post_allocation(client, project, allocated, **extra):
    data = {"form_token": f"tok-{project.pk}-{allocated}-{extra.get('n', 0)}-padding", "fiscal_year": 2008}
    data["allocated"] = allocated
    return client.post(reverse("workspace:budget_create", args=[project.pk]), data)


def test_allocation_page_shows_remaining_grant_without_javascript(client, hq_user, grant, project):
    factories.ProjectBudgetFactory(
        project=factories.ProjectFactory(region=project.region), grant=grant, allocated=30_000_000
    )
    client.force_login(hq_user)
    page = client.get(reverse("workspace:budget_create", args=[project.pk])).content.decode()
    assert "70,000,000円" in page  # remaining, rendered by the server
    assert 'data-remaining="70000000"' in page


def test_allocation_within_grant_is_saved_with_history_user(client, hq_user, grant, project):
    client.force_login(hq_user)
    response = post_allocation(client, project, "60,000,000")
    budget = ProjectBudget.objects.get(project=project)
    assert response.status_code == 302
    assert budget.allocated == 60_000_000
    (record,) = budget.history.all()
    assert record.history_user == hq_user


def test_over_allocation_is_refused_with_the_remaining_amount_and_nothing_saved(client, hq_user, grant, project):
    other = factories.ProjectFactory(region=project.region)
    factories.ProjectBudgetFactory(project=other, grant=grant, allocated=80_000_000)
    client.force_login(hq_user)
    response = post_allocation(client, project, "30000000")
    assert response.status_code == 400
    page = response.content.decode()
    assert "配分額が交付決定額を超えます" in page
    assert "20,000,000円" in page
    assert not ProjectBudget.objects.filter(project=project).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "金額は0円以上で入力してください。"),
        ("abc", "金額は半角または全角の数字（円単位の整数）で入力してください。"),
        ("1.5", "金額は半角または全角の数字（円単位の整数）で入力してください。"),
        ("", "金額を入力してください。"),
    ],
)
def test_bad_amounts_are_refused_with_japanese_messages(client, hq_user, grant, project, value, message):
    client.force_login(hq_user)
    response = post_allocation(client, project, value)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProjectBudget.objects.exists()


def test_full_width_digits_and_commas_are_accepted(client, hq_user, grant, project):
    client.force_login(hq_user)
    post_allocation(client, project, "１，０００，０００円")
    assert ProjectBudget.objects.get(project=project).allocated == 1_000_000


def test_second_new_allocation_for_same_year_is_refused(client, hq_user, grant, project):
    factories.ProjectBudgetFactory(project=project, grant=grant, allocated=10)
    client.force_login(hq_user)
    response = post_allocation(client, project, "20")
    assert response.status_code == 400
    assert "既に登録されています" in response.content.decode()
    assert ProjectBudget.objects.get(project=project).allocated == 10


def post_expenditure(client, budget, amount, *, token, reason="", spent_on="2008-07-01"):
    return client.post(
        reverse("workspace:expenditure_create", args=[budget.pk]),
        {
            "form_token": token,
            "category": ExpenseCategory.TRAVEL,
            "amount": amount,
            "spent_on": spent_on,
            "description": "出張",
            "overrun_reason": reason,
        },
    )


def test_expenditures_update_executed_and_show_a_running_total(client, hq_user, grant, project):
    budget = factories.ProjectBudgetFactory(project=project, grant=grant, allocated=5_000_000)
    client.force_login(hq_user)
    post_expenditure(client, budget, "1000000", token="a" * 20)
    post_expenditure(client, budget, "2500000", token="b" * 20)
    budget.refresh_from_db()
    assert budget.executed == 3_500_000
    page = client.get(reverse("workspace:budget_detail", args=[budget.pk])).content.decode()
    assert "1,000,000円" in page and "3,500,000円" in page  # running total after the second row
    assert [h.history_user for h in Expenditure.history.all()] == [hq_user, hq_user]
    assert budget.history.filter(history_user=hq_user).count() == 2


def test_execution_above_allocation_needs_a_reason(client, hq_user, grant, project):
    budget = factories.ProjectBudgetFactory(project=project, grant=grant, allocated=1_000_000)
    client.force_login(hq_user)
    response = post_expenditure(client, budget, "1500000", token="c" * 20)
    assert response.status_code == 400
    assert "理由を入力してください" in response.content.decode()
    assert not Expenditure.objects.exists()
    budget.refresh_from_db()
    assert budget.executed == 0
    response = post_expenditure(client, budget, "1500000", token="d" * 20, reason="装置価格の上昇")
    assert response.status_code == 302
    budget.refresh_from_db()
    assert (budget.executed, budget.overrun_reason) == (1_500_000, "装置価格の上昇")


def test_expenditure_outside_the_fiscal_year_is_refused(client, hq_user, grant, project):
    budget = factories.ProjectBudgetFactory(project=project, grant=grant, allocated=1_000_000)
    client.force_login(hq_user)
    response = post_expenditure(client, budget, "100", token="e" * 20, spent_on="2010-01-01")
    assert response.status_code == 400
    assert "期間内の日付" in response.content.decode()
    assert not Expenditure.objects.exists()


def test_correcting_an_expenditure_keeps_history_and_recomputes_executed(client, hq_user, grant, project):
    budget = factories.ProjectBudgetFactory(project=project, grant=grant, allocated=5_000_000)
    client.force_login(hq_user)
    post_expenditure(client, budget, "1000000", token="f" * 20)
    expenditure = Expenditure.objects.get()
    response = client.post(
        reverse("workspace:expenditure_edit", args=[expenditure.pk]),
        {
            "form_token": "g" * 20,
            "version": expenditure.version,
            "category": ExpenseCategory.EQUIPMENT,
            "amount": "900000",
            "spent_on": "2008-07-01",
        },
    )
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.executed == 900_000
    assert [h.amount for h in expenditure.history.order_by("history_date")] == [1_000_000, 900_000]
    page = client.get(reverse("workspace:expenditure_edit", args=[expenditure.pk])).content.decode()
    assert "1,000,000 → 900,000" in page  # the timeline


def test_there_is_no_way_to_delete_financial_records(grant, project):
    from django.db.models import ProtectedError

    from workspace.urls import urlpatterns

    # the one delete of the workspace is a receipt attached by mistake (a file, not a financial row)
    assert [pattern.name for pattern in urlpatterns if "delete" in str(pattern.pattern)] == ["receipt_delete"]
    budget = factories.ProjectBudgetFactory(project=project, grant=grant)
    expenditure = factories.ExpenditureFactory(budget=budget)
    factories.ReceiptFactory(expenditure=expenditure)
    with pytest.raises(ProtectedError):
        expenditure.delete()
    with pytest.raises(ProtectedError):
        budget.delete()
    with pytest.raises(ProtectedError):
        grant.delete()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocations_never_exceed_the_grant():
    region = factories.RegionFactory()
    grant = factories.GrantFactory(region=region, fiscal_year=2008, amount=100_000_000)
    projects = [factories.ProjectFactory(region=region) for _ in range(4)]
    barrier = threading.Barrier(len(projects))
    outcomes = []

    def allocate(project):
        try:
            barrier.wait()
            budget_allocate(project=project, fiscal_year=2008, allocated=40_000_000)
            outcomes.append("ok")
        except Exception as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(project,)) for project in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 2
    assert outcomes.count("ValidationError") == 2
    assert grant.allocated_total() == 80_000_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_posts_from_two_users_never_exceed_the_grant():
    from django.test import Client

    region = factories.RegionFactory()
    grant = factories.GrantFactory(region=region, fiscal_year=2008, amount=100_000_000)
    headquarters = factories.HeadquartersFactory(region=region)
    users = [factories.UserFactory(hq=True, headquarters=headquarters) for _ in range(2)]
    projects = [factories.ProjectFactory(region=region) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses = []

    def post(user, project):
        client = Client()
        client.force_login(user)
        barrier.wait()
        response = post_allocation(client, project, "60000000")
        statuses.append(response.status_code)
        connection.close()

    threads = [threading.Thread(target=post, args=pair) for pair in zip(users, projects, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302, 400]
    assert grant.allocated_total() == 60_000_000
