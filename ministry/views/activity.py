"""The ministry's activity log (/ministry/activity/): who did what and when across calls, proposals,
reviews, decisions, grants and evaluations, filtered, newest first, paginated (``regions.activity``)."""

from __future__ import annotations

from django.shortcuts import render

from cluster_portal.guards import ministry_required
from cluster_portal.paging import paginate
from ministry.filters import ActivityFilter
from regions.activity import activity_entries, activity_rows

ACTIVITY_PER_PAGE = 50


@ministry_required
def activity_log(request):
    filterset = ActivityFilter(request.GET)
    page = paginate(activity_rows(filterset.narrow), ACTIVITY_PER_PAGE, request.GET.get("page"))
    page.entries = activity_entries(page.object_list)
    context = {
        "page": page,
        "form": filterset.form,
        "is_filtered": any(value for key, value in request.GET.items() if key != "page"),
    }
    return render(request, "ministry/activity_log.html", context)
