"""Public lists and pages: organisations, results browser, events."""

from django.db.models import Count, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from cluster_portal.cache import cached, cached_page, public_page
from cluster_portal.models import scalar_count
from cluster_portal.paging import paginate
from coordinators.models import Coordinator
from projects.models import JointResearchProject, Outcome, OutcomeKind, Participation
from public import structured
from public.datasets import DATASETS, public_organizations
from public.export import csv_response, wants_codes
from public.filters import EventFilter, OrganizationFilter, ResultFilter, project_ids_q
from public.stats import data_last_updated, published_result_counts, published_result_years
from regions.models import Event, Organization, Region

PER_PAGE = 25


def _page(request, queryset):
    return paginate(queryset, PER_PAGE, request.GET.get("page"))


# --- organisations -------------------------------------------------------------------------------


def organization_rows(kind: str, text: str):
    """Public organisations of one kind (or all) matching ``text``, with their published project counts."""
    organizations = OrganizationFilter.apply(public_organizations(), {"kind": kind, "q": text})
    published_projects = JointResearchProject.objects.published().values("pk")
    # Counted per row shown (a correlated subquery), not by grouping every organisation's participations.
    projects = Participation.objects.filter(organization=OuterRef("pk"), project__in=published_projects)
    return (
        organizations.select_related("prefecture")
        .annotate(project_count=scalar_count(projects, "project"))
        .order_by("kind", "name", "pk")
    )


@cached("public-organization-kinds")
def organization_kind_counts() -> dict[str, int]:
    kinds = public_organizations().order_by().values("kind").annotate(count=Count("pk")).order_by("kind")
    return {row["kind"]: row["count"] for row in kinds}


@public_page
def organization_list(request):
    filterset = OrganizationFilter(request.GET)
    data = filterset.params()
    organizations = OrganizationFilter.apply(public_organizations(), data)
    if request.GET.get("format") == "csv":
        dataset = DATASETS["organizations"]
        return csv_response(
            dataset,
            dataset.queryset().filter(pk__in=organizations.values("pk")),
            "organizations",
            codes=wants_codes(request),
        )
    kind_counts = organization_kind_counts()
    kind = data.get("kind", "")
    known = None if data.get("q") else (kind_counts.get(kind, 0) if kind else sum(kind_counts.values()))
    context = {
        "form": filterset.form,
        "page": cached_page(
            "public-organizations",
            organization_rows,
            (kind, data.get("q", "")),
            request.GET.get("page"),
            PER_PAGE,
            count=known,  # not searched: the count of its kind beside the list, no COUNT of the join
        ),
        "kind_counts": kind_counts,
        "is_filtered": filterset.is_filtered(),
        "last_updated": data_last_updated(),
    }
    return render(request, "organizations/organization_list.html", context)


@public_page
def organization_detail(request, slug):
    organization = public_organizations().select_related("prefecture", "parent").filter(slug=slug).first()
    if organization is None:
        raise Http404
    published_projects = JointResearchProject.objects.published()
    participations = (
        Participation.objects.published()
        .filter(organization=organization)
        .select_related("project", "project__region")
        .order_by("project__region__name", "project__code")
    )
    hosted = published_projects.filter(host_organization=organization).select_related("region")
    outcomes = (
        Outcome.objects.published()
        .filter(Q(company=organization) | Q(project__in=published_projects.filter(project_ids_q(organization))))
        .select_related("project", "project__region")
        .order_by("-occurred_on", "-pk")
    )
    clusters = (
        Region.objects.published()
        .filter(
            Q(core_institution=organization)
            | Q(designated_by=organization)
            | Q(projects__in=published_projects.filter(project_ids_q(organization)))
        )
        .distinct()
        .order_by("name")
    )
    context = {
        "organization": organization,
        "participations": participations,
        "hosted": hosted,
        "outcomes": outcomes,
        "outcome_counts": outcomes.counts_by_kind(),
        "clusters": clusters,
        "coordinators": Coordinator.objects.published().filter(affiliation=organization).select_related("region"),
        "last_updated": organization.updated_at,
        "structured_data": structured.organization(request, organization),
    }
    return render(request, "organizations/organization_detail.html", context)


# --- results browser -----------------------------------------------------------------------------


def filter_results(data: dict):
    """Published results narrowed by the results browser's filters (``ResultFilter.params()``)."""
    return ResultFilter.apply(Outcome.objects.published(), data)


def result_rows(kind: str, year, cluster: str, organization: str, text: str):
    data = {"kind": kind, "year": year, "cluster": cluster, "organization": organization, "q": text}
    return filter_results(data).select_related("project", "project__region", "company").order_by("-occurred_on", "-pk")


@cached("public-result-counts")
def result_kind_counts(kind: str, year, cluster: str, organization: str, text: str) -> dict[str, int]:
    """``counts_by_kind`` of ``result_rows(…)``: the counts beside the results browser (cached). Narrowed
    by kind, fiscal year and cluster only, they are summed from the rollups (``published_result_counts``)."""
    if not organization and not text:
        return published_result_counts(kind=kind, fiscal_year=year or None, region_slug=cluster)
    return result_rows(kind, year, cluster, organization, text).order_by().counts_by_kind()


@cached("public-result-years")
def result_years() -> list[int]:
    return published_result_years()


@public_page
def result_list(request):
    filterset = ResultFilter(request.GET, offered=result_years())
    data = filterset.params()
    outcomes = filter_results(data)
    if request.GET.get("format") == "csv":
        dataset = DATASETS["results"]
        return csv_response(
            dataset, dataset.queryset().filter(pk__in=outcomes.values("pk")), "results", codes=wants_codes(request)
        )
    args = tuple(data.get(name, "") for name in ("kind", "year", "cluster", "organization", "q"))
    counts = result_kind_counts(*args)
    context = {
        "form": filterset.form,
        "page": cached_page(
            "public-results", result_rows, args, request.GET.get("page"), PER_PAGE, count=sum(counts.values())
        ),
        "kind_counts": [(code, label, counts.get(code, 0)) for code, label in OutcomeKind.choices],
        "organization": Organization.objects.filter(slug=data["organization"]).first()
        if data.get("organization")
        else None,
        "is_filtered": filterset.is_filtered(),
        "last_updated": data_last_updated(),
    }
    return render(request, "results/result_list.html", context)


@public_page
def result_detail(request, code):
    """One result (成果) with its identifiers, people, product and project; unpublished ones are 404 to the public."""
    outcome = get_object_or_404(
        Outcome.objects.visible_to(request.user).select_related(
            "project", "project__region", "project__host_organization", "company"
        ),
        code=code,
    )
    context = {"outcome": outcome, "last_updated": outcome.updated_at}
    return render(request, "results/result_detail.html", context)


# --- events --------------------------------------------------------------------------------------


def filter_events(data: dict):
    """Published events narrowed by the event list's filters (``EventFilter.params()``)."""
    return EventFilter.apply(Event.objects.published(), data)


@public_page
def event_list(request):
    filterset = EventFilter(request.GET)
    events = filter_events(filterset.params())
    if request.GET.get("format") == "csv":
        dataset = DATASETS["events"]
        return csv_response(
            dataset, dataset.queryset().filter(pk__in=events.values("pk")), "events", codes=wants_codes(request)
        )
    context = {
        "form": filterset.form,
        "page": _page(request, events.select_related("region").order_by("-starts_on", "-pk")),
        "is_filtered": filterset.is_filtered(),
        "last_updated": data_last_updated(),
    }
    return render(request, "events/event_list.html", context)


@public_page
def event_detail(request, code):
    """One event (フォーラム・成果発表会) with its region and projects; unpublished ones are 404 to the public."""
    event = get_object_or_404(
        Event.objects.visible_to(request.user).select_related("region", "region__program"), code=code
    )
    context = {
        "event": event,
        "projects": JointResearchProject.objects.visible_to(request.user).filter(events=event).order_by("code"),
        "structured_data": structured.event(request, event),
        "last_updated": event.updated_at,
    }
    return render(request, "events/event_detail.html", context)
