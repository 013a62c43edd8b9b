"""Ministry pages for proposals: the list by state, reviewer assignment and the selection decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ministry.forms import AssignReviewerForm, DecisionForm, ReasonForm, apply_service_errors
from ministry.views.common import act_and_redirect, base_url, ministry_required
from ministry.views.proposals import ministry_context, proposal_timeline
from regions.models import Call, Proposal, ProposalStatus, ReviewAssignment
from regions.services import reviews as review_services
from regions.services import selection as selection_services

PROPOSALS_PER_PAGE = 30


@ministry_required
def proposal_list(request):
    proposals = (
        Proposal.objects.select_related("call", "region", "decision")
        .annotate(
            assigned=Count("review_assignments", filter=Q(review_assignments__has_conflict=False), distinct=True),
            submitted_reviews=Count(
                "review_assignments",
                filter=Q(review_assignments__has_conflict=False, review_assignments__submitted_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by("-call__fiscal_year", "call__code", "region__name", "pk")
    )
    status = request.GET.get("status", "")
    if status in ProposalStatus.values:
        proposals = proposals.filter(status=status)
    call_code = request.GET.get("call", "")
    if call_code:
        proposals = proposals.filter(call__code=call_code)
    page = Paginator(proposals, PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "call_code": call_code,
        "statuses": ProposalStatus.choices,
        "calls": Call.objects.order_by("-fiscal_year", "code"),
    }
    return render(request, "ministry/proposal_list.html", context)


def _render_proposal(request, proposal, *, assign_form=None, decision_form=None, status=400):
    context = {
        "proposal": proposal,
        "budget_lines": list(proposal.budget_lines.all()),
        "participants": list(proposal.participants.order_by("kind", "name")),
        "attachments": list(proposal.attachments.all()),
        "timeline": proposal_timeline(proposal),
        "reason_form": ReasonForm(),
        **ministry_context(request.user, proposal, assign_form=assign_form, decision_form=decision_form),
    }
    return render(request, "proposals/proposal_detail.html", context, status=status)


def _proposal(pk) -> Proposal:
    return get_object_or_404(Proposal.objects.select_related("call__program", "region", "created_by"), pk=pk)


@require_POST
@ministry_required
def assign_reviewer(request, pk):
    proposal = _proposal(pk)
    form = AssignReviewerForm(request.POST, proposal=proposal)
    if form.is_valid():
        try:
            review_services.assignment_create(
                user=request.user, proposal=proposal, reviewer=form.cleaned_data["reviewer"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("%(reviewer)s を審査委員に割り当てました。") % {"reviewer": form.cleaned_data["reviewer"]}
            )
            return redirect(proposal)
    return _render_proposal(request, proposal, assign_form=form)


@require_POST
@ministry_required
def unassign_reviewer(request, pk, assignment_pk):
    proposal = _proposal(pk)
    assignment = get_object_or_404(ReviewAssignment, proposal=proposal, pk=assignment_pk)
    return act_and_redirect(
        request,
        lambda: review_services.assignment_remove(user=request.user, assignment=assignment),
        _("審査委員の割り当てを解除しました。"),
        proposal,
    )


@require_POST
@ministry_required
def decide(request, pk):
    proposal = _proposal(pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            selection_services.proposal_decide(
                user=request.user,
                proposal=proposal,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                base_url=base_url(request),
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "already_decided":
                messages.error(request, error.messages[0])
                return redirect(proposal)
            apply_service_errors(form, error)
        else:
            messages.success(request, _("採択の結果を記録し、申請者に通知しました。"))
            return redirect(proposal)
    proposal.refresh_from_db()
    return _render_proposal(request, proposal, decision_form=form)
