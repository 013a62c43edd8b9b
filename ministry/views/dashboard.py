"""The ministry dashboard: open calls, proposals by state, review progress (with each reviewing call's
review and bulk-work pages), decisions, granted vs envelope per fiscal year, evaluations, progress
reports waiting and the activity log, each linking to its page."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from cluster_portal.guards import ministry_required
from projects.models import ProgressReport, ReportStatus
from regions.models import (
    Call,
    Decision,
    Evaluation,
    Grade,
    Proposal,
    ProposalStatus,
    ReviewAssignment,
    SelectionDecision,
    call_day,
)
from regions.services import evaluations as evaluation_services
from regions.services import grants as grant_services


@ministry_required
def dashboard(request):
    today = timezone.localdate()
    by_state = dict(Proposal.objects.for_ministry().order_by().values_list("status").annotate(n=Count("pk")))
    reviews = ReviewAssignment.objects.filter(proposal__status=ProposalStatus.UNDER_REVIEW).aggregate(
        assigned=Count("pk", filter=Q(has_conflict=False)),
        submitted=Count("pk", filter=Q(has_conflict=False, submitted_at__isnull=False)),
        undeclared=Count("pk", filter=Q(conflict_declared_at__isnull=True)),
        conflicts=Count("pk", filter=Q(has_conflict=True)),
    )
    decisions = dict(SelectionDecision.objects.order_by().values_list("decision").annotate(n=Count("pk")))
    grades = dict(Evaluation.objects.order_by().values_list("grade").annotate(n=Count("pk")))
    ranking = evaluation_services.evaluation_ranking()
    context = {
        "open_calls": Call.objects.accepting_on(call_day())
        .select_related("program")
        .annotate(proposal_count=Count("proposals", filter=~Q(proposals__status=ProposalStatus.DRAFT)))
        .order_by("closes_on"),
        "today": today,
        "by_state": [
            (code, label, by_state.get(code, 0))
            for code, label in ProposalStatus.choices
            if code != ProposalStatus.DRAFT
        ],
        "reviews": reviews,
        "reviews_missing": reviews["assigned"] - reviews["submitted"],
        "decisions": [(code, label, decisions.get(code, 0)) for code, label in Decision.choices],
        "envelope_years": grant_services.envelope_by_fiscal_year(),
        "grades": [(code, label, grades.get(code, 0)) for code, label in Grade.choices],
        "candidates": [row for row in ranking if row.is_global_candidate],
        "evaluation_count": sum(grades.values()),
        # every call with proposals under review, with its review and bulk-work pages
        "reviewing_calls": Call.objects.filter(proposals__status=ProposalStatus.UNDER_REVIEW)
        .annotate(under_review=Count("proposals", filter=Q(proposals__status=ProposalStatus.UNDER_REVIEW)))
        .order_by("-fiscal_year", "code"),
        "reports_waiting": ProgressReport.objects.filter(status=ReportStatus.SUBMITTED).count(),
    }
    return render(request, "ministry/dashboard.html", context)
