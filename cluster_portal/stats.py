"""Aggregate figures for the public pages, each computed with a fixed number of SQL queries."""

from dataclasses import dataclass

from django.db.models import Count, Sum

from projects.models import JointResearchProject, Outcome
from regions.models import Region


@dataclass(frozen=True)
class KeyFigures:
    clusters: int
    projects: int
    organizations: int
    granted: int
    patents_filed: int
    patents_granted: int
    commercializations: int


def key_figures() -> KeyFigures:
    """Program-wide figures over published data only, in three aggregate queries."""
    regions = Region.objects.published().aggregate(clusters=Count("pk", distinct=True), granted=Sum("grants__amount"))
    projects = JointResearchProject.objects.published().aggregate(
        projects=Count("pk", distinct=True),
        organizations=Count("participations__organization", distinct=True),
    )
    results = Outcome.objects.published().result_figures()
    return KeyFigures(
        clusters=regions["clusters"],
        projects=projects["projects"],
        organizations=projects["organizations"],
        granted=regions["granted"] or 0,
        patents_filed=results["patents_filed"],
        patents_granted=results["patents_granted"],
        commercializations=results["commercializations"],
    )


@dataclass(frozen=True)
class FundingRow:
    fiscal_year: int | None
    granted: int
    allocated: int
    executed: int


def funding_table(granted: dict[int, int], budgets: dict[int, dict[str, int]]) -> tuple[list[FundingRow], FundingRow]:
    """Merge per-year grants and per-year project budgets into table rows plus a totals row.

    ``granted`` comes from ``GrantQuerySet.totals_by_fiscal_year()`` and ``budgets``
    from ``ProjectBudgetQuerySet.totals_by_fiscal_year()``; no query is made here.
    """
    rows = [
        FundingRow(
            fiscal_year=year,
            granted=granted.get(year, 0),
            allocated=budgets.get(year, {}).get("allocated", 0),
            executed=budgets.get(year, {}).get("executed", 0),
        )
        for year in sorted(set(granted) | set(budgets))
    ]
    total = FundingRow(
        fiscal_year=None,
        granted=sum(row.granted for row in rows),
        allocated=sum(row.allocated for row in rows),
        executed=sum(row.executed for row in rows),
    )
    return rows, total
