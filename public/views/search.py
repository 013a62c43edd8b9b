"""Search across clusters, projects, organisations and results (NFKC-normalised on both sides).

Each section shows its first ``SHOWN_PER_KIND`` rows, says how many of how many it shows, and links
to the filtered list of that kind (the same ``search``, so the same rows) for all of them. Quoted
phrases, result codes, DOIs and patent numbers are terms like any word (``cluster_portal.text``);
matched terms are marked in the titles and in a short excerpt of the text that matched. A query
longer than ``MAX_QUERY_LENGTH`` characters is refused with the limit (400), never cut.
"""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cluster_portal.cache import cached, public_page
from cluster_portal.paging import first_rows_and_count
from cluster_portal.ratelimit import rate_limited
from cluster_portal.text import MAX_QUERY_LENGTH, normalize_query, search_terms
from projects.models import JointResearchProject, Outcome
from public.datasets import DATASETS, public_organizations
from public.export import csv_response, wants_codes
from public.filters import query_field
from regions.models import Region

SHOWN_PER_KIND = 20
# The filtered list that shows every row of a section (its ``q`` is the same search).
FULL_LISTS = {
    "clusters": "regions:list",
    "projects": "projects:list",
    "organizations": "public:organization_list",
    "results": "public:result_list",
}


class SearchForm(forms.Form):
    q = query_field(
        label=_("キーワード"),
        help_text=format_lazy(
            _(
                "全角・半角、大文字・小文字の違いは区別しません。複数の語はスペースで区切るとすべてを含むものを探します。"
                '「"ナノ 材料"」のように引用符で囲むと、その語順のまま探します。'
                "成果コード、DOI、出願番号・登録番号でも探せます。{limit}文字まで。"
            ),
            limit=MAX_QUERY_LENGTH,
        ),
    )

    def __init__(self, data):
        super().__init__(data, auto_id="search-%s")


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
    """The counts and first rows of each kind for one search, evaluated (so they can be cached).

    The best matches first (``search_rank``: the title is the query, contains it as a phrase, holds
    every word; then a phrase in another field), then each kind's usual order. One query per kind:
    the count comes with the first rows (``first_rows_and_count``), so the matches are found once."""
    found = matches(query)
    ordered = {
        "clusters": found["clusters"].select_related("program").order_by("search_rank", "name"),
        "projects": found["projects"].select_related("region").order_by("search_rank", "code"),
        "organizations": found["organizations"].order_by("search_rank", "kind", "name"),
        "results": found["results"]
        .select_related("project", "project__region")
        .order_by("search_rank", "-occurred_on", "-pk"),
    }
    sections = []
    for kind, queryset in ordered.items():
        items, count = first_rows_and_count(queryset, SHOWN_PER_KIND)
        sections.append({"kind": kind, "count": count, "items": items})
    return sections


@rate_limited("search")
@public_page
def site_search(request):
    form = SearchForm(request.GET)
    if not form.is_valid():  # too long: the page says the limit and searches nothing
        return render(request, "search/search.html", {"form": form}, status=400)
    query = normalize_query(form.cleaned_data["q"])
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
    for section in sections:
        section["full_list"] = f"{reverse(FULL_LISTS[section['kind']])}?{urlencode({'q': query})}"
    return render(
        request,
        "search/search.html",
        {
            "form": form,
            "query": query,
            "terms": search_terms(query),
            "sections": sections,
            "total": sum(section["count"] for section in sections),
        },
    )
