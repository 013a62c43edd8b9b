"""The public aggregates as they were computed from the base tables before they read the rollups
(``public/stats.py`` before ``RegionYearFigures``): tests/test_rollups.py compares the two."""

from django.db.models import Count, Sum

from projects.models import JointResearchProject, Outcome
from public.stats import FundingFlow, FundingRow, KeyFigures, RegionFunding, funding_table
from regions.models import Region


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


def public_region_funding(region_id) -> tuple[list[FundingRow], FundingRow, dict[str, int]]:
    """A published region's funding table (per fiscal year and total) and result counts by kind, for the public."""
    from projects.models import ProjectBudget
    from regions.models import Grant

    rows, total = funding_table(
        Grant.objects.published().of_region(region_id).totals_by_fiscal_year(),
        ProjectBudget.objects.published().of_region(region_id).totals_by_fiscal_year(),
    )
    return rows, total, Outcome.objects.published().of_region(region_id).counts_by_kind()


def public_funding_by_year(start_year: int, end_year: int, region_id=None) -> tuple[list[FundingRow], FundingRow]:
    """Granted, allocated and executed per fiscal year from ``start_year`` to ``end_year``, program-wide
    (or of one published region), published data only, in two aggregate queries."""
    from projects.models import ProjectBudget
    from regions.models import Grant

    grants = Grant.objects.published().filter(fiscal_year__gte=start_year, fiscal_year__lte=end_year)
    budgets = ProjectBudget.objects.published().filter(
        grant__fiscal_year__gte=start_year, grant__fiscal_year__lte=end_year
    )
    if region_id is not None:
        grants, budgets = grants.of_region(region_id), budgets.of_region(region_id)
    return funding_table(grants.totals_by_fiscal_year(), budgets.totals_by_fiscal_year())


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


def _date_range(start_year: int, end_year: int):
    from cluster_portal.fiscal import fiscal_year_bounds

    return fiscal_year_bounds(start_year)[0], fiscal_year_bounds(end_year)[1]


def funding_flow(start_year: int, end_year: int, region_id=None) -> FundingFlow:
    """requested → selected → granted → allocated → executed → results for published data, in five queries.

    ``region_id`` narrows everything to one (published) region; ``None`` is program-wide. Grants of a
    region and fiscal year that no selected proposal requested are summed apart as well
    (``granted_without_selection``): for them the earlier stages are unknown, and the diagram says so.
    """
    from django.db.models import Exists, OuterRef, Q

    from projects.models import ProjectBudget
    from regions.models import Event, Grant, ProposalBudgetLine

    years = Q(fiscal_year__gte=start_year, fiscal_year__lte=end_year)
    lines = ProposalBudgetLine.objects.filter(years, proposal__status__in=REQUESTING_STATUSES)
    grants = Grant.objects.published().filter(years)
    budgets = ProjectBudget.objects.published().filter(
        grant__fiscal_year__gte=start_year, grant__fiscal_year__lte=end_year
    )
    first_day, last_day = _date_range(start_year, end_year)
    outcomes = Outcome.objects.published().filter(occurred_on__gte=first_day, occurred_on__lte=last_day)
    events = Event.objects.published().filter(starts_on__gte=first_day, starts_on__lte=last_day)
    if region_id is not None:
        lines = lines.filter(proposal__region_id=region_id)
        grants = grants.of_region(region_id)
        budgets = budgets.of_region(region_id)
        outcomes = outcomes.of_region(region_id)
        events = events.of_region(region_id)
    requested = lines.aggregate(
        requested=Sum("requested_amount"),
        selected=Sum("requested_amount", filter=Q(proposal__status="selected")),
    )
    spent = budgets.aggregate(allocated=Sum("allocated"), executed=Sum("executed"))
    selection_recorded = ProposalBudgetLine.objects.filter(
        proposal__status="selected", proposal__region_id=OuterRef("region_id"), fiscal_year=OuterRef("fiscal_year")
    )
    granted = grants.annotate(recorded=Exists(selection_recorded)).aggregate(
        total=Sum("amount"), unrecorded=Sum("amount", filter=Q(recorded=False))
    )
    return FundingFlow(
        start_year=start_year,
        end_year=end_year,
        requested=requested["requested"] or 0,
        selected=requested["selected"] or 0,
        granted=granted["total"] or 0,
        granted_without_selection=granted["unrecorded"] or 0,
        allocated=spent["allocated"] or 0,
        executed=spent["executed"] or 0,
        results=outcomes.counts_by_kind(),
        events=events.count(),
    )


def region_comparison(start_year: int, end_year: int) -> list[RegionFunding]:
    """Per published region: granted, allocated, executed, patents filed and results, in four queries."""
    from django.db.models import Q

    from projects.models import OutcomeKind, ProjectBudget
    from regions.models import Grant

    first_day, last_day = _date_range(start_year, end_year)
    grants = dict(
        Grant.objects.published()
        .filter(fiscal_year__gte=start_year, fiscal_year__lte=end_year)
        .order_by()
        .values_list("region_id")
        .annotate(total=Sum("amount"))
    )
    budgets = {
        row["project__region_id"]: row
        for row in ProjectBudget.objects.published()
        .filter(grant__fiscal_year__gte=start_year, grant__fiscal_year__lte=end_year)
        .order_by()
        .values("project__region_id")
        .annotate(allocated=Sum("allocated"), executed=Sum("executed"))
    }
    patent_kinds = [OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED]
    outcomes = {
        row["project__region_id"]: row
        for row in Outcome.objects.published()
        .filter(occurred_on__gte=first_day, occurred_on__lte=last_day)
        .order_by()
        .values("project__region_id")
        .annotate(patents=Count("pk", filter=Q(kind__in=patent_kinds)), total=Count("pk"))
    }
    rows = []
    for region in Region.objects.published().select_related("program"):
        budget = budgets.get(region.pk, {})
        outcome = outcomes.get(region.pk, {})
        rows.append(
            RegionFunding(
                region=region,
                granted=grants.get(region.pk, 0) or 0,
                allocated=budget.get("allocated") or 0,
                executed=budget.get("executed") or 0,
                patents_filed=outcome.get("patents", 0),
                results_total=outcome.get("total", 0),
            )
        )
    return [row for row in rows if row.granted or row.allocated or row.results_total]


def fiscal_year_span() -> tuple[int, int] | None:
    """First and last fiscal year with a published grant or result, from the grants and result dates."""
    from django.db.models import Max, Min

    from cluster_portal.fiscal import fiscal_year_of
    from regions.models import Grant

    span = Grant.objects.published().aggregate(first=Min("fiscal_year"), last=Max("fiscal_year"))
    dates = Outcome.objects.published().aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
    years = [year for year in (span["first"], span["last"]) if year is not None]
    years += [fiscal_year_of(day) for day in (dates["first"], dates["last"]) if day is not None]
    if not years:
        return None
    return min(years), max(years)


def result_years() -> list[int]:
    """The fiscal years of the published results' dates, newest first."""
    dates = Outcome.objects.published().dates("occurred_on", "month")
    return sorted({day.year if day.month >= 4 else day.year - 1 for day in dates}, reverse=True)
