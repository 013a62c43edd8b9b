"""The annual results report (実績報告書) of one region for one fiscal year: what the ministry receives.

It gathers every domain app (projects and participants, budgets and execution, outcomes, events,
coordinators' activities), so it lives in the highest domain app; the screens (the workspace page,
the ministry page, the PDF job in dataio) only render it.

The budget figures follow the budget overview (workspace/views/budgets.py): 配分額 and 執行額 are the
budgets' own columns (執行額 = Σ of the expenditures, kept by the domain service), the per-category
figures are Σ of the expenditures per 費目 — so the report's totals equal the overview's for the year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, Sum

from cluster_portal.fiscal import fiscal_year_bounds
from coordinators.models import CoordinationActivity
from projects.models import Expenditure, ExpenseCategory, JointResearchProject, Outcome, Participation, ProjectBudget
from projects.models.outcomes import OutcomeKind
from regions.models import Event, Grant, Region

PATENT_KINDS = (OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED)


@dataclass
class BudgetTotals:
    allocated: int = 0
    executed: int = 0
    by_category: list[int] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.allocated - self.executed


@dataclass
class AnnualReport:
    region: Region
    fiscal_year: int
    grant: Grant | None
    projects: list
    budgets: list
    categories: list[str]
    totals: BudgetTotals
    category_rows: list[tuple[str, int]]
    patents: list
    papers: list
    other_outcomes: list
    events: list
    activities: list

    @property
    def grant_amount(self) -> int:
        return self.grant.amount if self.grant else 0


def report_years(region: Region) -> list[int]:
    """Fiscal years the region has a grant for (newest first): the years a report can be made for."""
    return list(
        Grant.objects.of_region(region.pk).order_by("-fiscal_year").values_list("fiscal_year", flat=True).distinct()
    )


def annual_report(region: Region, fiscal_year: int) -> AnnualReport:
    """Everything the 実績報告書 of ``region`` for ``fiscal_year`` shows, in a fixed number of queries."""
    first, last = fiscal_year_bounds(fiscal_year)
    grant = Grant.objects.of_region(region.pk).filter(fiscal_year=fiscal_year).first()
    budgets = list(
        ProjectBudget.objects.of_region(region.pk)
        .filter(grant__fiscal_year=fiscal_year)
        .select_related("project")
        .order_by("project__code")
    )
    spent: dict[int, dict[str, int]] = {}
    for line in (
        Expenditure.objects.of_region(region.pk)
        .filter(budget__grant__fiscal_year=fiscal_year)
        .order_by()
        .values("budget_id", "category")
        .annotate(total=Sum("amount"))
    ):
        spent.setdefault(line["budget_id"], {})[line["category"]] = line["total"]
    codes = [code for code, _label in ExpenseCategory.choices]
    for budget in budgets:
        budget.by_category = [spent.get(budget.pk, {}).get(code, 0) for code in codes]
        budget.remaining = budget.allocated - budget.executed
    totals = BudgetTotals(
        allocated=sum(budget.allocated for budget in budgets),
        executed=sum(budget.executed for budget in budgets),
        by_category=[sum(column) for column in zip(*(b.by_category for b in budgets), strict=True)]
        if budgets
        else [0] * len(codes),
    )
    budgeted = {budget.project_id for budget in budgets}
    projects = list(
        JointResearchProject.objects.of_region(region.pk)
        .filter(Q(pk__in=budgeted) | (Q(start_date__lte=last) & (Q(end_date__isnull=True) | Q(end_date__gte=first))))
        .select_related("host_organization")
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related("organization").order_by("role", "organization__name"),
            )
        )
        .order_by("code")
    )
    outcomes = list(
        Outcome.objects.of_region(region.pk)
        .filter(occurred_on__range=(first, last))
        .select_related("project")
        .order_by("kind", "occurred_on", "code")
    )
    events = list(Event.objects.of_region(region.pk).filter(starts_on__range=(first, last)).order_by("starts_on"))
    activities = list(
        CoordinationActivity.objects.of_region(region.pk)
        .filter(held_on__range=(first, last))
        .select_related("coordinator", "resulting_project")
        .prefetch_related("organizations")
        .order_by("held_on", "code")
    )
    labels = [str(label) for _code, label in ExpenseCategory.choices]
    return AnnualReport(
        region=region,
        fiscal_year=fiscal_year,
        grant=grant,
        projects=projects,
        budgets=budgets,
        categories=labels,
        totals=totals,
        category_rows=list(zip(labels, totals.by_category, strict=True)),
        patents=[outcome for outcome in outcomes if outcome.kind in PATENT_KINDS],
        papers=[outcome for outcome in outcomes if outcome.kind == OutcomeKind.PAPER],
        other_outcomes=[
            outcome for outcome in outcomes if outcome.kind not in PATENT_KINDS and outcome.kind != OutcomeKind.PAPER
        ],
        events=events,
        activities=activities,
    )


def annual_report_filename(region: Region, fiscal_year: int) -> str:
    return f"実績報告書_{region.name}_{fiscal_year}年度.pdf"
