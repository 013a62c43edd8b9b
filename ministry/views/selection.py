"""Ministry pages for proposals: the list by state, reviewer assignment and the selection decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cluster_portal.concurrency import ConflictRow
from cluster_portal.guards import ministry_required
from cluster_portal.paging import paginate
from cluster_portal.web import act_and_redirect, conflict_response, filtered, run_once
from ministry.filters import ProposalFilter
from ministry.forms import AssignReviewerForm, DecisionForm
from ministry.views.common import CONFLICT_TEMPLATE
from ministry.views.exports import export_query
from regions.models import Call, Decision, Proposal, ProposalStatus, ReviewAssignment, SelectionDecision
from regions.selectors import proposal_page
from regions.services import grants as grant_services
from regions.services import reviews as review_services
from regions.services import selection as selection_services

PROPOSALS_PER_PAGE = 30


@ministry_required
def proposal_list(request):
    proposals = (
        Proposal.objects.for_ministry()
        .select_related("call", "region", "decision")
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
    proposals, chosen = filtered(ProposalFilter, request, proposals)
    page = paginate(proposals, PROPOSALS_PER_PAGE, request.GET.get("page"))
    context = {
        "page": page,
        "status": chosen["status"] or "",
        "call_code": chosen["call"] or "",
        "statuses": [choice for choice in ProposalStatus.choices if choice[0] != ProposalStatus.DRAFT],
        "calls": Call.objects.order_by("-fiscal_year", "code"),
        "export_query": export_query(request),
    }
    return render(request, "ministry/proposal_list.html", context)


def _render_proposal(request, proposal, *, assign_form=None, decision_form=None, status=400):
    # The ministry's panels (ministry_panels template tag) keep these bound forms and their errors.
    context = {**proposal_page(proposal), "assign_form": assign_form, "decision_form": decision_form}
    return render(request, "proposals/proposal_detail.html", context, status=status)


def _proposal(pk) -> Proposal:
    return get_object_or_404(
        Proposal.objects.for_ministry().select_related("call__program", "region", "created_by"), pk=pk
    )


@require_POST
@ministry_required.of(Proposal)
def assign_reviewer(request, pk):
    proposal = _proposal(pk)
    form = AssignReviewerForm(request.POST, proposal=proposal)
    if form.is_valid():
        reviewer = form.cleaned_data["reviewer"]

        def assign() -> str:
            review_services.assignment_create(user=request.user, proposal=proposal, reviewer=reviewer)
            return proposal.get_absolute_url()

        response = run_once(
            request,
            form,
            assign,
            success_message=_("%(reviewer)s を審査委員に割り当てました。") % {"reviewer": reviewer},
            fallback_url=proposal.get_absolute_url(),
        )
        if response is not None:
            return response
    return _render_proposal(request, proposal, assign_form=form)


@require_POST
@ministry_required.of(Proposal)
def unassign_reviewer(request, pk, assignment_pk):
    proposal = _proposal(pk)
    assignment = get_object_or_404(ReviewAssignment, proposal=proposal, pk=assignment_pk)
    return act_and_redirect(
        request,
        lambda: review_services.assignment_remove(user=request.user, assignment=assignment),
        _("審査委員の割り当てを解除しました。"),
        proposal,
    )


class AlreadyDecided(Exception):
    """Someone else recorded the decision first: shown as a message on the proposal page."""


def _plan_preview(proposal: Proposal) -> list[dict]:
    """What 採択 would register: the requested amount per fiscal year beside the call's envelope left."""
    remaining = {row.fiscal_year: row.remaining for row in grant_services.envelope_rows(calls=[proposal.call])}
    return [
        {"fiscal_year": line.fiscal_year, "amount": line.requested_amount, "remaining": remaining.get(line.fiscal_year)}
        for line in proposal.budget_lines.all()
    ]


@require_POST
@ministry_required.of(Proposal)
def decide(request, pk):
    """decide → summary → confirm. The first POST only validates the form and shows the summary (nothing
    is recorded); the summary carries the same data and one-time token in hidden fields, and only its
    「確定する」 records the decision (or its correction before notification). A reload or a second click
    of the confirm is recognised by the token and records nothing twice."""
    proposal = _proposal(pk)
    form = DecisionForm(request.POST, initial={"version": proposal.version})
    existing = SelectionDecision.objects.filter(proposal=proposal).first() if request.POST.get("correction") else None
    if "edit" in request.POST:  # back from the summary to the form, with what was typed
        form.is_valid()
        return _render_proposal(request, proposal, decision_form=form, status=200)
    if form.is_valid():
        if "confirm" not in request.POST:
            context = {
                "proposal": proposal,
                "form": form,
                "existing": existing,
                "outcome_label": dict(Decision.choices)[form.cleaned_data["decision"]],
                "plan": _plan_preview(proposal) if form.cleaned_data["decision"] == Decision.SELECTED else [],
            }
            return render(request, "ministry/decision_confirm.html", context)

        def decide() -> str:
            data = {
                "reason": form.cleaned_data["reason"],
                "internal_note": form.cleaned_data["internal_note"],
                "expected_version": form.expected_version,
            }
            try:
                if existing is None:
                    selection_services.proposal_decide(
                        user=request.user, proposal=proposal, decision=form.cleaned_data["decision"], **data
                    )
                else:
                    selection_services.decision_correct(
                        user=request.user, decision=existing, outcome=form.cleaned_data["decision"], **data
                    )
            except ValidationError as error:
                if getattr(error, "code", None) in ("already_decided", "locked"):
                    raise AlreadyDecided(error.messages[0]) from None
                raise
            return proposal.get_absolute_url()

        try:
            response = run_once(
                request,
                form,
                decide,
                conflict=conflict_response(
                    request,
                    form,
                    back_url=proposal.get_absolute_url(),
                    fields=(),
                    extra_rows=lambda current: [
                        ConflictRow(
                            label=str(_("状態")),
                            mine=proposal.get_status_display(),
                            theirs=current.get_status_display(),
                        )
                    ],
                    template_name=CONFLICT_TEMPLATE,
                ),
                success_message=(
                    _("採択の結果を訂正しました。訂正の履歴は残ります。")
                    if existing
                    else _("採択の結果を記録しました。内容を確認してから「申請者に通知する」を押してください。")
                ),
                fallback_url=proposal.get_absolute_url(),
            )
        except AlreadyDecided as decided:
            messages.error(request, str(decided))
            return redirect(proposal)
        if response is not None:
            return response
    proposal.refresh_from_db()
    return _render_proposal(request, proposal, decision_form=form)


@require_POST
@ministry_required.of(Proposal)
def decision_notify(request, pk):
    proposal = _proposal(pk)
    decision = get_object_or_404(SelectionDecision, proposal=proposal)
    return act_and_redirect(
        request,
        lambda: selection_services.decision_notify(user=request.user, decision=decision),
        _("採択の結果を申請者に通知しました。"),
        proposal,
    )
