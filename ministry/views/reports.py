"""The ministry's side of the headquarters' work: submitted progress reports to accept or return,
and published items to withdraw. Mounted under /workspace/ (``ministry.report_urls``, URL names
``workspace:ministry`` and ``workspace:report_review``)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cluster_portal.guards import ministry_required
from cluster_portal.web import run_once
from coordinators.models import Coordinator
from ministry.forms import ReviewForm
from projects.models import JointResearchProject, Outcome, ProgressReport, ReportStatus
from projects.services import reports as report_services
from regions.models import Event

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
    }
    return render(request, "workspace/ministry.html", context)


@ministry_required.of(ProgressReport)
def report_review(request, pk):
    """Ministry staff accept a submitted report or return it with comments."""
    user = request.user
    report = get_object_or_404(ProgressReport.objects.visible_to(user).select_related("project"), pk=pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept = form.cleaned_data["decision"] == ReviewForm.ACCEPT

        def review() -> str:
            report_services.report_review(
                user=user, report_pk=report.pk, accept=accept, comment=form.cleaned_data["comment"]
            )
            return reverse("workspace:ministry")

        response = run_once(
            request,
            form,
            review,
            success_message=_("報告を受理しました。") if accept else _("報告を差し戻しました。"),
        )
        if response is not None:
            return response
    if report.status == ReportStatus.DRAFT:
        raise Http404
    return render(
        request,
        "workspace/report_review.html",
        {
            "report": report,
            "form": form,
            "milestones": report.milestones.all(),
            "attachments": report.attachments.all(),
        },
        status=400 if request.method == "POST" else 200,
    )
