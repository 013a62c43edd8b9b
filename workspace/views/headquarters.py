"""The headquarters' own page: its roster (本部長・事業総括・研究統括) and the roster's history.

The roster is edited by import (``headquarters-members``) and in the admin; this page shows it and
every change to it, with before and after (simple-history)."""

from django.shortcuts import render

from cluster_portal.guards import headquarters_required
from cluster_portal.history import history_timeline
from regions.models import HeadquartersMember


@headquarters_required
def headquarters_detail(request):
    headquarters = request.user.headquarters
    members = HeadquartersMember.objects.filter(headquarters=headquarters).order_by("position", "term_start", "pk")
    roster_history = HeadquartersMember.history.filter(headquarters_id=headquarters.pk)
    context = {
        "headquarters": headquarters,
        "members": members,
        "timeline": history_timeline(headquarters, related=[roster_history]),
    }
    return render(request, "workspace/headquarters_detail.html", context)
