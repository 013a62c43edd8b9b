"""Property-based: random interleavings of the writes of a fiscal year's money flow — allocations,
expenditures (create and edit, on screen and by import: new lines and corrections by their code;
entries are never deleted), grant amendments, budget imports, progress reports (create and edit),
results (created, moved to another date or project) and project publication — through the services
and the import engine. Whatever each step is refused or accepted, after every step
``check_integrity`` finds nothing (``cluster_portal.integrity``)."""

import contextlib
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from cluster_portal import integrity
from cluster_portal.tabular.services import data_import
from projects.models import Expenditure, JointResearchProject, Outcome, ProgressReport, ProjectBudget
from projects.services import budgets as budget_services
from projects.services import execution as execution_services
from projects.services import outcomes as outcome_services
from projects.services import projects as project_services
from projects.services import reports as report_services
from regions.services import grants as grant_services
from tests import factories

FISCAL_YEAR = 2011
AMOUNTS = st.integers(min_value=0, max_value=60_000_000)
DAYS = st.integers(min_value=-30, max_value=400)  # some outside the fiscal year: the rule must refuse them


class MoneyFlow(RuleBasedStateMachine):
    """One region selected on a call, granted for one fiscal year, with two projects."""

    @initialize()
    def region(self):
        call = factories.CallFactory(fiscal_year=FISCAL_YEAR, status="closed")
        factories.CallBudgetFactory(call=call, fiscal_year=FISCAL_YEAR, envelope=200_000_000)
        region = factories.selected_region(call)
        self.grant = factories.GrantFactory(region=region, call=call, fiscal_year=FISCAL_YEAR, amount=100_000_000)
        self.projects = [factories.ProjectFactory(region=region) for _ in range(2)]
        self.ministry = factories.UserFactory(ministry=True)
        self.hq = factories.UserFactory(hq=True, headquarters=factories.HeadquartersFactory(region=region))
        self.admin = factories.UserFactory(administrator=True)

    def attempt(self, write):
        """A refusal is fine (the rule held); what matters is the state afterwards."""
        with contextlib.suppress(ValidationError):
            write()

    @rule(index=st.integers(0, 1), allocated=AMOUNTS, reason=st.sampled_from(["", "為替差損", "年度末の減額"]))
    def allocate(self, index, allocated, reason):
        self.attempt(
            lambda: budget_services.budget_allocate(
                project=self.projects[index], fiscal_year=FISCAL_YEAR, allocated=allocated, overrun_reason=reason
            )
        )

    @rule(index=st.integers(0, 1), amount=AMOUNTS, day=DAYS, reason=st.sampled_from(["", "為替差損"]))
    def spend(self, index, amount, day, reason):
        budget = ProjectBudget.objects.filter(project=self.projects[index]).first()
        if budget is None:
            return
        data = {
            "category": "equipment",
            "amount": amount,
            "spent_on": datetime.date(FISCAL_YEAR, 4, 1) + datetime.timedelta(days=day),
            "description": "試験",
        }
        self.attempt(
            lambda: execution_services.expenditure_create(
                user=self.hq, budget_pk=budget.pk, data=data, overrun_reason=reason
            )
        )

    @rule(pick=st.integers(min_value=0), amount=AMOUNTS, reason=st.sampled_from(["", "為替差損"]))
    def correct_an_entry(self, pick, amount, reason):
        entries = list(Expenditure.objects.filter(budget__project__in=self.projects).order_by("pk"))
        if not entries:
            return
        entry = entries[pick % len(entries)]
        data = {"category": entry.category, "amount": amount, "spent_on": entry.spent_on, "description": "訂正"}
        self.attempt(
            lambda: execution_services.expenditure_update(
                user=self.hq,
                expenditure_pk=entry.pk,
                expected_version=entry.version,
                data=data,
                overrun_reason=reason,
            )
        )

    @rule(new_amount=st.integers(min_value=0, max_value=250_000_000))
    def amend_the_grant(self, new_amount):
        self.grant.refresh_from_db()
        self.attempt(
            lambda: grant_services.grant_amend(
                user=self.ministry, grant=self.grant, new_amount=new_amount, reason="変更"
            )
        )

    @rule(index=st.integers(0, 1), allocated=AMOUNTS, executed=st.one_of(st.none(), AMOUNTS))
    def import_a_budget_row(self, index, allocated, executed):
        cell = "" if executed is None else str(executed)
        row = f"{self.projects[index].code},{FISCAL_YEAR},{allocated},{cell},"
        data = f"プロジェクトコード,年度,配分額（円）,執行額（円）,執行額が配分額を超える理由\r\n{row}\r\n".encode()
        data_import(user=self.admin, resource="budgets", data=data, file_format="csv", encoding="auto", dry_run=False)

    @rule(
        index=st.integers(0, 1),
        pick=st.one_of(st.none(), st.integers(min_value=0)),
        amount=AMOUNTS,
        day=DAYS,
    )
    def import_an_expenditure_row(self, index, pick, amount, day):
        """A new line (blank code) or a correction of an existing entry by its code, as from Excel."""
        entries = list(Expenditure.objects.filter(budget__project__in=self.projects).order_by("pk"))
        code, project = "", self.projects[index]
        if pick is not None and entries:
            entry = entries[pick % len(entries)]
            code, project = entry.code, entry.budget.project
        spent_on = datetime.date(FISCAL_YEAR, 4, 1) + datetime.timedelta(days=day)
        row = f"{code},{project.code},{FISCAL_YEAR},equipment,{spent_on.isoformat()},{amount},取込"
        data = f"執行コード,プロジェクトコード,年度,費目,執行日,金額（円）,内容\r\n{row}\r\n".encode()
        data_import(user=self.admin, resource="expenditures", data=data, file_format="csv", dry_run=False)

    @rule(pick=st.integers(min_value=0), fiscal_year=st.integers(min_value=2005, max_value=2016))
    def edit_a_report(self, pick, fiscal_year):
        reports = list(ProgressReport.objects.filter(project__in=self.projects).order_by("pk"))
        if not reports:
            return
        report = reports[pick % len(reports)]
        self.attempt(
            lambda: report_services.report_update(
                user=self.hq,
                report_pk=report.pk,
                expected_version=report.version,
                data={"fiscal_year": fiscal_year, "half": report.half, "narrative": "訂正"},
                milestones=[],
            )
        )

    @rule(index=st.integers(0, 1), fiscal_year=st.integers(min_value=2005, max_value=2016))
    def report(self, index, fiscal_year):
        self.attempt(
            lambda: report_services.report_create(
                user=self.hq,
                project=self.projects[index],
                data={"fiscal_year": fiscal_year, "half": "H1", "narrative": "進捗"},
                milestones=[],
            )
        )

    @rule(
        index=st.integers(0, 1),
        kind=st.sampled_from(["paper", "award", "presentation"]),
        day=st.integers(min_value=0, max_value=700),
        published=st.booleans(),
    )
    def record_a_result(self, index, kind, day, published):
        """Results count in the per region × fiscal-year rollups (``rollups.match_base_tables``)."""
        occurred_on = datetime.date(FISCAL_YEAR, 4, 1) + datetime.timedelta(days=day)
        self.attempt(
            lambda: outcome_services.outcome_create(
                user=self.hq,
                project=self.projects[index],
                data={"kind": kind, "title": "成果", "occurred_on": occurred_on, "is_published": published},
            )
        )

    @rule(pick=st.integers(min_value=0), day=st.integers(min_value=0, max_value=700), index=st.integers(0, 1))
    def move_a_result(self, pick, day, index):
        """Another date (perhaps the next fiscal year) and perhaps the other project."""
        outcomes = list(Outcome.objects.filter(project__in=self.projects).order_by("pk"))
        if not outcomes:
            return
        outcome = outcomes[pick % len(outcomes)]
        occurred_on = datetime.date(FISCAL_YEAR, 4, 1) + datetime.timedelta(days=day)
        self.attempt(
            lambda: outcome_services.outcome_update(
                user=self.hq,
                outcome_pk=outcome.pk,
                expected_version=outcome.version,
                data={
                    "project": self.projects[index],
                    "kind": outcome.kind,
                    "title": outcome.title,
                    "occurred_on": occurred_on,
                },
            )
        )

    @rule(index=st.integers(0, 1), publish=st.booleans())
    def publish_a_project(self, index, publish):
        project = JointResearchProject.objects.get(pk=self.projects[index].pk)
        with contextlib.suppress(ValidationError, PermissionDenied):
            project_services.publication_set(user=self.hq, obj=project, publish=publish)

    @invariant()
    def every_invariant_holds(self):
        if hasattr(self, "grant"):
            assert integrity.violations() == []


class MoneyFlowTest(TestCase):
    def test_no_interleaving_of_writes_breaks_an_invariant(self):
        run_state_machine_as_test(
            MoneyFlow,
            settings=settings(max_examples=15, stateful_step_count=10, deadline=None, database=None),
        )
