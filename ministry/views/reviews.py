"""Reviewer pages (審査): only the reviewer's own assignments; conflict declaration first, then scores.

A reviewer never sees another reviewer's scores; an assignment with a declared conflict is
no longer theirs to open (404), and an unassigned proposal is a 404 too. Their list keeps a
read-only record of each conflict they declared, from which they may ask the ministry to lift
a mistaken declaration (``conflict_lift_request``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cluster_portal.concurrency import ConflictRow
from cluster_portal.guards import reviewer_required
from cluster_portal.web import add_service_errors, conflict_response, run_once
from ministry.forms import ConflictForm, ScoreForm
from ministry.lift_forms import LiftRequestForm
from ministry.views.common import CONFLICT_TEMPLATE
from regions import permissions
from regions.models import LiftStatus, ProposalStatus, ReviewAssignment, call_day
from regions.services import reviews as review_services


def own_assignment(request, pk) -> ReviewAssignment:
    return get_object_or_404(
        ReviewAssignment.objects.filter(reviewer=request.user, has_conflict=False).select_related(
            "proposal__call", "proposal__region"
        ),
        pk=pk,
    )


def own_declarations(user):
    """The reviewer's assignments on which they declared a conflict, with their lift requests."""
    return (
        ReviewAssignment.objects.filter(reviewer=user, has_conflict=True)
        .select_related("proposal__call", "proposal__region")
        .prefetch_related("lift_requests")
        .order_by("-conflict_declared_at", "pk")
    )


def _declaration_rows(user, bound=None):
    """(assignment, its lift requests newest first, a request form or None) per declared conflict."""
    rows = []
    for assignment in own_declarations(user):
        lifts = list(assignment.lift_requests.all())
        can_ask = assignment.proposal.status == ProposalStatus.UNDER_REVIEW and not any(
            lift.status == LiftStatus.PENDING for lift in lifts
        )
        form = (bound or {}).get(assignment.pk) or (
            LiftRequestForm(prefix=f"lift-{assignment.pk}") if can_ask else None
        )
        rows.append((assignment, lifts, form))
    return rows


def _render_list(request, *, bound=None, status=200):
    assignments = (
        ReviewAssignment.objects.filter(reviewer=request.user, has_conflict=False)
        .select_related("proposal__call", "proposal__region")
        .order_by("-proposal__call__fiscal_year", "proposal__title", "pk")
    )
    context = {"assignments": assignments, "declarations": _declaration_rows(request.user, bound)}
    return render(request, "reviews/assignment_list.html", context, status=status)


@reviewer_required
def assignment_list(request):
    return _render_list(request)


def _own_assignments(user):
    """What the lift request's guard looks the assignment up in: a reviewer's own (also with a
    conflict); the ministry and administrators see every assignment, nobody else any."""
    if permissions.is_reviewer(user):
        return ReviewAssignment.objects.filter(reviewer=user)
    return ReviewAssignment.objects.visible_to(user)


@require_POST
@reviewer_required.of(_own_assignments)
def conflict_lift_request(request, pk):
    assignment = get_object_or_404(own_declarations(request.user), pk=pk)
    form = LiftRequestForm(request.POST, prefix=f"lift-{assignment.pk}")
    if form.is_valid():
        url = reverse("reviews:list")

        def ask() -> str:
            review_services.conflict_lift_request(
                user=request.user, assignment=assignment, reason=form.cleaned_data["reason"]
            )
            return url

        response = run_once(
            request,
            form,
            ask,
            success_message=_("申告の取消しを申請しました。文部科学省の担当者の判断をお待ちください。"),
            fallback_url=url,
        )
        if response is not None:
            return response
    messages.error(request, _("入力内容を確認してください。取消しはまだ申請されていません。"))
    return _render_list(request, bound={assignment.pk: form}, status=400)


def _render_detail(request, assignment, *, conflict_form=None, score_form=None, status=200):
    proposal = assignment.proposal
    criteria = list(proposal.call.criteria.all())
    today = call_day()
    can_score = (
        assignment.conflict_declared_at is not None
        and permissions.can_review(request.user, assignment)
        and proposal.call.is_review_open(today)
    )
    if score_form is None and can_score:
        score_form = ScoreForm(
            criteria=criteria,
            reviews=list(assignment.scores.all()),
            # every saved value comes back into the form, or the next save would blank it
            initial={
                "version": assignment.version,
                "overall_comment": assignment.overall_comment,
                "recommendation": assignment.recommendation,
            },
        )
    if (
        conflict_form is None
        and assignment.conflict_declared_at is None
        and permissions.can_review(request.user, assignment)
    ):
        conflict_form = ConflictForm()
    context = {
        "assignment": assignment,
        "proposal": proposal,
        "budget_lines": list(proposal.budget_lines.all()),
        "participants": list(proposal.participants.order_by("kind", "name")),
        "attachments": list(proposal.attachments.all()),
        "conflict_form": conflict_form,
        "score_form": score_form if can_score else None,
        "own_scores": list(assignment.scores.select_related("criterion")),
        "review_open": proposal.call.is_review_open(today),
    }
    return render(request, "reviews/assignment_detail.html", context, status=status)


def _score_conflict_rows(form):
    """Each criterion's score as typed and as saved now (scores are rows of their own, not fields)."""

    def rows(current) -> list[ConflictRow]:
        saved = {review.criterion_id: review.score for review in current.scores.all()}
        return [
            ConflictRow(
                label=str(field.label), mine=str(field.value() or "—"), theirs=str(saved.get(criterion.pk, "—"))
            )
            for criterion, field, _comment in form.rows()
        ]

    return rows


@reviewer_required.of(ReviewAssignment)
def assignment_detail(request, pk):
    assignment = own_assignment(request, pk)
    if request.method != "POST":
        return _render_detail(request, assignment)
    form = ScoreForm(
        request.POST, criteria=list(assignment.proposal.call.criteria.all()), initial={"version": assignment.version}
    )
    if form.is_valid():
        url = reverse("reviews:detail", args=[assignment.pk])

        def save() -> str:
            review_services.review_save(
                user=request.user,
                assignment=assignment,
                scores=form.scores(),
                overall_comment=form.cleaned_data["overall_comment"],
                recommendation=form.cleaned_data["recommendation"],
                expected_version=form.expected_version,
            )
            return url

        response = run_once(
            request,
            form,
            save,
            conflict=conflict_response(
                request,
                form,
                back_url=url,
                fields=("overall_comment", "recommendation"),
                extra_rows=_score_conflict_rows(form),
                template_name=CONFLICT_TEMPLATE,
            ),
            success_message=_("評点を保存しました。審査期間中は修正できます。"),
            fallback_url=url,
        )
        if response is not None:
            return response
        for message in form.non_field_errors():
            messages.error(request, message)  # shown even when the score form is no longer offered
    messages.error(request, _("入力内容を確認してください。評点はまだ保存されていません。"))
    return _render_detail(request, assignment, score_form=form, status=400)


@require_POST
@reviewer_required.of(ReviewAssignment)
def conflict_declare(request, pk):
    assignment = own_assignment(request, pk)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            review_services.conflict_declare(
                user=request.user,
                assignment=assignment,
                has_conflict=form.cleaned_data["has_conflict"],
                note=form.cleaned_data["conflict_note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if form.cleaned_data["has_conflict"]:
                messages.success(request, _("利害関係を申告しました。この提案書の審査から外れました。"))
                return redirect("reviews:list")
            messages.success(request, _("利害関係がないことを申告しました。採点に進んでください。"))
            return redirect("reviews:detail", pk=assignment.pk)
    messages.error(request, _("入力内容を確認してください。"))
    return _render_detail(request, assignment, conflict_form=form, status=400)
