"""``manage.py check_integrity``: silent and exit 0 on coherent data; after each kind of
deliberate corruption (a ``QuerySet.update()`` that bypasses every rule) it names the row
and exits 1."""

import contextlib
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from cluster_portal import integrity
from cluster_portal.fields import YEN_MAX
from coordinators.models import CoordinationActivity, Coordinator
from projects.models import Expenditure, Outcome, ProgressReport, ProjectBudget
from regions.models import (
    Call,
    CallBudget,
    CallStatus,
    Decision,
    Evaluation,
    EvaluationKind,
    Grant,
    ProposalStatus,
    Recommendation,
    SelectionDecision,
    SupportDecision,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def coherent():
    """One region selected on a call, granted within the envelope, one project allocated
    within the grant with two expenditures, a report, a result, a coordinator's activity."""
    call = factories.CallFactory(code="phase2-test", fiscal_year=2008, status=CallStatus.CLOSED)
    factories.CallBudgetFactory(call=call, fiscal_year=2008, envelope=1_000_000_000)
    region = factories.RegionFactory(slug="test-region")
    proposal = factories.ProposalFactory(call=call, region=region, status=ProposalStatus.SELECTED)
    factories.SelectionDecisionFactory(proposal=proposal, decision=Decision.SELECTED)
    grant = factories.GrantFactory(region=region, call=call, fiscal_year=2008, amount=500_000_000)
    project = factories.ProjectFactory(region=region, code="TEST-001")
    budget = factories.ProjectBudgetFactory(project=project, grant=grant, allocated=100_000_000, executed=3_000_000)
    factories.ExpenditureFactory(budget=budget, amount=1_000_000, spent_on=datetime.date(2008, 6, 1))
    factories.ExpenditureFactory(budget=budget, amount=2_000_000, spent_on=datetime.date(2009, 3, 31))
    factories.ProgressReportFactory(project=project, fiscal_year=2008)
    factories.OutcomeFactory(project=project, occurred_on=datetime.date(2009, 7, 1))
    coordinator = factories.CoordinatorFactory(
        region=region, code="test-c01", term_start=datetime.date(2008, 4, 1), term_end=datetime.date(2011, 3, 31)
    )
    factories.CoordinationActivityFactory(coordinator=coordinator, held_on=datetime.date(2008, 9, 1))
    factories.EvaluationFactory(region=region, fiscal_year=2009, evaluated_on=datetime.date(2010, 1, 15))
    # a confirmed 重点支援 decision that raised the FY2008 grant from 450,000,000 to 500,000,000 yen
    focus = factories.EvaluationFactory(
        region=region,
        kind=EvaluationKind.FINAL,
        fiscal_year=2008,
        recommendation=Recommendation.FOCUS,
        evaluated_on=datetime.date(2008, 10, 1),
    )
    support = factories.SupportDecisionFactory(
        evaluation=focus, start_fiscal_year=2008, end_fiscal_year=2008, annual_amount=50_000_000, confirmed=True
    )
    factories.GrantAmendmentFactory(
        grant=grant, previous_amount=450_000_000, new_amount=500_000_000, support_decision=support
    )
    return {"call": call, "grant": grant, "budget": budget, "coordinator": coordinator, "support": support}


def run(*args) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("check_integrity", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def test_coherent_data_passes_every_invariant(coherent):
    code, output = run()
    assert code == 0, output
    assert f"All {len(integrity.REGISTRY)} invariants hold." in output


def test_every_invariant_is_listed_with_its_rule():
    code, output = run("--list")
    assert code == 0
    listed = [line.split("\t")[0] for line in output.splitlines()]
    assert listed == sorted(integrity.REGISTRY)
    assert {"budget.executed_is_sum", "budget.within_grant", "grant.traces_to_selection", "money.range"} <= set(listed)


def test_unknown_invariant_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"unknown invariant: no\.such"):
        call_command("check_integrity", "no.such")


def _corrupt_executed(data):
    ProjectBudget.objects.filter(pk=data["budget"].pk).update(executed=0)


def _corrupt_allocation(data):
    ProjectBudget.objects.filter(pk=data["budget"].pk).update(allocated=600_000_000)


@contextlib.contextmanager
def constraint_off(model, name):
    """Lift one CHECK constraint for the rest of the test (a database restored from elsewhere, say)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # transactional DDL: the test's rollback restores it
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending deferred checks on the table
            cursor.execute(f'ALTER TABLE "{model._meta.db_table}" DROP CONSTRAINT "{name}"')
        yield
    else:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")


def test_database_refuses_an_overrun_without_reason(coherent):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectBudget.objects.filter(pk=coherent["budget"].pk).update(executed=200_000_000)


def _corrupt_overrun(data):
    with constraint_off(ProjectBudget, "projectbudget_overrun_needs_reason"):
        ProjectBudget.objects.filter(pk=data["budget"].pk).update(executed=200_000_000)
    Expenditure.objects.filter(budget=data["budget"]).update(amount=100_000_000)


def _corrupt_selection(data):
    SelectionDecision.objects.update(decision=Decision.NOT_SELECTED)


def _corrupt_call_year(data):
    Grant.objects.filter(pk=data["grant"].pk).update(fiscal_year=2009)


def _corrupt_draft_call(data):
    Call.objects.filter(pk=data["call"].pk).update(status=CallStatus.DRAFT)


def _corrupt_envelope(data):
    CallBudget.objects.filter(call=data["call"]).update(envelope=400_000_000)


def test_database_refuses_money_above_the_ceiling(coherent):
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.filter(pk=coherent["grant"].pk).update(amount=YEN_MAX + 1)


def _corrupt_money(data):
    with constraint_off(Grant, "grant_amount_yen_range"):
        Grant.objects.filter(pk=data["grant"].pk).update(amount=YEN_MAX + 1)


def _corrupt_spent_on(data):
    Expenditure.objects.filter(budget=data["budget"]).update(spent_on=datetime.date(2010, 4, 1))


def _corrupt_report_year(data):
    ProgressReport.objects.update(fiscal_year=1999)


def _corrupt_outcome_date(data):
    Outcome.objects.update(occurred_on=datetime.date.today() + datetime.timedelta(days=1))


def _corrupt_activity(data):
    CoordinationActivity.objects.update(held_on=datetime.date(2001, 1, 1))


def _corrupt_evaluation(data):
    Evaluation.objects.filter(kind=EvaluationKind.INTERIM).update(fiscal_year=2029)


def _corrupt_rollup(data):
    """A grant changed behind the rollups' back (a bulk UPDATE that did not call ``derived.bulk_written``)."""
    Grant.objects.filter(pk=data["grant"].pk).update(amount=450_000_000)


def _corrupt_support(data):
    """The decision's amount changed after its amendment was made (500,000,000 − 450,000,000 ≠ 60,000,000)."""
    SupportDecision.objects.filter(pk=data["support"].pk).update(annual_amount=60_000_000)


def _corrupt_foreign_grant(data):
    other = factories.GrantFactory(fiscal_year=2008, amount=500_000_000)
    ProjectBudget.objects.filter(pk=data["budget"].pk).update(grant=other)


CORRUPTIONS = [
    ("budget.executed_is_sum", _corrupt_executed, "予算 TEST-001 2008年度"),
    ("budget.within_grant", _corrupt_allocation, "交付決定 test-region 2008年度"),
    ("budget.overrun_has_reason", _corrupt_overrun, "予算 TEST-001 2008年度"),
    ("budget.grant_of_own_region", _corrupt_foreign_grant, "予算 TEST-001 2008年度"),
    ("grant.traces_to_selection", _corrupt_selection, "交付決定 test-region 2008年度"),
    ("grant.call_covers_year", _corrupt_call_year, "交付決定 test-region 2009年度"),
    ("grant.call_not_draft", _corrupt_draft_call, "交付決定 test-region 2008年度"),
    ("call.envelope_not_exceeded", _corrupt_envelope, "公募 phase2-test 2008年度"),
    ("money.range", _corrupt_money, "regions.Grant #"),
    ("expenditure.in_fiscal_year", _corrupt_spent_on, "執行 予算 TEST-001 2008年度"),
    ("report.fiscal_year_in_period", _corrupt_report_year, "進捗報告 TEST-001 1999年度"),
    ("outcome.not_in_future", _corrupt_outcome_date, "成果 "),
    ("activity.within_term", _corrupt_activity, "活動 test-c01 2001-01-01"),
    ("evaluation.dated_in_or_after_year", _corrupt_evaluation, "評価 test-region interim 2029年度"),
    ("rollups.match_base_tables", _corrupt_rollup, "集計 test-region 2008年度"),
    ("support.amendments_match_decision", _corrupt_support, "重点支援の決定 test-region final 2008年度"),
]


def test_every_invariant_has_a_corruption_case():
    assert {code for code, _corrupt, _record in CORRUPTIONS} == set(integrity.REGISTRY)


@pytest.mark.parametrize(("code", "corrupt", "record"), CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_corruption_is_named_and_fails_the_command(coherent, code, corrupt, record):
    corrupt(coherent)
    exit_code, output = run()
    assert exit_code == 1
    lines = [line for line in output.splitlines() if line.startswith(code + "\t")]
    assert lines, output
    assert record in lines[0]
    assert f"✗ {code}:" in output
    # only the corrupted invariant (and ones it implies) is reported
    assert "invariants broken." in output


def test_one_invariant_can_be_checked_alone(coherent):
    _corrupt_executed(coherent)
    assert run("budget.within_grant")[0] == 0
    assert run("budget.executed_is_sum")[0] == 1


def test_coordinator_without_term_accepts_any_date(coherent):
    Coordinator.objects.update(term_start=None, term_end=None)
    CoordinationActivity.objects.update(held_on=datetime.date(2001, 1, 1))
    assert run("activity.within_term")[0] == 0


def test_support_decision_rule_names_missing_extra_and_draft_amendments(coherent):
    support = coherent["support"]
    SupportDecision.objects.filter(pk=support.pk).update(end_fiscal_year=2009)
    code, output = run("support.amendments_match_decision")
    assert code == 1 and "2009年度（平成21年度）の交付決定の増額がありません" in output
    SupportDecision.objects.filter(pk=support.pk).update(end_fiscal_year=2008)
    factories.GrantAmendmentFactory(
        grant=coherent["grant"], previous_amount=500_000_000, new_amount=550_000_000, support_decision=support
    )
    code, output = run("support.amendments_match_decision")
    assert code == 1 and "2008年度（平成20年度）の交付決定の変更が2件あります" in output
    support.amendments.order_by("-pk").first().delete()
    SupportDecision.objects.filter(pk=support.pk).update(status="draft", confirmed_at=None, confirmed_by=None)
    code, output = run("support.amendments_match_decision")
    assert code == 1 and "下書きなのに交付決定の変更が1件あります" in output
