"""Per region × fiscal-year rollups of the money flow and its results (the public figures' summary table).

Derived rows, never written by hand: ``projects.rollups.refresh_region_years()`` recomputes them from
the base tables in the writing transaction (see that module for how every write path reaches it), and
``check_integrity`` (``rollups.match_base_tables``) compares them with the base tables.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cluster_portal.fields import fiscal_year_field
from projects.models.outcomes import OutcomeKind
from regions.models import Region

#: the column holding the number of published results of each kind
RESULT_COLUMNS = {kind.value: f"results_{kind.value}" for kind in OutcomeKind}


class RegionYearFiguresQuerySet(models.QuerySet):
    def published(self):
        """Rows of published regions: what the public pages add up (the region's flag is read here,
        so publishing or withdrawing a region changes no rollup)."""
        return self.filter(region__is_published=True)

    def years(self, start_year: int, end_year: int):
        return self.filter(fiscal_year__gte=start_year, fiscal_year__lte=end_year)


class RegionYearFigures(models.Model):
    """One region's figures for one fiscal year, as the public pages count them.

    ``granted`` is the region's grant (交付決定額) for the year; ``allocated`` / ``executed`` sum the
    budgets of its **published** projects drawing on that year's grant; the ``results_*`` columns count
    its **published** results of published projects dated in that fiscal year. ``grants`` and
    ``budgets`` count the rows behind the money columns, so a year with a grant of 0 yen still shows."""

    region = models.ForeignKey(Region, verbose_name=_("地域"), on_delete=models.CASCADE, related_name="year_figures")
    fiscal_year = fiscal_year_field()
    grants = models.PositiveIntegerField(_("交付決定の件数"), default=0)
    granted = models.BigIntegerField(_("交付決定額（円）"), default=0)
    budgets = models.PositiveIntegerField(_("公開プロジェクト予算の件数"), default=0)
    allocated = models.BigIntegerField(_("配分額（円）"), default=0)
    executed = models.BigIntegerField(_("執行額（円）"), default=0)
    results_patent_application = models.PositiveIntegerField(_("特許出願"), default=0)
    results_patent_granted = models.PositiveIntegerField(_("特許登録"), default=0)
    results_license = models.PositiveIntegerField(_("ライセンス"), default=0)
    results_commercialization = models.PositiveIntegerField(_("事業化・製品化"), default=0)
    results_startup = models.PositiveIntegerField(_("起業（ベンチャー）"), default=0)
    results_paper = models.PositiveIntegerField(_("論文"), default=0)
    results_presentation = models.PositiveIntegerField(_("学会発表"), default=0)
    results_award = models.PositiveIntegerField(_("受賞"), default=0)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    objects = RegionYearFiguresQuerySet.as_manager()

    class Meta:
        verbose_name = _("地域・年度別集計")
        verbose_name_plural = _("地域・年度別集計")
        ordering = ["region", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "fiscal_year"], name="region_year_figures_unique"),
        ]
        indexes = [models.Index(fields=["fiscal_year", "region"], name="region_year_figures_year_idx")]

    def __str__(self):
        return f"{self.region_id} {self.fiscal_year}"

    def results(self) -> dict[str, int]:
        """``{kind code: number}`` of the kinds with at least one result."""
        return {kind: getattr(self, column) for kind, column in RESULT_COLUMNS.items() if getattr(self, column)}

    #: the figure columns, in the order ``check_integrity`` reports them
    FIGURES = ("grants", "granted", "budgets", "allocated", "executed", *RESULT_COLUMNS.values())
