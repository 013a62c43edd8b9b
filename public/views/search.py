"""Search across clusters, projects, organisations and results (NFKC-normalised on both sides)."""

from django.http import Http404
from django.shortcuts import render

from cluster_portal.cache import cached, public_page
from cluster_portal.ratelimit import rate_limited
from cluster_portal.text import normalize_query
from projects.models import JointResearchProject, Outcome
from public.datasets import DATASETS, public_organizations
from public.export import csv_response, wants_codes
from regions.models import Region

SHOWN_PER_KIND = 20


def matches(query: str) -> dict:
    """Querysets of published rows matching ``query``, by kind (not evaluated)."""
    return {
        "clusters": Region.objects.published().search(query),
        "projects": JointResearchProject.objects.published().search(query),
        "organizations": public_organizations().search(query),
        "results": Outcome.objects.published().search(query),
    }


@cached("public-search")
def search_sections(query: str) -> list[dict]:
    """The counts and first rows of each kind for one search, evaluated (so they can be cached)."""
    found = matches(query)
    return [
        {
            "kind": "clusters",
            "count": found["clusters"].count(),
            "items": list(found["clusters"].select_related("program").order_by("name")[:SHOWN_PER_KIND]),
        },
        {
            "kind": "projects",
            "count": found["projects"].count(),
            "items": list(found["projects"].select_related("region").order_by("code")[:SHOWN_PER_KIND]),
        },
        {
            "kind": "organizations",
            "count": found["organizations"].count(),
            "items": list(found["organizations"].order_by("kind", "name")[:SHOWN_PER_KIND]),
        },
        {
            "kind": "results",
            "count": found["results"].count(),
            "items": list(
                found["results"]
                .select_related("project", "project__region")
                .order_by("-occurred_on", "-pk")[:SHOWN_PER_KIND]
            ),
        },
    ]


@rate_limited("search")
@public_page
def site_search(request):
    query = normalize_query(request.GET.get("q", ""))
    kind = request.GET.get("type", "")
    if request.GET.get("format") == "csv":
        if kind not in DATASETS or kind not in ("clusters", "projects", "organizations", "results"):
            raise Http404
        dataset = DATASETS[kind]
        found = matches(query)[kind] if query else DATASETS[kind].queryset().none()
        return csv_response(
            dataset, dataset.queryset().filter(pk__in=found.values("pk")), f"search-{kind}", codes=wants_codes(request)
        )
    sections = search_sections(query) if query else []
    return render(
        request,
        "search/search.html",
        {"query": query, "sections": sections, "total": sum(section["count"] for section in sections)},
    )
