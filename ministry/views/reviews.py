"""Reviewer pages (審査): only the reviewer's own assignments; conflict declaration first, then scores.

A reviewer never sees another reviewer's scores; an assignment with a declared conflict is
no longer theirs to open (404), and an unassigned proposal is a 404 too.
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
from ministry.views.common import CONFLICT_TEMPLATE
from regions import permissions
from regions.models import ReviewAssignment, call_day
from regions.services import reviews as review_services


def own_assignment(request, pk) -> ReviewAssignment:
    return get_object_or_404(
        ReviewAssignment.objects.filter(reviewer=request.user, has_conflict=False).select_related(
            "proposal__call", "proposal__region"
        ),
        pk=pk,
    )


@reviewer_required
def assignment_list(request):
    assignments = (
        ReviewAssignment.objects.filter(reviewer=request.user, has_conflict=False)
        .select_related("proposal__call", "proposal__region")
        .order_by("-proposal__call__fiscal_year", "proposal__title", "pk")
    )
    return render(request, "reviews/assignment_list.html", {"assignments": assignments})


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
            initial={"version": assignment.version, "overall_comment": assignment.overall_comment},
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
                fields=("overall_comment",),
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
