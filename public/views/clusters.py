from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, render

from cluster_portal.cache import cached, public_page
from cluster_portal.paging import paginate
from coordinators.models import Coordinator
from projects.models import JointResearchProject, Outcome, OutcomeKind, Participation, ProjectBudget
from public import charts
from public.datasets import DATASETS
from public.export import csv_response, wants_codes
from public.filters import RegionFilter, RegionListFilter
from public.stats import data_last_updated, funding_table, public_region_funding
from regions.models import (
    Evaluation,
    Event,
    Grant,
    Headquarters,
    HeadquartersMember,
    OrganizationKind,
    Prefecture,
    Program,
    Region,
    RelatedMeasure,
    SupportDecision,
    SupportStatus,
)

REGIONS_PER_PAGE = 25
RESULTS_PER_KIND = 10
# The cluster page's lists that grow with the data: projects and events show the first rows and link
# to their full, filtered and paginated lists; participants (no such list) are paginated in place.
PROJECTS_SHOWN = 20
EVENTS_SHOWN = 10
PARTICIPANTS_PER_PAGE = 30


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
def public_facet_counts(**params) -> dict:
    """``facet_counts`` of the published clusters for the anonymous public, cached by data generation."""
    return facet_counts(RegionFilter.apply(Region.objects.published(), params))


@public_page
def region_list(request):
    visible = Region.objects.visible_to(request.user)
    filterset = RegionListFilter(request.GET, offered=visible)
    params = filterset.params()
    if request.GET.get("format") == "csv":
        dataset = DATASETS["clusters"]
        return csv_response(
            dataset, RegionFilter.apply(dataset.queryset(), params), "clusters", codes=wants_codes(request)
        )
    regions = RegionFilter.apply(visible.for_list(), params).annotate(granted_total=Sum("grants__amount"))
    page = paginate(filterset.sorted(regions), REGIONS_PER_PAGE, request.GET.get("page"))
    context = {
        "form": filterset.form,
        "page": page,
        "is_filtered": filterset.is_filtered(),
        "facets": facet_counts(RegionFilter.apply(visible, params))
        if request.user.is_authenticated
        else public_facet_counts(**params),
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
        "participants": paginate(participants, PARTICIPANTS_PER_PAGE, request.GET.get("participants_page")),
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
        "support_decisions": SupportDecision.objects.visible_to(user)
        .of_region(region.pk)
        .filter(status=SupportStatus.CONFIRMED)
        .select_related("evaluation")
        .order_by("start_fiscal_year", "pk"),
        "measures": RelatedMeasure.objects.visible_to(user).of_region(region.pk),
        "coordinators": Coordinator.objects.visible_to(user).of_region(region.pk).select_related("affiliation"),
        "last_updated": region.updated_at,
    }
    return render(request, "regions/region_detail.html", context)
