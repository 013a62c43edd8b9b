"""The ministry's bulk work on a call (assignment grid, reminders, state changes), the reviewers'
workload and the review-deadline extension. Every page works without JavaScript: plain forms of
checkboxes, sorting by links (GET)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_portal.forms import NotationDateInput
from cluster_portal.guards import ministry_required
from regions.models import Call, Proposal, ProposalStatus, ReviewAssignment, call_day
from regions.services import bulk as bulk_services
from regions.services import calls as call_services
from regions.services import reviews as review_services


def _call(code) -> Call:
    return get_object_or_404(Call.objects.select_related("program"), code=code)


def _ids(values, parts: int = 1) -> set:
    """Checkbox values: ``"12"`` or ``"12-7"`` (proposal-reviewer); anything else is ignored."""
    chosen = set()
    for value in values:
        pieces = value.split("-")
        if len(pieces) == parts and all(piece.isdigit() for piece in pieces):
            numbers = tuple(int(piece) for piece in pieces)
            chosen.add(numbers if parts > 1 else numbers[0])
    return chosen


# --- (a) the assignment grid ---------------------------------------------------------------------


@ministry_required.of(Call, kwarg="code", field="code")
def bulk_assign(request, code):
    call = _call(code)
    errors, status, chosen = [], 200, set()
    if request.method == "POST":
        chosen = _ids(request.POST.getlist("cell"), parts=2)
        if not chosen:
            errors = [_("割り当てるセル（提案書と審査委員の組み合わせ）を1つ以上選んでください。")]
        else:
            try:
                result = bulk_services.assignments_create_bulk(user=request.user, call=call, pairs=chosen)
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(
                    request,
                    _("%(created)d 件を割り当てました（割り当て済みのため変更なし：%(unchanged)d 件）。")
                    % {"created": len(result.created), "unchanged": len(result.unchanged)},
                )
                return redirect("ministry:bulk_assign", code=call.code)
        status = 400
    reviewers, rows = bulk_services.assignment_grid(call=call, chosen=chosen)
    conflicts = [cell for row in rows for cell in row.cells if cell.conflict]
    context = {"call": call, "reviewers": reviewers, "rows": rows, "errors": errors, "conflicts": conflicts}
    return render(request, "ministry/bulk_assign.html", context, status=status)


# --- (b) bulk reminders --------------------------------------------------------------------------


@ministry_required.of(Call, kwarg="code", field="code")
def bulk_remind(request, code):
    call = _call(code)
    result, errors, status = None, [], 200
    if request.method == "POST":
        chosen = _ids(request.POST.getlist("assignment"))
        assignments = list(ReviewAssignment.objects.filter(proposal__call=call, pk__in=chosen))
        if not assignments:
            errors, status = [_("督促する審査割当を1件以上選んでください。")], 400
        else:
            result = review_services.assignments_remind(user=request.user, assignments=assignments)
    open_assignments = (
        ReviewAssignment.objects.filter(
            proposal__call=call, proposal__status=ProposalStatus.UNDER_REVIEW, has_conflict=False
        )
        .select_related("reviewer", "proposal__region")
        .order_by("reviewer__username", "proposal__title", "pk")
    )
    context = {
        "call": call,
        "assignments": open_assignments,
        "result": result,
        "errors": errors,
        "interval_hours": int(review_services.reminder_interval().total_seconds() // 3600),
    }
    return render(request, "ministry/bulk_remind.html", context, status=status)


# --- (c) bulk state changes ----------------------------------------------------------------------


class BulkStatusForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("変更後の状態"))
    reason = forms.CharField(label=gettext_lazy("理由（任意）"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(code, ProposalStatus(code).label) for code in bulk_services.bulk_targets()]


@ministry_required.of(Call, kwarg="code", field="code")
def bulk_status(request, code):
    call = _call(code)
    form = BulkStatusForm(request.POST or None)
    chosen, status = set(), 200
    if request.method == "POST":
        chosen = _ids(request.POST.getlist("proposal"))
        if form.is_valid():
            try:
                moved = bulk_services.proposals_transition_bulk(
                    user=request.user,
                    call=call,
                    proposal_ids=chosen,
                    target=form.cleaned_data["target"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(
                    request,
                    _("%(count)d 件の提案書を「%(status)s」に変更しました。")
                    % {"count": moved, "status": ProposalStatus(form.cleaned_data["target"]).label},
                )
                return redirect("ministry:bulk_status", code=call.code)
        status = 400
    proposals = (
        Proposal.objects.filter(call=call)
        .exclude(status=ProposalStatus.DRAFT)
        .select_related("region")
        .order_by("region__name", "pk")
    )
    context = {"call": call, "form": form, "proposals": proposals, "chosen": chosen}
    return render(request, "ministry/bulk_status.html", context, status=status)


# --- (d) workload --------------------------------------------------------------------------------


@ministry_required
def reviewer_workload(request):
    calls = Call.objects.order_by("-fiscal_year", "code")
    call = calls.filter(code=request.GET.get("call") or "").first()
    reviewers, sort = bulk_services.reviewer_workload(call=call, sort=request.GET.get("sort", ""))
    context = {
        "reviewers": reviewers,
        "sort": sort,
        "call": call,
        "calls": calls,
        "today": call_day(),
        "sort_columns": [
            ("reviewer", _("審査委員")),
            ("assigned", _("担当")),
            ("submitted", _("提出済み")),
            ("overdue", _("期限超過")),
            ("conflicts", _("利害関係")),
            ("last_reminded", _("最終督促日時")),
        ],
    }
    return render(request, "ministry/reviewer_workload.html", context)


# --- the review deadline (call lifecycle) --------------------------------------------------------


class DeadlineExtensionForm(forms.Form):
    new_date = forms.DateField(label=gettext_lazy("新しい審査締切日"), widget=NotationDateInput())
    reason = forms.CharField(
        label=gettext_lazy("延長の理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


@ministry_required.of(Call, kwarg="code", field="code")
def review_deadline_extend(request, code):
    call = _call(code)
    form = DeadlineExtensionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                call_services.review_deadline_extend(
                    user=request.user,
                    call=call,
                    new_date=form.cleaned_data["new_date"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                messages.success(request, _("審査締切日を延長しました。"))
                return redirect("ministry:review_deadline", code=call.code)
        status = 400
    context = {
        "call": call,
        "form": form,
        "phase": call.phase_label(),
        "extensions": call.review_deadline_extensions.select_related("extended_by"),
    }
    return render(request, "ministry/review_deadline.html", context, status=status)
