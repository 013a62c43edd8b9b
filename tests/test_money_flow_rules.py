"""The rules of the money flow and of plausible dates, each enforced once in the model
(``clean()`` + ``Meta.constraints``) and so on every path that validates: the regression
cases of the integrity issue, through the services the screens use."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from cluster_portal.fields import YEN_MAX
from coordinators import services as coordinator_services
from projects.models import Outcome, OutcomeKind, ProgressReport
from projects.services import outcomes as outcome_services
from projects.services import reports as report_services
from regions.models import CallStatus, Decision, Evaluation, Grant
from regions.services import evaluations as evaluation_services
from regions.services import grants as grant_services
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def japanese():
    with translation.override("ja"):
        yield


def messages(error: ValidationError) -> str:
    return " ".join(message for messages in error.message_dict.values() for message in messages)


# --- grants exist only for a region selected on a call that covers the year -----------------


@pytest.fixture
def call():
    call = factories.CallFactory(fiscal_year=2024, status=CallStatus.CLOSED)
    factories.CallBudgetFactory(call=call, fiscal_year=2024, envelope=1_000_000_000)
    return call


def test_grant_for_a_region_not_selected_is_refused_and_nothing_is_saved(call, ministry_user):
    region = factories.RegionFactory()
    proposal = factories.ProposalFactory(call=call, region=region, status="not_selected")
    factories.SelectionDecisionFactory(proposal=proposal, decision=Decision.NOT_SELECTED)

    with pytest.raises(ValidationError) as excinfo:
        grant_services.grant_create(user=ministry_user, region=region, call=call, fiscal_year=2024, amount=1_000)

    assert "この地域はこの公募で採択されていません" in messages(excinfo.value)
    assert not Grant.objects.exists()


def test_grant_for_a_region_that_never_applied_is_refused(call, ministry_user):
    region = factories.RegionFactory()
    with pytest.raises(ValidationError) as excinfo:
        grant_services.grant_create(user=ministry_user, region=region, call=call, fiscal_year=2024, amount=1_000)
    assert "採択されていません" in messages(excinfo.value)
    assert not Grant.objects.exists()


def test_grant_dated_before_the_selection_is_refused(call, ministry_user):
    region = factories.selected_region(call)
    with pytest.raises(ValidationError) as excinfo:
        grant_services.grant_create(
            user=ministry_user,
            region=region,
            call=call,
            fiscal_year=2024,
            amount=1_000,
            decided_on=datetime.date(1990, 1, 1),
        )
    assert "交付決定日は採択決定日" in messages(excinfo.value)
    assert not Grant.objects.exists()


def test_grant_of_a_selected_region_within_the_envelope_is_saved(call, ministry_user):
    region = factories.selected_region(call)
    grant = grant_services.grant_create(user=ministry_user, region=region, call=call, fiscal_year=2024, amount=1_000)
    assert Grant.objects.get() == grant


def test_grant_on_a_draft_call_is_refused():
    call = factories.CallFactory(fiscal_year=2024, status=CallStatus.DRAFT)
    factories.CallBudgetFactory(call=call, fiscal_year=2024)
    region = factories.selected_region(call)
    grant = Grant(region=region, call=call, fiscal_year=2024, amount=1_000)
    with pytest.raises(ValidationError) as excinfo:
        grant.full_clean()
    assert "下書きの公募" in messages(excinfo.value)


def test_grant_outside_the_envelope_years_names_the_years_that_have_one(call):
    region = factories.selected_region(call)
    with pytest.raises(ValidationError) as excinfo:
        Grant(region=region, call=call, fiscal_year=2030, amount=1_000).full_clean()
    assert "予算枠のある年度：2024年度" in messages(excinfo.value)


def test_grant_without_a_call_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        Grant(region=factories.RegionFactory(), fiscal_year=2024, amount=1_000).full_clean()
    assert "採択された公募を指定してください" in messages(excinfo.value)


# --- money: integer yen from 0 to the ceiling, with a message that states it ----------------


@pytest.mark.parametrize("amount", [9 * 10**18, YEN_MAX + 1, -1])
def test_amount_outside_the_ceiling_is_refused_with_the_ceiling_stated(call, amount):
    region = factories.selected_region(call)
    with pytest.raises(ValidationError) as excinfo:
        Grant(region=region, call=call, fiscal_year=2024, amount=amount).full_clean()
    text = messages(excinfo.value)
    assert "10兆円（10,000,000,000,000円）以下" in text
    assert "9223372036854775807" not in text


def test_envelope_above_the_ceiling_is_refused(call):
    envelope = call.budgets.get()
    envelope.envelope = 9 * 10**18
    with pytest.raises(ValidationError) as excinfo:
        envelope.full_clean()
    assert "10兆円" in messages(excinfo.value)


# --- plausible dates ---------------------------------------------------------------------------


@pytest.fixture
def project_fy2011(region):
    return factories.ProjectFactory(
        region=region, start_date=datetime.date(2011, 4, 1), end_date=datetime.date(2012, 3, 31)
    )


@pytest.mark.parametrize("fiscal_year", [1999, 2010, 2012, 2100])
def test_progress_report_outside_the_project_period_is_refused(hq_user, project_fy2011, fiscal_year):
    with pytest.raises(ValidationError) as excinfo:
        report_services.report_create(
            user=hq_user,
            project=project_fy2011,
            data={"fiscal_year": fiscal_year, "half": "H1", "narrative": "進捗"},
            milestones=[],
        )
    assert "プロジェクトの実施期間（2011年度（平成23年度）〜2011年度（平成23年度））" in messages(excinfo.value)
    assert not ProgressReport.objects.exists()


def test_progress_report_within_the_project_period_is_saved(hq_user, project_fy2011):
    report = report_services.report_create(
        user=hq_user,
        project=project_fy2011,
        data={"fiscal_year": 2011, "half": "H1", "narrative": "進捗"},
        milestones=[],
    )
    assert report.pk


def test_outcome_dated_in_the_future_is_refused(hq_user, project_fy2011):
    with pytest.raises(ValidationError) as excinfo:
        outcome_services.outcome_create(
            user=hq_user,
            project=project_fy2011,
            data={
                "kind": OutcomeKind.PAPER,
                "title": "未来の論文",
                "occurred_on": datetime.date(2099, 1, 1),
                "is_published": True,
            },
        )
    assert f"今日（{timezone.localdate().isoformat()}）より後の日付は入力できません" in messages(excinfo.value)
    assert not Outcome.objects.exists()


def test_activity_before_the_coordinators_term_is_refused(hq_user, region):
    coordinator = factories.CoordinatorFactory(
        region=region, term_start=datetime.date(2008, 4, 1), term_end=datetime.date(2011, 3, 31)
    )
    organization = factories.OrganizationFactory()
    with pytest.raises(ValidationError) as excinfo:
        coordinator_services.activity_create(
            user=hq_user,
            coordinator=coordinator,
            data={"held_on": datetime.date(2007, 5, 1), "title": "面談", "result": "continued"},
            organizations=[organization],
        )
    assert "任期（2008-04-01〜2011-03-31）内の日付" in messages(excinfo.value)
    assert not coordinator.activities.exists()


def test_evaluation_dated_before_the_year_it_evaluates_is_refused(ministry_user, region):
    with pytest.raises(ValidationError) as excinfo:
        evaluation_services.evaluation_save(
            user=ministry_user,
            region=region,
            kind="interim",
            fiscal_year=2020,
            grade="A",
            summary="順調",
            recommendation="continue",
            evaluated_on=datetime.date(2001, 6, 1),
        )
    assert "2020年度（令和2年度）の開始（2020-04-01）以降の日付" in messages(excinfo.value)
    assert not Evaluation.objects.exists()


# --- 執行額 is derived from the expenditure entries, never imported ---------------------------

BUDGET_HEADER = "プロジェクトコード,年度,配分額（円）,執行額（円）,執行額が配分額を超える理由"


def _import_budgets(user, *lines):
    from cluster_portal.tabular.services import data_import

    data = ("\r\n".join((BUDGET_HEADER, *lines)) + "\r\n").encode()
    return data_import(user=user, resource="budgets", data=data, file_format="csv", encoding="auto", dry_run=False)


@pytest.fixture
def spent_budget(region):
    """A budget whose two expenditure entries total 31,698,035 yen."""
    grant = factories.GrantFactory(region=region, fiscal_year=2011, amount=100_000_000)
    project = factories.ProjectFactory(region=region, code="HAM2-J01")
    budget = factories.ProjectBudgetFactory(project=project, grant=grant, allocated=40_000_000, executed=31_698_035)
    factories.ExpenditureFactory(budget=budget, amount=30_000_000, spent_on=datetime.date(2011, 6, 1))
    factories.ExpenditureFactory(budget=budget, amount=1_698_035, spent_on=datetime.date(2011, 9, 1))
    return budget


def test_budget_import_cannot_overwrite_the_executed_sum(admin_user, spent_budget):
    report = _import_budgets(admin_user, "HAM2-J01,2011,30000000,0,")

    assert not report.ok
    text = " ".join(str(issue) for issue in report.errors)
    assert "執行額は執行（費目別）の合計から計算されるため" in text and "31,698,035円" in text
    spent_budget.refresh_from_db()
    assert (spent_budget.allocated, spent_budget.executed) == (40_000_000, 31_698_035)


def test_budget_import_cannot_invent_execution_without_entries(admin_user, region):
    grant = factories.GrantFactory(region=region, fiscal_year=2011, amount=100_000_000)
    factories.ProjectFactory(region=region, code="HAM2-J02")

    report = _import_budgets(admin_user, "HAM2-J02,2011,1000000,999999,")

    assert not report.ok
    assert not grant.budgets.exists()


def test_budget_import_with_a_blank_executed_cell_keeps_the_derived_sum(admin_user, spent_budget):
    report = _import_budgets(admin_user, "HAM2-J01,2011,35000000,,")

    assert report.ok, [str(issue) for issue in report.errors]
    spent_budget.refresh_from_db()
    assert (spent_budget.allocated, spent_budget.executed) == (35_000_000, 31_698_035)


def test_exported_budgets_import_back_unchanged(admin_user, spent_budget):
    from cluster_portal.tabular.services import data_export, data_import

    exported = data_export(user=admin_user, resource="budgets", file_format="csv")
    report = data_import(
        user=admin_user, resource="budgets", data=exported.content, file_format="csv", encoding="auto", dry_run=False
    )
    assert report.ok and report.unchanged == 1, [str(issue) for issue in report.errors]


# --- the admin: 執行額 is read-only and follows the entries ----------------------------------


def _admin_form(client, url) -> dict:
    """The admin change form as the browser would submit it unchanged (Django's own test pattern)."""
    response = client.get(url)
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        data[name] = "" if value is None else value
    return data


def test_admin_shows_executed_read_only_and_recomputes_it_from_the_entries(client, admin_user, spent_budget):
    from django.urls import reverse

    client.force_login(admin_user)
    budget_url = reverse("admin:projects_projectbudget_change", args=[spent_budget.pk])
    assert "executed" not in client.get(budget_url).context["adminform"].form.fields

    entry = spent_budget.expenditures.order_by("pk").first()
    url = reverse("admin:projects_expenditure_change", args=[entry.pk])
    data = {**_admin_form(client, url), "amount": "29000000", "spent_on": "2011-06-01"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    spent_budget.refresh_from_db()
    assert spent_budget.executed == 29_000_000 + 1_698_035


def test_admin_refuses_an_entry_that_overruns_the_allocation_without_a_reason(client, admin_user, spent_budget):
    from django.urls import reverse

    client.force_login(admin_user)
    entry = spent_budget.expenditures.order_by("pk").first()
    url = reverse("admin:projects_expenditure_change", args=[entry.pk])
    data = {**_admin_form(client, url), "amount": "50000000", "spent_on": "2011-06-01"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "予算に理由を入力してください" in response.content.decode()
    spent_budget.refresh_from_db()
    assert spent_budget.executed == 31_698_035
    entry.refresh_from_db()
    assert entry.amount == 30_000_000


def test_admin_never_deletes_an_expenditure(client, admin_user, spent_budget):
    from django.urls import reverse

    client.force_login(admin_user)
    entry = spent_budget.expenditures.first()
    assert client.get(reverse("admin:projects_expenditure_delete", args=[entry.pk])).status_code == 403


# --- call envelopes: lines can be removed unless grants use them; drafts count nowhere ---------


def _envelope_lines(call) -> str:
    return "\n".join(f"{budget.fiscal_year},{budget.envelope}" for budget in call.budgets.order_by("fiscal_year"))


def test_removing_an_envelope_line_on_the_call_form_removes_it(client, ministry_user):
    from django.urls import reverse

    from tests.test_ministry_journey import open_call_with_budget
    from tests.test_stale_edits import open_form

    call = open_call_with_budget()
    client.force_login(ministry_user)
    url = reverse("ministry:call_edit", args=[call.code])
    data = {**open_form(client, url), "budgets_text": "2030,2000000000\n2031,2000000000"}
    assert client.post(url, data).status_code == 302
    assert sorted(call.budgets.values_list("fiscal_year", flat=True)) == [2030, 2031]


def test_an_envelope_line_that_grants_use_cannot_be_removed(client, ministry_user):
    from django.urls import reverse

    from tests.test_ministry_journey import open_call_with_budget
    from tests.test_stale_edits import open_form

    call = open_call_with_budget()
    region = factories.selected_region(call)
    factories.GrantFactory(region=region, call=call, fiscal_year=2034, amount=1_000)
    lines_before = _envelope_lines(call)
    client.force_login(ministry_user)
    url = reverse("ministry:call_edit", args=[call.code])
    response = client.post(url, {**open_form(client, url), "budgets_text": "2030,2000000000"})
    assert response.status_code == 400
    assert "2034年度の予算枠は交付決定（1件）が使っているため削除できません" in response.content.decode()
    assert _envelope_lines(call) == lines_before


def test_draft_calls_count_in_no_envelope_total():
    from regions.services.grants import envelope_by_fiscal_year

    open_call = factories.CallFactory(fiscal_year=2024, status=CallStatus.OPEN)
    factories.CallBudgetFactory(call=open_call, fiscal_year=2024, envelope=1_000)
    draft = factories.CallFactory(fiscal_year=2024, status=CallStatus.DRAFT)
    factories.CallBudgetFactory(call=draft, fiscal_year=2024, envelope=9_000)
    assert [(row.fiscal_year, row.envelope) for row in envelope_by_fiscal_year()] == [(2024, 1_000)]
