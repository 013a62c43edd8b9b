"""Keeping ``RegionYearFigures`` (per region × fiscal-year rollups) in step with the base tables.

One function computes them: :func:`refresh_region_years` recomputes the rows of the given
(region, fiscal year) pairs — or of every pair — from grants, project budgets and results, exactly
and idempotently (three aggregate queries restricted to the pairs, one upsert, one delete).

How every write reaches it (the mechanism, and why):

* **Row writes** — services, workspace and ministry pages, the Django admin, factories, row-by-row
  imports — all end in ``Model.save()`` / ``delete()``. ``pre_save`` / ``pre_delete`` /
  ``post_save`` receivers on ``Grant``, ``ProjectBudget``, ``Outcome`` and ``JointResearchProject``
  name the pairs the row belonged to before and after the write and ask for their refresh
  (``cluster_portal.derived.touch``). Receivers were chosen over explicit calls in each service
  because a service, an admin form or a command that forgot the call would silently drift; a
  receiver cannot be skipped by any ``save()``. (DESIGN §5 keeps *business rules* out of signals;
  this receiver holds no rule, only the derived row, like the cache bump of ``cluster_portal.cache``.)
  The refresh runs at once, in the writer's transaction (Django has no pre-commit hook), so a
  rolled-back write leaves the rollup as it was. Grant amendments save their grant, and an entry
  of execution changes its budget's 執行額 through ``budget.save()``, so both are covered.
* **Many writes at once** run inside ``cluster_portal.derived.deferred()`` (the import engine, the
  expenditure batch service): the pairs are collected and refreshed once at the end.
* **Bulk writes** send no signals: the import engine, ``load_demo`` and ``generate_data`` call
  ``cluster_portal.derived.bulk_written()`` once after their writes, which rebuilds the whole table.

Concurrency: the refresh first makes sure the pairs' rows exist and locks them
(``SELECT … FOR UPDATE``), *then* aggregates, so two transactions refreshing the same pair are
serialised and the second one (PostgreSQL READ COMMITTED: a fresh snapshot per statement) counts
the first one's committed rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.utils import timezone

from cluster_portal import derived
from cluster_portal.fiscal import fiscal_year_bounds, fiscal_year_of
from projects.models import RESULT_COLUMNS, JointResearchProject, Outcome, ProjectBudget, RegionYearFigures
from regions.models import Grant

_Grant, _ProjectBudget, _Outcome = Grant, ProjectBudget, Outcome

FIGURES = RegionYearFigures.FIGURES
#: a key meaning "every pair" (a bulk write)
EVERYTHING = derived.ALL
Pair = tuple[int, int]


def _fiscal_year_expression(field: str):
    from django.db.models import Case, Value, When
    from django.db.models.functions import ExtractYear

    return ExtractYear(field) - Case(When(**{f"{field}__month__lt": 4}, then=Value(1)), default=Value(0))


def _pairs_q(pairs: set[Pair] | None, region: str, year: str | None = None, day: str | None = None) -> Q:
    if pairs is None:
        return Q()
    condition = Q(pk__in=[])
    for region_id, fiscal_year in pairs:
        if day is not None:
            first, last = fiscal_year_bounds(fiscal_year)
            condition |= Q(**{region: region_id, f"{day}__gte": first, f"{day}__lte": last})
        else:
            condition |= Q(**{region: region_id, year: fiscal_year})
    return condition


def compute_figures(pairs: set[Pair] | None = None, *, models=None) -> dict[Pair, dict[str, int]]:
    """The figures of ``pairs`` (None: every pair) from the base tables, in three aggregate queries.
    A pair with no grant, no published budget and no published result is absent. ``models`` —
    (Grant, ProjectBudget, Outcome) — lets the data migration pass its historical models."""
    Grant, ProjectBudget, Outcome = models or (_Grant, _ProjectBudget, _Outcome)
    figures: dict[Pair, dict[str, int]] = {}

    def row(key) -> dict[str, int]:
        return figures.setdefault(key, dict.fromkeys(FIGURES, 0))

    grants = (
        Grant.objects.filter(_pairs_q(pairs, "region_id", "fiscal_year"))
        .order_by()
        .values_list("region_id", "fiscal_year")
        .annotate(n=Count("pk"), total=Sum("amount"))
    )
    for region_id, fiscal_year, number, total in grants:
        row((region_id, fiscal_year)).update(grants=number, granted=total or 0)
    budgets = (
        ProjectBudget.objects.filter(project__is_published=True)
        .filter(_pairs_q(pairs, "project__region_id", "grant__fiscal_year"))
        .order_by()
        .values_list("project__region_id", "grant__fiscal_year")
        .annotate(n=Count("pk"), allocated=Sum("allocated"), executed=Sum("executed"))
    )
    for region_id, fiscal_year, number, allocated, executed in budgets:
        row((region_id, fiscal_year)).update(budgets=number, allocated=allocated or 0, executed=executed or 0)
    outcomes = (
        Outcome.objects.filter(is_published=True, project__is_published=True)
        .filter(_pairs_q(pairs, "project__region_id", day="occurred_on"))
        .annotate(year=_fiscal_year_expression("occurred_on"))
        .order_by()
        .values_list("project__region_id", "year", "kind")
        .annotate(n=Count("pk"))
    )
    for region_id, fiscal_year, kind, number in outcomes:
        if kind in RESULT_COLUMNS:
            row((region_id, fiscal_year))[RESULT_COLUMNS[kind]] = number
    return figures


@transaction.atomic
def refresh_region_years(pairs: Iterable[Pair] | None) -> None:
    """Recompute the rollup rows of ``pairs`` ((region id, fiscal year); None: every pair) from the base tables."""
    if pairs is not None:
        pairs = {(region_id, year) for region_id, year in pairs if region_id is not None and year is not None}
        if EVERYTHING in pairs:
            pairs = None
        elif not pairs:
            return
    rows = RegionYearFigures.objects.all()
    if pairs is not None:
        # lock the pairs' rows first (created if missing), so concurrent refreshes of a pair are serialised
        RegionYearFigures.objects.bulk_create(
            [RegionYearFigures(region_id=region_id, fiscal_year=year) for region_id, year in sorted(pairs)],
            ignore_conflicts=True,
        )
        rows = rows.filter(_pairs_q(pairs, "region_id", "fiscal_year"))
    existing = {
        (row.region_id, row.fiscal_year): row for row in rows.select_for_update().order_by("region_id", "fiscal_year")
    }
    figures = compute_figures(pairs)
    now = timezone.now()
    changed, created = [], []
    for key, values in figures.items():
        row = existing.pop(key, None)
        if row is None:
            created.append(RegionYearFigures(region_id=key[0], fiscal_year=key[1], **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            changed.append(row)
    if existing:  # nothing counts in these pairs any more
        RegionYearFigures.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    if changed:
        RegionYearFigures.objects.bulk_update(changed, [*RegionYearFigures.FIGURES, "updated_at"], batch_size=500)
    if created:
        RegionYearFigures.objects.bulk_create(created, batch_size=500)


def rebuild() -> None:
    """Recompute the whole table (the data migration, bulk writes)."""
    refresh_region_years(None)


def _refresh(keys: set) -> None:
    refresh_region_years(keys)


# --- which pairs a row belongs to -------------------------------------------------------------------


def _grant_pairs(grant: Grant) -> set[Pair]:
    return {(grant.region_id, grant.fiscal_year)}


def _budget_pairs(budget: ProjectBudget) -> set[Pair]:
    if budget.grant_id is None:
        return set()
    grant = budget.grant if ProjectBudget.grant.is_cached(budget) else None
    fiscal_year = grant.fiscal_year if grant is not None else None
    if fiscal_year is None:
        fiscal_year = Grant.objects.filter(pk=budget.grant_id).values_list("fiscal_year", flat=True).first()
    region_id = _project_region(budget.project_id, budget)
    return {(region_id, fiscal_year)}


def _project_region(project_id, instance) -> int | None:
    if project_id is None:
        return None
    if type(instance).project.is_cached(instance) and instance.project.pk == project_id:
        return instance.project.region_id
    return JointResearchProject.objects.filter(pk=project_id).values_list("region_id", flat=True).first()


def _outcome_pairs(outcome: Outcome) -> set[Pair]:
    if outcome.occurred_on is None:
        return set()
    return {(_project_region(outcome.project_id, outcome), fiscal_year_of(outcome.occurred_on))}


def _project_pairs(project: JointResearchProject) -> set[Pair]:
    """Every pair of the project's region that its budgets or results count in."""
    if project.pk is None or project.region_id is None:
        return set()
    pairs = {
        (project.region_id, year)
        for year in ProjectBudget.objects.filter(project_id=project.pk).values_list("grant__fiscal_year", flat=True)
    }
    pairs |= {
        (project.region_id, fiscal_year_of(day))
        for day in Outcome.objects.filter(project_id=project.pk).values_list("occurred_on", flat=True)
    }
    return pairs


PAIRS = {Grant: _grant_pairs, ProjectBudget: _budget_pairs, Outcome: _outcome_pairs}
#: the fields whose change moves a row to other pairs or in/out of the counted rows
TRACKED = {
    Grant: ("region_id", "fiscal_year"),
    ProjectBudget: ("project_id", "grant_id"),
    Outcome: ("project_id", "occurred_on", "is_published", "kind"),
    JointResearchProject: ("region_id", "is_published"),
}


def _stored(sender, instance):
    return sender._base_manager.filter(pk=instance.pk).first()


def _before_save(sender, instance, raw=False, **kwargs):
    """The pairs the row counted in before this write (it may move to another region or year)."""
    if raw or instance.pk is None or instance._state.adding or derived.collecting_all():
        instance._rollup_before = set()
        return
    stored = _stored(sender, instance)
    if stored is None:
        instance._rollup_before = set()
    elif sender is JointResearchProject:
        if all(getattr(stored, name) == getattr(instance, name) for name in TRACKED[sender]):
            instance._rollup_before = None  # nothing a rollup counts changed
        else:
            instance._rollup_before = _project_pairs(stored)
    else:
        instance._rollup_before = PAIRS[sender](stored)


def _after_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    before = getattr(instance, "_rollup_before", set())
    if derived.collecting_all():
        pairs = {EVERYTHING}
    elif sender is JointResearchProject:
        if before is None:
            return
        pairs = before | _project_pairs(instance)
    else:
        pairs = (before or set()) | PAIRS[sender](instance)
    instance._rollup_before = set()
    derived.touch(_refresh, pairs)


def _before_delete(sender, instance, **kwargs):
    if derived.collecting_all():
        instance._rollup_before = {EVERYTHING}
        return
    instance._rollup_before = _project_pairs(instance) if sender is JointResearchProject else PAIRS[sender](instance)


def _after_delete(sender, instance, **kwargs):
    derived.touch(_refresh, getattr(instance, "_rollup_before", set()))


def _bulk_written(sender, **kwargs):
    if sender is None or sender in TRACKED or sender._meta.label in {"projects.Expenditure"}:
        derived.touch(_refresh, {EVERYTHING})


def connect_signals() -> None:
    for model in TRACKED:
        uid = f"rollups-{model._meta.label_lower}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"{uid}-pre-save")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"{uid}-post-save")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"{uid}-pre-delete")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"{uid}-post-delete")
    derived.bulk_write.connect(_bulk_written, dispatch_uid="rollups-bulk-write")
