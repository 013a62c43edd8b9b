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


#: the parts of a row, each recomputed by one aggregate query, and the columns each sets
PARTS = {
    "grants": ("grants", "granted"),
    "budgets": ("budgets", "allocated", "executed"),
    "results": tuple(RESULT_COLUMNS.values()),
}


def compute_figures(pairs: set[Pair] | None = None, *, parts=tuple(PARTS), models=None) -> dict[Pair, dict[str, int]]:
    """The figures of ``pairs`` (None: every pair) from the base tables, one aggregate query per part
    (grants, budgets, results). A pair with nothing to count in those parts is absent; the columns of
    the other parts are left out. ``models`` — (Grant, ProjectBudget, Outcome) — lets the data
    migration pass its historical models."""
    Grant, ProjectBudget, Outcome = models or (_Grant, _ProjectBudget, _Outcome)
    columns = [column for part in parts for column in PARTS[part]]
    figures: dict[Pair, dict[str, int]] = {}

    def row(key) -> dict[str, int]:
        return figures.setdefault(key, dict.fromkeys(columns, 0))

    if "grants" in parts:
        grants = (
            Grant.objects.filter(_pairs_q(pairs, "region_id", "fiscal_year"))
            .order_by()
            .values_list("region_id", "fiscal_year")
            .annotate(n=Count("pk"), total=Sum("amount"))
        )
        for region_id, fiscal_year, number, total in grants:
            row((region_id, fiscal_year)).update(grants=number, granted=total or 0)
    if "budgets" in parts:
        budgets = (
            ProjectBudget.objects.filter(project__is_published=True)
            .filter(_pairs_q(pairs, "project__region_id", "grant__fiscal_year"))
            .order_by()
            .values_list("project__region_id", "grant__fiscal_year")
            .annotate(n=Count("pk"), allocated=Sum("allocated"), executed=Sum("executed"))
        )
        for region_id, fiscal_year, number, allocated, executed in budgets:
            row((region_id, fiscal_year)).update(budgets=number, allocated=allocated or 0, executed=executed or 0)
    if "results" in parts:
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


def _is_empty(row: RegionYearFigures) -> bool:
    return not (row.grants or row.budgets or any(getattr(row, column) for column in RESULT_COLUMNS.values()))


@transaction.atomic
def refresh_region_years(pairs: Iterable[Pair] | None, parts: Iterable[str] = tuple(PARTS)) -> None:
    """Recompute ``parts`` (grants, budgets, results; all by default) of the rollup rows of ``pairs``
    ((region id, fiscal year); None: every pair) from the base tables."""
    parts = tuple(part for part in PARTS if part in set(parts))
    if pairs is not None:
        pairs = {(region_id, year) for region_id, year in pairs if region_id is not None and year is not None}
        if EVERYTHING in pairs:
            pairs = None
        elif not pairs:
            return
    rows = RegionYearFigures.objects.all()
    if pairs is not None:
        rows = rows.filter(_pairs_q(pairs, "region_id", "fiscal_year"))

    def lock() -> dict:
        return {
            (row.region_id, row.fiscal_year): row
            for row in rows.select_for_update().order_by("region_id", "fiscal_year")
        }

    # lock the pairs' rows first (created if missing), so concurrent refreshes of a pair are serialised
    existing = lock()
    if pairs is not None and not pairs <= set(existing):
        RegionYearFigures.objects.bulk_create(
            [RegionYearFigures(region_id=r, fiscal_year=y) for r, y in sorted(pairs - set(existing))],
            ignore_conflicts=True,
        )
        existing = lock()
    figures = compute_figures(pairs, parts=parts)
    columns = [column for part in parts for column in PARTS[part]]
    now = timezone.now()
    changed, created, emptied = [], [], []
    for key in sorted(set(existing) | set(figures)):
        values = figures.get(key) or dict.fromkeys(columns, 0)
        row = existing.get(key)
        if row is None:
            row = RegionYearFigures(region_id=key[0], fiscal_year=key[1], **values)
            if not _is_empty(row):
                created.append(row)
            continue
        dirty = any(getattr(row, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(row, name, value)
        if _is_empty(row):
            emptied.append(row.pk)  # nothing counts in this pair any more
        elif dirty:
            row.updated_at = now
            changed.append(row)
    if emptied:
        RegionYearFigures.objects.filter(pk__in=emptied).delete()
    if changed:
        RegionYearFigures.objects.bulk_update(changed, [*columns, "updated_at"], batch_size=500)
    if created:
        RegionYearFigures.objects.bulk_create(created, batch_size=500)


def rebuild() -> None:
    """Recompute the whole table (the data migration, bulk writes)."""
    refresh_region_years(None)


def _refresh(keys: set) -> None:
    """Keys are (region, year, part) triples, or ``EVERYTHING``: one refresh per set of parts."""
    if EVERYTHING in keys:
        rebuild()
        return
    parts_of: dict[Pair, set[str]] = {}
    for region_id, year, part in keys:
        parts_of.setdefault((region_id, year), set()).add(part)
    groups: dict[frozenset, set[Pair]] = {}
    for pair, parts in parts_of.items():
        groups.setdefault(frozenset(parts), set()).add(pair)
    for parts, pairs in groups.items():
        refresh_region_years(pairs, parts)


# --- which pairs a row belongs to -------------------------------------------------------------------
#
# Each returns the (region, fiscal year, part) keys of a row as it is in memory; ``_STORED`` reads
# the same keys of the row as stored, in one query, before it is overwritten.


def _keys(pairs, part: str) -> set:
    return {(region_id, year, part) for region_id, year in pairs if region_id is not None and year is not None}


def _grant_keys(grant: Grant) -> set:
    return _keys({(grant.region_id, grant.fiscal_year)}, "grants")


def _project_region(project_id, instance) -> int | None:
    if project_id is None:
        return None
    if type(instance).project.is_cached(instance) and instance.project.pk == project_id:
        return instance.project.region_id
    return JointResearchProject.objects.filter(pk=project_id).values_list("region_id", flat=True).first()


def _budget_keys(budget: ProjectBudget) -> set:
    if budget.grant_id is None:
        return set()
    if ProjectBudget.grant.is_cached(budget) and budget.grant.pk == budget.grant_id:
        fiscal_year = budget.grant.fiscal_year
    else:
        fiscal_year = Grant.objects.filter(pk=budget.grant_id).values_list("fiscal_year", flat=True).first()
    return _keys({(_project_region(budget.project_id, budget), fiscal_year)}, "budgets")


def _outcome_keys(outcome: Outcome) -> set:
    if outcome.occurred_on is None:
        return set()
    return _keys({(_project_region(outcome.project_id, outcome), fiscal_year_of(outcome.occurred_on))}, "results")


def _project_keys(project_pk, region_id) -> set:
    """Every pair of the project's region that its budgets or results count in."""
    if project_pk is None or region_id is None:
        return set()
    years = ProjectBudget.objects.filter(project_id=project_pk).values_list("grant__fiscal_year", flat=True)
    days = Outcome.objects.filter(project_id=project_pk).values_list("occurred_on", flat=True)
    return _keys({(region_id, year) for year in years}, "budgets") | _keys(
        {(region_id, fiscal_year_of(day)) for day in days}, "results"
    )


def _stored_keys(sender, instance) -> set | None:
    """The keys of the row as stored; None for a project whose region and publication did not change."""
    stored = sender._base_manager.filter(pk=instance.pk)
    if sender is Grant:
        return _keys(stored.values_list("region_id", "fiscal_year"), "grants")
    if sender is ProjectBudget:
        return _keys(stored.values_list("project__region_id", "grant__fiscal_year"), "budgets")
    if sender is Outcome:
        return _keys(
            (
                (region_id, fiscal_year_of(day))
                for region_id, day in stored.values_list("project__region_id", "occurred_on")
            ),
            "results",
        )
    row = stored.values_list("region_id", "is_published").first()
    if row is None or row == (instance.region_id, instance.is_published):
        return None
    return _project_keys(instance.pk, row[0])


KEYS = {
    Grant: _grant_keys,
    ProjectBudget: _budget_keys,
    Outcome: _outcome_keys,
    JointResearchProject: lambda project: _project_keys(project.pk, project.region_id),
}
TRACKED = tuple(KEYS)


def _before_save(sender, instance, raw=False, **kwargs):
    """The keys the row counted in before this write (it may move to another region or year)."""
    if raw or instance.pk is None or instance._state.adding or derived.collecting_all():
        instance._rollup_before = set()
        return
    instance._rollup_before = _stored_keys(sender, instance)


def _after_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    before = getattr(instance, "_rollup_before", set())
    instance._rollup_before = set()
    if derived.collecting_all():
        derived.touch(_refresh, {EVERYTHING})
    elif before is not None:  # None: a project saved without a change the rollups count
        derived.touch(_refresh, before | KEYS[sender](instance))


def _before_delete(sender, instance, **kwargs):
    instance._rollup_before = {EVERYTHING} if derived.collecting_all() else KEYS[sender](instance)


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
