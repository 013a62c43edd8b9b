from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse

from cluster_portal.cache import cached, public_page
from cluster_portal.templatetags.portal import localized
from projects.models import Outcome
from public.japan_map import MapPrefecture, render_map
from public.stats import data_last_updated, key_figures
from regions.models import Event, Prefecture, Region

LATEST_COUNT = 5


@cached("cluster-map", per_language=True)
def cluster_map():
    """The map of Japan and its text alternative: published clusters grouped by prefecture (two queries, cached)."""
    regions = Region.objects.published().prefetch_related("prefectures").order_by("name")
    prefectures = {prefecture.code: prefecture for prefecture in Prefecture.objects.order_by("code")}
    by_code: dict[str, list] = {}
    for region in regions:
        for prefecture in region.prefectures.all():
            by_code.setdefault(prefecture.code, []).append(region)
    list_url = reverse("regions:list")
    marked = []
    for code in sorted(by_code):
        query = QueryDict(mutable=True)
        query["prefecture"] = code
        marked.append(
            MapPrefecture(
                code=code,
                name=localized(prefectures.get(code), "name") or code,
                clusters=[(localized(region, "name"), region.get_absolute_url()) for region in by_code[code]],
                url=f"{list_url}?{query.urlencode()}",
            )
        )
    names = {code: localized(prefecture, "name") for code, prefecture in prefectures.items()}
    return render_map(marked, names=names), marked


@public_page
def home(request):
    """The program's structure, live key figures, the map, and the latest published events and results."""
    japan_map, map_prefectures = cluster_map()
    context = {
        "figures": key_figures(),
        "japan_map": japan_map,
        "map_prefectures": map_prefectures,
        "latest_events": Event.objects.published()
        .select_related("region")
        .order_by("-starts_on", "-pk")[:LATEST_COUNT],
        "latest_results": Outcome.objects.published()
        .select_related("project", "project__region")
        .order_by("-occurred_on", "-pk")[:LATEST_COUNT],
        "last_updated": data_last_updated(),
    }
    return render(request, "home.html", context)
