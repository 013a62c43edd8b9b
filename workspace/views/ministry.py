"""The ministry's side of the workspace: submitted reports to review and published items to withdraw."""

from django.shortcuts import render

from coordinators.models import Coordinator
from projects.models import JointResearchProject, Outcome, ProgressReport, ReportStatus
from regions.models import Event
from workspace.forms import PublicationForm
from workspace.views.base import ministry_required

PUBLISHED_ROWS = 30


@ministry_required
def ministry_home(request):
    user = request.user
    published = [
        (
            kind,
            label,
            model.objects.visible_to(user)
            .filter(is_published=True)
            .select_related(*related)
            .order_by("-updated_at")[:PUBLISHED_ROWS],
        )
        for kind, label, model, related in (
            ("project", JointResearchProject._meta.verbose_name, JointResearchProject, ("region",)),
            ("outcome", Outcome._meta.verbose_name, Outcome, ("project__region",)),
            ("coordinator", Coordinator._meta.verbose_name, Coordinator, ("region",)),
            ("event", Event._meta.verbose_name, Event, ("region",)),
        )
    ]
    context = {
        "submitted_reports": ProgressReport.objects.visible_to(user)
        .filter(status=ReportStatus.SUBMITTED)
        .select_related("project", "project__region")
        .order_by("submitted_at", "pk"),
        "published": published,
        "publication_form": PublicationForm(),
    }
    return render(request, "workspace/ministry.html", context)
