"""Ministry pages for reading a call's reviews in full, their statistics and ranking, the exports
(CSV/XLSX through the one formula-safe writer) and the decision on requests to lift a conflict."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cluster_portal.guards import ministry_required
from cluster_portal.web import run_once
from ministry.lift_forms import LiftDecisionForm
from ministry.views.exports import spreadsheet_response
from regions.exports import Table
from regions.models import Call, ConflictLiftRequest
from regions.services import review_statistics
from regions.services import reviews as review_services


def _call(code) -> Call:
    return get_object_or_404(Call.objects.select_related("program"), code=code)


def _render_read(request, call: Call, *, bound=None, status=200):
    bound = bound or {}
    pending = list(review_services.pending_lift_requests(call=call))
    context = {
        "call": call,
        "sheets": review_services.review_sheets(call=call),
        "pending_lifts": [(lift, bound.get(lift.pk) or LiftDecisionForm(prefix=f"lift-{lift.pk}")) for lift in pending],
    }
    return render(request, "ministry/review_read.html", context, status=status)


@ministry_required.of(Call, kwarg="code", field="code")
def review_read(request, code):
    return _render_read(request, _call(code))


@ministry_required.of(Call, kwarg="code", field="code")
def review_statistics_page(request, code):
    call = _call(code)
    normalised = request.GET.get("normalise") == "1"
    criteria, results = review_services.call_statistics(call=call)
    context = {
        "call": call,
        "criteria": criteria,
        "results": results,
        "normalised": normalised,
        "threshold": review_statistics.DISAGREEMENT_THRESHOLD,
        "decimals": review_statistics.DECIMALS,
    }
    return render(request, "ministry/review_statistics.html", context)


@ministry_required.of(Call, kwarg="code", field="code")
def review_summary_page(request, code):
    """The call's review summary (審査結果の総括) as a printable page; the PDF of the same document is a
    dataio job (README "Printing and PDF")."""
    return render(request, "ministry/review_summary.html", review_services.review_summary(call=_call(code)))


def _download(call: Call, name: str, extension: str, table, sheet: str) -> HttpResponse:
    headers, rows = table
    return spreadsheet_response(Table(headers, rows, sheet), extension, f"{call.code}-{name}")


@ministry_required.of(Call, kwarg="code", field="code")
def review_export(request, code, extension):
    call = _call(code)
    return _download(call, "reviews", extension, review_services.review_export_table(call=call), _("審査内容"))


@ministry_required.of(Call, kwarg="code", field="code")
def statistics_export(request, code, extension):
    call = _call(code)
    table = review_services.statistics_export_table(call=call)
    return _download(call, "review-statistics", extension, table, _("審査の統計と順位"))


@require_POST
@ministry_required.of(ConflictLiftRequest)
def conflict_lift_decide(request, pk):
    lift = get_object_or_404(ConflictLiftRequest.objects.select_related("assignment__proposal__call"), pk=pk)
    call = lift.assignment.proposal.call
    form = LiftDecisionForm(request.POST, prefix=f"lift-{lift.pk}")
    url = reverse("ministry:review_read", kwargs={"code": call.code})
    if form.is_valid():
        approve = form.cleaned_data["decision"] == LiftDecisionForm.APPROVE

        def decide() -> str:
            review_services.conflict_lift_decide(
                user=request.user, lift=lift, approve=approve, comment=form.cleaned_data["comment"]
            )
            return url

        response = run_once(
            request,
            form,
            decide,
            success_message=_("取消し申請を承認しました。審査委員は利害関係を申告し直して審査できます。")
            if approve
            else _("取消し申請を却下しました。"),
            fallback_url=url,
        )
        if response is not None:
            return response
    messages.error(request, _("入力内容を確認してください。取消し申請はまだ判断されていません。"))
    return _render_read(request, call, bound={lift.pk: form}, status=400)
