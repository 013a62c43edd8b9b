"""Invariants of the projects app (allocations, execution, reports, results), checked against
a live database by ``manage.py check_integrity`` (see ``cluster_portal.integrity``)."""

from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cluster_portal.fiscal import fiscal_year_bounds, fiscal_year_label, fiscal_year_of
from cluster_portal.integrity import invariant
from projects.models import Expenditure, Outcome, ProgressReport, ProjectBudget
from regions.models import Grant


def _budget(budget) -> str:
    return f"予算 {budget.project.code} {fiscal_year_label(budget.grant.fiscal_year)}"


@invariant("budget.executed_is_sum", "A budget's 執行額 is the sum of its expenditure entries.")
def _executed_is_sum():
    entries = (
        Expenditure.objects.filter(budget=OuterRef("pk"))
        .order_by()
        .values("budget")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    budgets = (
        ProjectBudget.objects.select_related("project", "grant")
        .annotate(entries=Coalesce(Subquery(entries, output_field=IntegerField()), Value(0)))
        .exclude(executed=F("entries"))
    )
    for budget in budgets.order_by("project__code", "grant__fiscal_year"):
        yield _budget(budget), f"執行額 {budget.executed:,} 円 ≠ 執行の合計 {budget.entries:,} 円"


@invariant("budget.within_grant", "A region's allocations in a fiscal year never exceed its grant for that year.")
def _within_grant():
    for grant in Grant.objects.over_allocated().select_related("region").order_by("region__slug", "fiscal_year"):
        yield (
            f"交付決定 {grant.region.slug} {fiscal_year_label(grant.fiscal_year)}",
            f"配分額の合計 {grant.allocated_sum:,} 円 > 交付決定額 {grant.amount:,} 円",
        )


@invariant("budget.overrun_has_reason", "Executed above allocated only with a recorded reason.")
def _overrun_has_reason():
    budgets = ProjectBudget.objects.select_related("project", "grant").filter(
        executed__gt=F("allocated"), overrun_reason=""
    )
    for budget in budgets:
        yield _budget(budget), f"執行額 {budget.executed:,} 円 > 配分額 {budget.allocated:,} 円で理由がありません"


@invariant("budget.grant_of_own_region", "A project's budget draws on its own region's grant.")
def _grant_of_own_region():
    budgets = ProjectBudget.objects.select_related("project", "grant").exclude(grant__region=F("project__region"))
    for budget in budgets:
        yield _budget(budget), "他の地域の交付決定から配分されています"


@invariant("expenditure.in_fiscal_year", "An expenditure is dated within its budget's fiscal year.")
def _expenditure_in_year():
    years = ProjectBudget.objects.values_list("grant__fiscal_year", flat=True).distinct()
    for year in sorted(set(years)):
        first, last = fiscal_year_bounds(year)
        outside = (
            Expenditure.objects.select_related("budget__project", "budget__grant")
            .filter(budget__grant__fiscal_year=year)
            .filter(Q(spent_on__lt=first) | Q(spent_on__gt=last))
        )
        for entry in outside:
            yield (
                f"執行 {_budget(entry.budget)} #{entry.pk}",
                f"執行日 {entry.spent_on} は{fiscal_year_label(year)}の外です",
            )


@invariant("report.fiscal_year_in_period", "A progress report's fiscal year lies within its project's period.")
def _report_in_period():
    reports = ProgressReport.objects.select_related("project").only(
        "fiscal_year", "half", "project__code", "project__start_date", "project__end_date"
    )
    for report in reports.iterator(chunk_size=2000):
        project = report.project
        first = fiscal_year_of(project.start_date)
        last = fiscal_year_of(project.end_date) if project.end_date else None
        if report.fiscal_year < first or (last is not None and report.fiscal_year > last):
            period = f"{fiscal_year_label(first)}〜{fiscal_year_label(last) if last else ''}"
            yield (
                f"進捗報告 {project.code} {fiscal_year_label(report.fiscal_year)}",
                f"プロジェクトの期間（{period}）の外です",
            )


@invariant("outcome.not_in_future", "A result is not dated after today.")
def _outcome_not_in_future():
    today = timezone.localdate()
    future = Outcome.objects.select_related("project").filter(Q(occurred_on__gt=today) | Q(granted_on__gt=today))
    for outcome in future:
        yield f"成果 {outcome.code}", f"日付（{outcome.occurred_on}／{outcome.granted_on or '—'}）が今日より後です"


@invariant(
    "rollups.match_base_tables",
    "The per region × fiscal-year rollups (RegionYearFigures) equal the grants, budgets and results they sum.",
)
def _rollups_match_base_tables():
    from projects.models import RegionYearFigures
    from projects.rollups import FIGURES, compute_figures
    from regions.models import Region

    expected = compute_figures(None)
    stored = {
        (row["region_id"], row["fiscal_year"]): row
        for row in RegionYearFigures.objects.values("region_id", "fiscal_year", *FIGURES)
    }
    slugs = dict(Region.objects.values_list("pk", "slug"))
    for key in sorted(set(expected) | set(stored)):
        want, have = expected.get(key), stored.get(key)
        record = f"集計 {slugs.get(key[0], key[0])} {fiscal_year_label(key[1])}"
        if have is None:
            yield record, "集計の行がありません"
        elif want is None:
            yield record, "元の行がないのに集計の行があります"
        else:
            wrong = [f"{name} {have[name]:,} ≠ {want[name]:,}" for name in FIGURES if have[name] != want[name]]
            if wrong:
                yield record, "、".join(wrong)
