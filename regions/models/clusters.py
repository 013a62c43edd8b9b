"""Regions (the clusters) and their headquarters (本部) with its roster."""

import threading
from collections import Counter

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal.cache import data_generation
from cluster_portal.fields import fiscal_year_field
from cluster_portal.models import RegionScopedQuerySet, Role, TimeStampedModel
from cluster_portal.text import SearchableQuerySetMixin, search
from cluster_portal.workflow import Transition, Workflow
from regions.models.calls import Program
from regions.models.organizations import Organization, Prefecture


class ClusterType(models.TextChoices):
    GLOBAL = "global", _("グローバル型")
    REGIONAL = "regional", _("地域特性型")


class RegionStatus(models.TextChoices):
    PLANNING = "planning", _("構想中")
    ACTIVE = "active", _("実施中")
    COMPLETED = "completed", _("終了")
    DISCONTINUED = "discontinued", _("中止")


REGION_WORKFLOW = Workflow(
    "status",
    RegionStatus,
    [
        Transition(RegionStatus.PLANNING, RegionStatus.ACTIVE, frozenset({Role.MINISTRY, Role.ADMINISTRATOR})),
        # A region whose earlier phase ended is selected again for a new phase.
        Transition(RegionStatus.COMPLETED, RegionStatus.ACTIVE, frozenset({Role.MINISTRY, Role.ADMINISTRATOR})),
        Transition(RegionStatus.ACTIVE, RegionStatus.COMPLETED, frozenset({Role.MINISTRY, Role.ADMINISTRATOR})),
        Transition(
            RegionStatus.ACTIVE,
            RegionStatus.DISCONTINUED,
            frozenset({Role.MINISTRY, Role.ADMINISTRATOR}),
            needs_reason=True,
        ),
    ],
)


class RegionQuerySet(SearchableQuerySetMixin, RegionScopedQuerySet):
    """``search(text)``: regions whose names, cluster name, theme or prefecture contain every word of
    ``text``, in either language (no trigram index: the prefecture subquery needs a scan anyway)."""

    region_lookup = "pk"
    search_fields = ("name", "name_en", "cluster_name", "cluster_name_en", "theme", "theme_en")
    search_title_fields = ("name", "name_en", "cluster_name", "cluster_name_en")

    def public_q(self):
        return Q(is_published=True)

    def of_region(self, region_id):
        return self.filter(pk=region_id)

    def visible_to(self, user):
        from cluster_portal.models import own_region_id, sees_everything

        if sees_everything(user):
            return self.all()
        region_id = own_region_id(user)
        if region_id is not None:
            return self.filter(Q(is_published=True) | Q(pk=region_id))
        return self.published()

    def for_list(self):
        return self.select_related("program", "core_institution").prefetch_related("prefectures")

    def for_detail(self):
        """Everything the cluster detail page shows about the region itself, in two queries."""
        return self.select_related("program", "core_institution", "designated_by", "headquarters").prefetch_related(
            "prefectures"
        )

    def search_word_q(self, word: str) -> Q:
        """A word of the search also finds the regions of a prefecture whose name contains it."""
        prefectures = Region.prefectures.through.objects.all()
        in_prefecture = search(prefectures, ["prefecture__name", "prefecture__name_en"], word)
        return Q(pk__in=in_prefecture.values("region_id"))


_names = threading.local()


def forget_region_names(**kwargs) -> None:
    """Drop the memo of ``shared_region_names`` (connected to ``request_finished`` and to the saves and
    deletes of regions and programmes, regions/apps.py)."""
    _names.__dict__.clear()


def start_request_names(**kwargs) -> None:
    """A request begins (``request_started``): a fresh memo, trusted for the rest of the request."""
    _names.__dict__.clear()
    _names.in_request = True


def shared_region_names() -> dict:
    """What ``Region.display_name`` needs besides the row, in one query per request:

    ``shared``: ``("ja", 名称)`` and ``("en", English name)`` pairs used by more than one region;
    ``programs``: each programme's id → (name, English name, first fiscal year), so that naming the
    phase of a row never queries its programme.

    Kept for the rest of the request (or, outside one, while the data generation stays the same), so
    a page naming many clusters reads it once, and every request that names one costs exactly one
    small query whatever the data size — whole public pages are cached anyway. Within a request the
    data generation is read once, not once per name (a page of 100 regions made 100 cache round
    trips); a region or programme saved or deleted during the request drops the memo.
    """
    if getattr(_names, "in_request", False) and hasattr(_names, "value"):
        return _names.value
    try:
        generation = data_generation()
    except Exception:  # the cache is unreachable: keep the memo for this request only
        generation = "unreachable"
    if getattr(_names, "generation", None) == generation:
        return _names.value
    rows = Region.objects.order_by().values_list(
        "name", "name_en", "program_id", "program__name", "program__name_en", "program__start_fiscal_year"
    )
    counts = Counter()
    programs = {}
    for name, name_en, program_id, *program in rows:
        counts[("ja", name)] += 1
        if name_en:
            counts[("en", name_en)] += 1
        programs[program_id] = tuple(program)
    _names.value = {"shared": frozenset(key for key, count in counts.items() if count > 1), "programs": programs}
    _names.generation = generation
    return _names.value


class Region(TimeStampedModel):
    """A cluster region (知的クラスター): the unit that is selected and funded."""

    slug = models.SlugField(_("識別子"), max_length=80, unique=True)
    name = models.CharField(_("地域名"), max_length=100)
    name_en = models.CharField(_("英語の地域名"), max_length=200, blank=True)
    program = models.ForeignKey(Program, verbose_name=_("事業（期）"), on_delete=models.PROTECT, related_name="regions")
    cluster_name = models.CharField(_("クラスター名"), max_length=200, blank=True)
    cluster_name_en = models.CharField(_("英語のクラスター名"), max_length=200, blank=True)
    theme = models.CharField(_("テーマ・分野"), max_length=200, blank=True, db_index=True)
    theme_en = models.CharField(_("英語のテーマ"), max_length=200, blank=True)
    concept = models.TextField(_("クラスター構想"), blank=True)
    concept_en = models.TextField(_("クラスター構想（英語）"), blank=True)
    cluster_type = models.CharField(
        _("類型"), max_length=10, choices=ClusterType.choices, default=ClusterType.REGIONAL, db_index=True
    )
    status = models.CharField(
        _("状態"), max_length=15, choices=RegionStatus.choices, default=RegionStatus.PLANNING, db_index=True
    )
    prefectures = models.ManyToManyField(Prefecture, verbose_name=_("都道府県"), related_name="regions")
    core_institution = models.ForeignKey(
        Organization,
        verbose_name=_("中核機関"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="core_of_regions",
    )
    designated_by = models.ForeignKey(
        Organization,
        verbose_name=_("中核機関を指定した地方公共団体"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="designated_regions",
    )
    selected_fiscal_year = fiscal_year_field(_("採択年度"), null=True, blank=True, db_index=True)
    start_fiscal_year = fiscal_year_field(_("事業開始年度"), null=True, blank=True)
    end_fiscal_year = fiscal_year_field(_("事業終了年度"), null=True, blank=True)
    is_published = models.BooleanField(_("公開"), default=False, db_index=True)
    source = models.CharField(_("出典"), max_length=300, blank=True, help_text=_("事実の出典（URL、報道等）"))

    objects = RegionQuerySet.as_manager()
    workflow = REGION_WORKFLOW
    #: the columns ``display_name`` and the region's address need: ``.only(*Region.NAME_FIELDS)`` where
    #: a page names many regions (a choice list, a log) and shows nothing else of them
    NAME_FIELDS = (
        "slug",
        "name",
        "name_en",
        "program_id",
        "selected_fiscal_year",
        "start_fiscal_year",
        "end_fiscal_year",
    )

    class Meta:
        verbose_name = _("地域（クラスター）")
        verbose_name_plural = _("地域（クラスター）")
        ordering = ["program__start_fiscal_year", "selected_fiscal_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_fiscal_year__isnull=True)
                | Q(start_fiscal_year__isnull=True)
                | Q(end_fiscal_year__gte=models.F("start_fiscal_year")),
                name="region_years_in_order",
                violation_error_message=_("事業終了年度は事業開始年度以降にしてください。"),
            )
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("regions:detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        """The name to show anywhere a region is named: its name in the current language, followed by its
        phase and fiscal years when another region has the same name (「徳島地域（第I期、2002〜2006年度）」).

        Lists, dropdowns (``__str__``), search results and the API (``display_name``) all use it.
        """
        english = (get_language() or "").startswith("en") and bool(self.name_en)
        name = self.name_en if english else self.name
        known = shared_region_names()
        if ("en" if english else "ja", name) not in known["shared"]:
            return name
        program_name, program_name_en, program_start = known["programs"].get(self.program_id, ("", "", None))
        program = (program_name_en or program_name) if english else program_name
        years = self._years_label(program_start)
        return _("%(name)s（%(program)s、%(years)s）") % {"name": name, "program": program, "years": years}

    def _years_label(self, program_start) -> str:
        """The fiscal years of the region's phase: 「2002〜2006年度」, 「2009年度〜」 or the year of selection."""
        start = self.start_fiscal_year or self.selected_fiscal_year or program_start
        end = self.end_fiscal_year
        if start is None:
            return "—"
        if end and end != start:
            return _("%(start)d〜%(end)d年度") % {"start": start, "end": end}
        if end:
            return _("%(year)d年度") % {"year": start}
        return _("%(start)d年度〜") % {"start": start}


class Position(models.TextChoices):
    DIRECTOR = "director", _("本部長")
    PROGRAM_MANAGER = "program_manager", _("事業総括")
    RESEARCH_DIRECTOR = "research_director", _("研究統括")
    OTHER = "other", _("その他")


class Headquarters(TimeStampedModel):
    """The cluster headquarters (知的クラスターの本部) set up by the core institution."""

    region = models.OneToOneField(Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="headquarters")
    name = models.CharField(_("本部名"), max_length=200)
    address = models.CharField(_("所在地"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("クラスター本部")
        verbose_name_plural = _("クラスター本部")
        ordering = ["region__name"]

    def __str__(self):
        return self.name


class HeadquartersMemberQuerySet(RegionScopedQuerySet):
    region_lookup = "headquarters__region"

    def public_q(self):
        return Q(headquarters__region__is_published=True)

    def roster(self):
        """本部長, 事業総括, 研究統括, then others; each by term."""
        rank = models.Case(
            *(models.When(position=code, then=models.Value(i)) for i, code in enumerate(Position.values)),
            default=models.Value(len(Position.values)),
            output_field=models.IntegerField(),
        )
        return self.alias(position_rank=rank).order_by("position_rank", "term_start", "pk")


class HeadquartersMember(models.Model):
    headquarters = models.ForeignKey(
        Headquarters, verbose_name=_("本部"), on_delete=models.CASCADE, related_name="members"
    )
    position = models.CharField(_("役職"), max_length=20, choices=Position.choices)
    name = models.CharField(_("氏名"), max_length=100)
    affiliation = models.CharField(_("所属・役職"), max_length=200, blank=True)
    term_start = models.DateField(_("任期開始"), null=True, blank=True)
    term_end = models.DateField(_("任期終了"), null=True, blank=True)
    is_generated = models.BooleanField(_("デモ用の生成データ"), default=False)

    objects = HeadquartersMemberQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("本部の役員")
        verbose_name_plural = _("本部の役員")
        ordering = ["headquarters", "position", "term_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
                name="hqmember_term_in_order",
                violation_error_message=_("任期終了日は任期開始日以降にしてください。"),
            )
        ]

    def __str__(self):
        return f"{self.get_position_display()} {self.name}"
