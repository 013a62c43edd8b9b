"""Aggregate figures for the public pages, each computed with a fixed number of SQL queries."""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from cluster_portal.cache import cached
from projects.models import RESULT_COLUMNS, JointResearchProject, Outcome, RegionYearFigures
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


@cached("key-figures")
def key_figures() -> KeyFigures:
    """Program-wide figures over published data only, in three aggregate queries (the money and the
    results from the per region × fiscal-year rollups, projects/rollups.py)."""
    clusters = Region.objects.published().count()
    projects = JointResearchProject.objects.published().aggregate(
        projects=Count("pk", distinct=True),
        organizations=Count("participations__organization", distinct=True),
    )
    figures = RegionYearFigures.objects.published().aggregate(
        granted=Sum("granted"),
        applications=Sum(RESULT_COLUMNS["patent_application"]),
        granted_patents=Sum(RESULT_COLUMNS["patent_granted"]),
        commercializations=Sum(RESULT_COLUMNS["commercialization"]),
    )
    return KeyFigures(
        clusters=clusters,
        projects=projects["projects"],
        organizations=projects["organizations"],
        granted=figures["granted"] or 0,
        patents_filed=(figures["applications"] or 0) + (figures["granted_patents"] or 0),
        patents_granted=figures["granted_patents"] or 0,
        commercializations=figures["commercializations"] or 0,
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


#: Sum() of every rollup column, for the aggregates below
FIGURE_SUMS = {name: Sum(name) for name in RegionYearFigures.FIGURES}


def _results(sums: dict) -> dict[str, int]:
    """``{kind code: number}`` of the kinds with results, from summed rollup columns (as ``counts_by_kind``)."""
    return {kind: sums[column] for kind, column in RESULT_COLUMNS.items() if sums.get(column)}


def _funding_by_year(rollups) -> tuple[list[FundingRow], FundingRow, dict[str, int]]:
    """The funding table of ``rollups`` (per fiscal year and total) and their results by kind, in one query."""
    years = list(rollups.order_by().values("fiscal_year").annotate(**FIGURE_SUMS))
    granted = {row["fiscal_year"]: row["granted"] or 0 for row in years if row["grants"]}
    budgets = {
        row["fiscal_year"]: {"allocated": row["allocated"] or 0, "executed": row["executed"] or 0}
        for row in years
        if row["budgets"]
    }
    totals = {column: sum(row[column] or 0 for row in years) for column in RESULT_COLUMNS.values()}
    return *funding_table(granted, budgets), _results(totals)


def published_result_counts(*, kind: str = "", fiscal_year: int | None = None, region_slug: str = "") -> dict[str, int]:
    """Published results by kind (as ``counts_by_kind``), narrowed to a kind, a fiscal year and a cluster,
    summed from the rollups instead of counting 100,000 results (the results browser's counts when it is
    not narrowed by organisation or text)."""
    rollups = RegionYearFigures.objects.published()
    if fiscal_year is not None:
        rollups = rollups.filter(fiscal_year=fiscal_year)
    if region_slug:
        rollups = rollups.filter(region__slug=region_slug)
    columns = (
        {RESULT_COLUMNS[kind]: Sum(RESULT_COLUMNS[kind])} if kind else {c: Sum(c) for c in RESULT_COLUMNS.values()}
    )
    return _results(rollups.aggregate(**columns))


def _has_results() -> Q:
    """Rollup rows counting at least one result."""
    condition = Q()
    for column in RESULT_COLUMNS.values():
        condition |= Q(**{f"{column}__gt": 0})
    return condition


def published_result_years() -> list[int]:
    """The fiscal years with a published result, newest first (from the rollups)."""
    years = RegionYearFigures.objects.published().filter(_has_results()).values_list("fiscal_year", flat=True)
    return sorted(set(years), reverse=True)


@cached("region-funding")
def public_region_funding(region_id) -> tuple[list[FundingRow], FundingRow, dict[str, int]]:
    """A published region's funding table (per fiscal year and total) and result counts by kind, for the
    public, in one query on the rollups."""
    return _funding_by_year(RegionYearFigures.objects.published().filter(region_id=region_id))


@cached("funding-by-year")
def public_funding_by_year(start_year: int, end_year: int, region_id=None) -> tuple[list[FundingRow], FundingRow]:
    """Granted, allocated and executed per fiscal year from ``start_year`` to ``end_year``, program-wide
    (or of one published region), published data only, in one query on the rollups."""
    rollups = RegionYearFigures.objects.published().years(start_year, end_year)
    if region_id is not None:
        rollups = rollups.filter(region_id=region_id)
    rows, total, _results_by_kind = _funding_by_year(rollups)
    return rows, total


# --- the funding flow (資金の流れ) -------------------------------------------------------------------
#
# Every function below is pure (its result depends only on its arguments and the database) and
# makes a fixed number of queries; the public ones are cached by data generation (cluster_portal/cache.py).
# Only published data is counted; requested and selected amounts are sums over proposals, never
# shown per proposal.

# Proposals that actually asked for money: drafts and withdrawals are not requests.
REQUESTING_STATUSES = ("submitted", "under_review", "selected", "not_selected")
RESULT_KINDS = (
    "patent_application",
    "patent_granted",
    "license",
    "commercialization",
    "startup",
    "paper",
    "presentation",
    "award",
)
HUNDRED_MILLION = 100_000_000


@dataclass(frozen=True)
class FundingFlow:
    start_year: int
    end_year: int
    requested: int
    selected: int
    granted: int
    allocated: int
    executed: int
    results: dict  # {kind code: number}
    events: int
    #: granted to a region for a fiscal year with no selected proposal line (no recorded request or selection)
    granted_without_selection: int = 0
    #: part of granted added by confirmed support decisions after a 重点支援 evaluation (its grant amendments)
    granted_by_focused_support: int = 0

    @property
    def patents_filed(self) -> int:
        return self.results.get("patent_application", 0) + self.results.get("patent_granted", 0)

    @property
    def results_total(self) -> int:
        return sum(self.results.values())

    def as_dict(self) -> dict:
        return {
            "from_fiscal_year": self.start_year,
            "to_fiscal_year": self.end_year,
            "requested": self.requested,
            "selected": self.selected,
            "granted": self.granted,
            "allocated": self.allocated,
            "executed": self.executed,
            "granted_without_selection": self.granted_without_selection,
            "granted_by_focused_support": self.granted_by_focused_support,
            "patents_filed": self.patents_filed,
            "results": {kind: self.results.get(kind, 0) for kind in RESULT_KINDS},
            "results_total": self.results_total,
            "events": self.events,
        }


@cached("fiscal-year-span")
def fiscal_year_span() -> tuple[int, int] | None:
    """First and last fiscal year with a published grant or result, or None when nothing is published.

    Read from the rollups (a row counts the region's grants and its published results of the year), not
    from the first and last of 100,000 result dates."""
    from django.db.models import Max, Min

    span = (
        RegionYearFigures.objects.published()
        .filter(Q(grants__gt=0) | _has_results())
        .aggregate(first=Min("fiscal_year"), last=Max("fiscal_year"))
    )
    if span["first"] is None:
        return None
    return span["first"], span["last"]


def _date_range(start_year: int, end_year: int):
    from cluster_portal.fiscal import fiscal_year_bounds

    return fiscal_year_bounds(start_year)[0], fiscal_year_bounds(end_year)[1]


@cached("funding-flow")
def funding_flow(start_year: int, end_year: int, region_id=None) -> FundingFlow:
    """requested → selected → granted → allocated → executed → results for published data, in five queries
    (granted, allocated, executed and the results from the per region × fiscal-year rollups).

    ``region_id`` narrows everything to one (published) region; ``None`` is program-wide. Grants of a
    region and fiscal year that no selected proposal requested are summed apart as well
    (``granted_without_selection``): for them the earlier stages are unknown, and the diagram says so.
    The part of granted that confirmed 重点支援 support decisions added (``granted_by_focused_support``, the
    increases of their grant amendments) is summed apart too; it is part of granted, not another band.
    """
    from django.db.models import Exists, F, OuterRef, Q

    from regions.models import Event, Grant, GrantAmendment, ProposalBudgetLine, SupportStatus

    years = Q(fiscal_year__gte=start_year, fiscal_year__lte=end_year)
    lines = ProposalBudgetLine.objects.filter(years, proposal__status__in=REQUESTING_STATUSES)
    grants = Grant.objects.published().filter(years)
    rollups = RegionYearFigures.objects.published().years(start_year, end_year)
    first_day, last_day = _date_range(start_year, end_year)
    events = Event.objects.published().filter(starts_on__gte=first_day, starts_on__lte=last_day)
    if region_id is not None:
        lines = lines.filter(proposal__region_id=region_id)
        grants = grants.of_region(region_id)
        rollups = rollups.filter(region_id=region_id)
        events = events.of_region(region_id)
    requested = lines.aggregate(
        requested=Sum("requested_amount"),
        selected=Sum("requested_amount", filter=Q(proposal__status="selected")),
    )
    sums = rollups.aggregate(**FIGURE_SUMS)
    selection_recorded = ProposalBudgetLine.objects.filter(
        proposal__status="selected", proposal__region_id=OuterRef("region_id"), fiscal_year=OuterRef("fiscal_year")
    )
    unrecorded = grants.annotate(recorded=Exists(selection_recorded)).aggregate(
        total=Sum("amount", filter=Q(recorded=False))
    )
    focused = GrantAmendment.objects.filter(
        grant__in=grants.values("pk"), support_decision__status=SupportStatus.CONFIRMED
    ).aggregate(total=Sum(F("new_amount") - F("previous_amount")))
    return FundingFlow(
        start_year=start_year,
        end_year=end_year,
        granted_by_focused_support=focused["total"] or 0,
        requested=requested["requested"] or 0,
        selected=requested["selected"] or 0,
        granted=sums["granted"] or 0,
        granted_without_selection=unrecorded["total"] or 0,
        allocated=sums["allocated"] or 0,
        executed=sums["executed"] or 0,
        results=_results(sums),
        events=events.count(),
    )


@dataclass(frozen=True)
class RegionFunding:
    region: object
    granted: int
    allocated: int
    executed: int
    patents_filed: int
    results_total: int

    @property
    def patents_per_hundred_million(self) -> float | None:
        """Patents filed per 100 million yen granted (1億円あたりの特許出願件数); None without a grant."""
        if not self.granted:
            return None
        return round(self.patents_filed * HUNDRED_MILLION / self.granted, 2)

    @property
    def results_per_hundred_million(self) -> float | None:
        if not self.granted:
            return None
        return round(self.results_total * HUNDRED_MILLION / self.granted, 2)


@cached("region-comparison")
def region_comparison(start_year: int, end_year: int) -> list[RegionFunding]:
    """Per published region: granted, allocated, executed, patents filed and results, in two queries (the
    rollups, then the regions)."""
    patents = [RESULT_COLUMNS["patent_application"], RESULT_COLUMNS["patent_granted"]]
    per_region = {
        row["region_id"]: row
        for row in RegionYearFigures.objects.published()
        .years(start_year, end_year)
        .order_by()
        .values("region_id")
        .annotate(**FIGURE_SUMS)
    }
    rows = []
    for region in Region.objects.published().select_related("program"):
        sums = per_region.get(region.pk, {})
        rows.append(
            RegionFunding(
                region=region,
                granted=sums.get("granted") or 0,
                allocated=sums.get("allocated") or 0,
                executed=sums.get("executed") or 0,
                patents_filed=sum(sums.get(column) or 0 for column in patents),
                results_total=sum(sums.get(column) or 0 for column in RESULT_COLUMNS.values()),
            )
        )
    return [row for row in rows if row.granted or row.allocated or row.results_total]


@cached("data-last-updated")
def data_last_updated():
    """When published data last changed (the newest ``updated_at`` of the published rows), in one query."""
    from django.db.models import Subquery

    from projects.models import ProjectBudget
    from regions.models import Event, Grant

    querysets = [
        Region.objects.published(),
        JointResearchProject.objects.published(),
        Outcome.objects.published(),
        Event.objects.published(),
        Grant.objects.published(),
        ProjectBudget.objects.published(),
    ]
    # The newest ``updated_at`` of each table as a scalar subquery (ORDER BY … LIMIT 1, which the
    # ``updated_at`` indexes answer), all six in one row. Nothing is published without a region, so
    # no region at all means no date.
    newest = {
        f"newest_{index}": Subquery(queryset.order_by("-updated_at").values("updated_at")[:1])
        for index, queryset in enumerate(querysets)
    }
    row = Region.objects.order_by().annotate(**newest).values_list(*newest).first()
    values = [value for value in row or () if value is not None]
    return max(values) if values else None
