"""The rules of the money flow and of plausible dates, each enforced once in the model
(``clean()`` + ``Meta.constraints``) and so on every path that validates: the regression
cases of the integrity issue, through the services the screens use."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from cluster_portal.fields import YEN_MAX
from coordinators import services as coordinator_services
from projects import services as project_services
from projects.models import Outcome, OutcomeKind, ProgressReport
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
        project_services.report_create(
            user=hq_user,
            project=project_fy2011,
            data={"fiscal_year": fiscal_year, "half": "H1", "narrative": "進捗"},
            milestones=[],
        )
    assert "プロジェクトの実施期間（2011年度（平成23年度）〜2011年度（平成23年度））" in messages(excinfo.value)
    assert not ProgressReport.objects.exists()


def test_progress_report_within_the_project_period_is_saved(hq_user, project_fy2011):
    report = project_services.report_create(
        user=hq_user,
        project=project_fy2011,
        data={"fiscal_year": 2011, "half": "H1", "narrative": "進捗"},
        milestones=[],
    )
    assert report.pk


def test_outcome_dated_in_the_future_is_refused(hq_user, project_fy2011):
    with pytest.raises(ValidationError) as excinfo:
        project_services.outcome_create(
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
