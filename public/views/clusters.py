from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from cluster_portal.cache import cached, public_page
from cluster_portal.templatetags.portal import localized
from coordinators.models import Coordinator
from projects.models import JointResearchProject, Outcome, OutcomeKind, Participation, ProjectBudget
from public import charts
from public.datasets import DATASETS
from public.export import csv_response
from public.stats import data_last_updated, funding_table, public_region_funding
from regions.models import (
    ClusterType,
    Evaluation,
    Event,
    Grant,
    Headquarters,
    HeadquartersMember,
    OrganizationKind,
    Prefecture,
    Program,
    Region,
    RegionStatus,
    RelatedMeasure,
)

REGIONS_PER_PAGE = 25
RESULTS_PER_KIND = 10
# The cluster page's lists that grow with the data: projects and events show the first rows and link
# to their full, filtered and paginated lists; participants (no such list) are paginated in place.
PROJECTS_SHOWN = 20
EVENTS_SHOWN = 10
PARTICIPANTS_PER_PAGE = 30

SORTS = {
    "": ("program__start_fiscal_year", "selected_fiscal_year", "name"),
    "name": ("name", "pk"),
    "-selected": ("-selected_fiscal_year", "name", "pk"),
    "selected": ("selected_fiscal_year", "name", "pk"),
    "-granted": ("-granted_total", "name", "pk"),
}
SORT_CHOICES = [
    ("", _("事業の期・採択年度順")),
    ("name", _("地域名順")),
    ("-selected", _("採択年度の新しい順")),
    ("selected", _("採択年度の古い順")),
    ("-granted", _("交付決定額の多い順")),
]


class ProgramChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return localized(obj, "name")


class PrefectureChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return localized(obj, "name")


class RegionFilterForm(forms.Form):
    """The GET filters of the cluster list; every value stays in the URL so a search can be shared."""

    q = forms.CharField(label=_("キーワード"), required=False, max_length=100, widget=forms.SearchInput)
    program = ProgramChoiceField(
        label=_("事業（期）"),
        queryset=Program.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("すべて"),
    )
    fiscal_year = forms.TypedChoiceField(label=_("採択年度"), coerce=int, required=False, empty_value=None)
    prefecture = PrefectureChoiceField(
        label=_("都道府県"),
        queryset=Prefecture.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("すべて"),
    )
    theme = forms.ChoiceField(label=_("テーマ・分野"), required=False)
    cluster_type = forms.ChoiceField(label=_("類型"), choices=[("", _("すべて")), *ClusterType.choices], required=False)
    status = forms.ChoiceField(label=_("状態"), choices=[("", _("すべて")), *RegionStatus.choices], required=False)
    sort = forms.ChoiceField(label=_("並び順"), choices=SORT_CHOICES, required=False)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        from cluster_portal.templatetags.portal import fiscal_year

        regions = regions if regions is not None else Region.objects.published()
        years = regions.exclude(selected_fiscal_year=None).order_by("selected_fiscal_year")
        years = years.values_list("selected_fiscal_year", flat=True).distinct()
        self.fields["fiscal_year"].choices = [("", _("すべて")), *((year, fiscal_year(year)) for year in years)]
        themes = regions.exclude(theme="").order_by("theme").values_list("theme", flat=True).distinct()
        self.fields["theme"].choices = [("", _("すべて")), *((theme, theme) for theme in themes)]

    def filters(self) -> dict:
        """Keyword arguments for ``RegionQuerySet.filter_list``; invalid values are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        program = data.get("program")
        prefecture = data.get("prefecture")
        return {
            "program_code": program.code if program else "",
            "cluster_type": data.get("cluster_type", ""),
            "status": data.get("status", ""),
            "text": data.get("q", ""),
            "prefecture_code": prefecture.code if prefecture else "",
            "fiscal_year": data.get("fiscal_year"),
            "theme": data.get("theme", ""),
        }

    def sort_order(self) -> tuple:
        return SORTS.get(getattr(self, "cleaned_data", {}).get("sort", ""), SORTS[""])


def first_rows(queryset, count: int) -> tuple[list, bool]:
    """The first ``count`` rows and whether there are more: one query (a row more), no COUNT."""
    rows = list(queryset[: count + 1])
    return rows[:count], len(rows) > count


def facet_counts(regions) -> dict:
    """Counts of the current results per facet value, one grouped query per facet."""
    results = regions.order_by()
    pks = results.values("pk")
    return {
        "program": list(
            Program.objects.filter(regions__in=pks)
            .values("code", "name", "name_en")
            .annotate(count=Count("regions", distinct=True))
            .order_by("start_fiscal_year", "code")
        ),
        "cluster_type": list(results.values("cluster_type").annotate(count=Count("pk")).order_by("cluster_type")),
        "status": list(results.values("status").annotate(count=Count("pk")).order_by("status")),
        "prefecture": list(
            Prefecture.objects.filter(regions__in=pks)
            .values("code", "name", "name_en")
            .annotate(count=Count("regions", distinct=True))
            .order_by("code")
        ),
        "fiscal_year": list(
            results.exclude(selected_fiscal_year=None)
            .values("selected_fiscal_year")
            .annotate(count=Count("pk"))
            .order_by("selected_fiscal_year")
        ),
    }


@cached("public-region-facets")
def public_facet_counts(**filters) -> dict:
    """``facet_counts`` of the published clusters for the anonymous public, cached by data generation."""
    return facet_counts(Region.objects.published().filter_list(**filters))


@public_page
def region_list(request):
    visible = Region.objects.visible_to(request.user)
    form = RegionFilterForm(request.GET, regions=visible)
    filters = form.filters()
    if request.GET.get("format") == "csv":
        dataset = DATASETS["clusters"]
        return csv_response(dataset, dataset.queryset().filter_list(**filters), "clusters")
    regions = (
        visible.for_list()
        .filter_list(**filters)
        .annotate(granted_total=Sum("grants__amount"))
        .order_by(*form.sort_order())
    )
    page = Paginator(regions, REGIONS_PER_PAGE).get_page(request.GET.get("page"))
    is_filtered = any(request.GET.get(name) for name in form.fields if name != "sort")
    context = {
        "form": form,
        "page": page,
        "is_filtered": is_filtered,
        "facets": facet_counts(visible.filter_list(**filters))
        if request.user.is_authenticated
        else public_facet_counts(**filters),
        "last_updated": data_last_updated(),
    }
    return render(request, "regions/region_list.html", context)


@public_page
def region_detail(request, slug):
    user = request.user
    region = get_object_or_404(Region.objects.visible_to(user).for_detail(), slug=slug)
    try:
        headquarters = region.headquarters
    except Headquarters.DoesNotExist:
        headquarters = None
    if user.is_authenticated:
        funding_rows, funding_total = funding_table(
            Grant.objects.visible_to(user).of_region(region.pk).totals_by_fiscal_year(),
            ProjectBudget.objects.visible_to(user).of_region(region.pk).totals_by_fiscal_year(),
        )
        outcome_counts = Outcome.objects.visible_to(user).of_region(region.pk).counts_by_kind()
    else:  # the public sees published data only: cached by data generation (cluster_portal/cache.py)
        funding_rows, funding_total, outcome_counts = public_region_funding(region.pk)
    outcomes = list(
        Outcome.objects.visible_to(user)
        .of_region(region.pk)
        .select_related("project", "project__region", "company")
        .order_by("-occurred_on", "-pk")[: RESULTS_PER_KIND * 3]
    )
    visible_projects = JointResearchProject.objects.visible_to(user).of_region(region.pk)
    participants = (
        Participation.objects.visible_to(user)
        .filter(project__in=visible_projects)
        .order_by()
        .values("organization__slug", "organization__name", "organization__name_en", "organization__kind")
        .annotate(projects=Count("project", distinct=True))
        .order_by("organization__kind", "organization__name")
    )
    projects, more_projects = first_rows(
        visible_projects.select_related("host_organization").order_by("code"), PROJECTS_SHOWN
    )
    events, more_events = first_rows(
        Event.objects.visible_to(user).of_region(region.pk).order_by("-starts_on", "-pk"), EVENTS_SHOWN
    )
    context = {
        "region": region,
        "headquarters": headquarters,
        "members": HeadquartersMember.objects.visible_to(user).of_region(region.pk).roster(),
        "projects": projects,
        "more_projects": more_projects,
        "participants": Paginator(participants, PARTICIPANTS_PER_PAGE).get_page(request.GET.get("participants_page")),
        "organization_kinds": OrganizationKind.choices,
        "funding_rows": funding_rows,
        "funding_total": funding_total,
        "funding_chart": charts.funding_bars(funding_rows),
        "outcome_counts": [(label, outcome_counts.get(code, 0)) for code, label in OutcomeKind.choices],
        "outcome_kinds": [(code, label, outcome_counts.get(code, 0)) for code, label in OutcomeKind.choices],
        "outcome_total": sum(outcome_counts.values()),
        "outcomes": outcomes,
        "events": events,
        "more_events": more_events,
        "evaluations": Evaluation.objects.visible_to(user).of_region(region.pk).order_by("fiscal_year", "kind"),
        "measures": RelatedMeasure.objects.visible_to(user).of_region(region.pk),
        "coordinators": Coordinator.objects.visible_to(user).of_region(region.pk).select_related("affiliation"),
        "last_updated": region.updated_at,
    }
    return render(request, "regions/region_detail.html", context)
