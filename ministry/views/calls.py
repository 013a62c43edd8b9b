"""Ministry pages for calls (公募): list, create, edit, detail, and the review table with reminders."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cluster_portal.concurrency import ConflictRow
from cluster_portal.guards import ministry_required
from cluster_portal.web import conflict_response, filtered, run_once
from ministry.filters import CallFilter
from ministry.forms import CallForm
from ministry.views.common import CONFLICT_TEMPLATE
from regions.models import Call, Proposal, ProposalStatus, SelectionDecision
from regions.services import calls as call_services
from regions.services import grants as grant_services
from regions.services import reviews as review_services


@ministry_required
def call_list(request):
    calls = (
        Call.objects.select_related("program")
        .annotate(
            proposal_count=Count("proposals", filter=~Q(proposals__status=ProposalStatus.DRAFT), distinct=True),
            draft_count=Count("proposals", filter=Q(proposals__status=ProposalStatus.DRAFT), distinct=True),
        )
        .order_by("-fiscal_year", "code")
    )
    calls, chosen = filtered(CallFilter, request, calls)
    return render(request, "ministry/call_list.html", {"calls": calls, "status": chosen["status"] or ""})


CALL_ERROR_FIELDS = {"criteria": "criteria_text", "budgets": "budgets_text"}


def _call_conflict_rows(form):
    """Criteria and budgets (text lists, not model fields) as typed and as saved now."""

    def rows(current: Call) -> list[ConflictRow]:
        saved = CallForm(instance=current).initial
        return [
            ConflictRow(label=str(form.fields[name].label), mine=form.data.get(name, ""), theirs=saved.get(name, ""))
            for name in CALL_ERROR_FIELDS.values()
        ]

    return rows


def _save_call(request, *, call: Call | None):
    form = CallForm(request.POST or None, instance=call)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = {
            "title": data["title"],
            "opens_on": data["opens_on"],
            "closes_on": data["closes_on"],
            "review_closes_on": data["review_closes_on"],
            "description": data["description"],
            "status": data["status"],
            "criteria": data["criteria_text"],
            "budgets": data["budgets_text"],
        }

        def save() -> str:
            if call is None:
                saved = call_services.call_create(
                    user=request.user,
                    program=data["program"],
                    code=data["code"],
                    fiscal_year=data["fiscal_year"],
                    **details,
                )
            else:
                saved = call_services.call_update(
                    user=request.user, call=call, expected_version=form.expected_version, **details
                )
            return saved.get_absolute_url()

        response = run_once(
            request,
            form,
            save,
            conflict=call
            and conflict_response(
                request,
                form,
                back_url=reverse("ministry:call_edit", args=[call.code]),
                extra_rows=_call_conflict_rows(form),
                template_name=CONFLICT_TEMPLATE,
            ),
            success_message=_("公募を保存しました。"),
            fallback_url=reverse("ministry:call_list"),
            error_fields=CALL_ERROR_FIELDS,
        )
        if response is not None:
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "ministry/call_form.html", {"form": form, "call": call}, status=status)


@ministry_required
def call_create(request):
    return _save_call(request, call=None)


@ministry_required.of(Call, kwarg="code", field="code")
def call_edit(request, code):
    return _save_call(request, call=get_object_or_404(Call, code=code))


@ministry_required.of(Call, kwarg="code", field="code")
def call_detail(request, code):
    call = get_object_or_404(Call.objects.select_related("program"), code=code)
    proposals = (
        Proposal.objects.for_ministry()
        .filter(call=call)
        .select_related("region")
        .annotate(assigned=Count("review_assignments", distinct=True))
        .order_by("region__name")
    )
    context = {
        "call": call,
        "criteria": list(call.criteria.all()),
        "envelopes": grant_services.envelope_rows(calls=[call]),
        "proposals": proposals,
        "decision_count": SelectionDecision.objects.filter(proposal__call=call).count(),
    }
    return render(request, "ministry/call_detail.html", context)


@ministry_required.of(Call, kwarg="code", field="code")
def review_table(request, code):
    call = get_object_or_404(Call.objects.select_related("program"), code=code)
    sort = request.GET.get("sort", review_services.DEFAULT_SORT)
    criteria, rows = review_services.review_table(call=call, sort=sort)
    if sort.lstrip("-") not in review_services.SORT_KEYS:
        sort = review_services.DEFAULT_SORT
    context = {
        "call": call,
        "criteria": criteria,
        # each proposal's table repeats these headings: worded once, not once per proposal
        "criterion_headings": [
            (criterion.name, _("重み%(weight)s") % {"weight": localize(criterion.weight)}) for criterion in criteria
        ],
        "rows": rows,
        "sort": sort,
        "late_count": review_services.late_assignments(call=call).values("reviewer").distinct().count(),
        "sort_columns": [
            ("title", _("提案書")),
            ("region", _("地域")),
            ("status", _("状態")),
            ("mean", _("加重平均")),
            ("spread", _("ばらつき")),
            ("missing", _("未提出")),
        ],
    }
    return render(request, "ministry/review_table.html", context)


@require_POST
@ministry_required.of(Call, kwarg="code", field="code")
def review_remind(request, code):
    call = get_object_or_404(Call, code=code)
    result = review_services.reviewers_remind(user=request.user, call=call)
    if result.sent:
        messages.success(
            request, _("審査が未提出の審査委員 %(count)d 名に督促の通知を送りました。") % {"count": len(result.sent)}
        )
    elif not result.skipped:
        messages.info(request, _("審査が未提出の審査委員はいません。"))
    for assignment, reason in result.skipped:
        messages.info(
            request,
            _("%(reviewer)s（%(title)s）には送りませんでした：%(reason)s")
            % {"reviewer": assignment.reviewer, "title": assignment.proposal.title, "reason": reason},
        )
    return redirect("ministry:review_table", code=call.code)
