from django.shortcuts import render

from cluster_portal.stats import key_figures
from projects.models import Outcome
from regions.models import Event

LATEST_COUNT = 5


def home(request):
    """The program's structure, live key figures and the latest published events and results."""
    context = {
        "figures": key_figures(),
        "latest_events": Event.objects.published()
        .select_related("region")
        .order_by("-starts_on", "-pk")[:LATEST_COUNT],
        "latest_results": Outcome.objects.published()
        .select_related("project", "project__region")
        .order_by("-occurred_on", "-pk")[:LATEST_COUNT],
    }
    return render(request, "home.html", context)
