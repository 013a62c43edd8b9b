"""Ministry pages for the support decision (重点支援の決定) of a 重点支援 evaluation:
record the draft → review the summary (what each year's grant becomes) → confirm (grant amendments)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cluster_portal.guards import ministry_required
from cluster_portal.web import conflict_response, run_once
from ministry.forms import SupportConfirmForm, SupportDecisionForm
from ministry.views.common import CONFLICT_TEMPLATE
from regions.models import Evaluation, Recommendation, SupportDecision
from regions.services import support as support_services

FORM_FIELDS = ("start_fiscal_year", "end_fiscal_year", "annual_amount", "reason")


def _evaluation(pk) -> Evaluation:
    return get_object_or_404(Evaluation.objects.select_related("region"), pk=pk)


def _decision(evaluation) -> SupportDecision | None:
    return SupportDecision.objects.select_related("recorded_by", "confirmed_by").filter(evaluation=evaluation).first()


def _render_summary(request, evaluation, decision, *, confirm_form=None, status=200):
    context = {
        "evaluation": evaluation,
        "decision": decision,
        "is_focus": evaluation.recommendation == Recommendation.FOCUS,
        "plan": support_services.amendment_plan(decision) if decision and not decision.is_confirmed else [],
        "amendments": decision.amendments.select_related("grant").order_by("grant__fiscal_year")
        if decision and decision.is_confirmed
        else [],
        "confirm_form": confirm_form
        or (SupportConfirmForm(initial={"version": decision.version}) if decision else None),
    }
    return render(request, "ministry/support_decision.html", context, status=status)


@ministry_required.of(Evaluation)
def support_decision(request, pk):
    """The summary: the draft with what confirming would do, or the confirmed decision (read-only)."""
    evaluation = _evaluation(pk)
    return _render_summary(request, evaluation, _decision(evaluation))


@ministry_required.of(Evaluation)
def support_edit(request, pk):
    evaluation = _evaluation(pk)
    decision = _decision(evaluation)
    summary_url = reverse("ministry:support_decision", args=[evaluation.pk])
    if decision is not None and decision.is_confirmed:
        messages.info(request, _("この重点支援の決定は確定済みのため、変更できません。"))
        return redirect(summary_url)
    initial = {name: getattr(decision, name) for name in FORM_FIELDS} if decision else {}
    if decision is not None and request.method != "POST":
        # On POST the version is the one the form was opened at: a form opened before anyone recorded a
        # draft has none, and the service then refuses it as a stale edit instead of overwriting the draft.
        initial["version"] = decision.version
    form = SupportDecisionForm(request.POST or None, initial=initial)
    is_focus = evaluation.recommendation == Recommendation.FOCUS
    if request.method == "POST" and is_focus and form.is_valid():

        def save() -> str:
            support_services.support_decision_save(
                user=request.user,
                evaluation=evaluation,
                expected_version=form.expected_version,
                **{name: form.cleaned_data[name] for name in FORM_FIELDS},
            )
            return summary_url

        response = run_once(
            request,
            form,
            save,
            conflict=decision
            and conflict_response(
                request,
                form,
                back_url=reverse("ministry:support_edit", args=[evaluation.pk]),
                template_name=CONFLICT_TEMPLATE,
            ),
            success_message=_(
                "重点支援の決定を下書きとして保存しました。内容を確認し、「確定する」を押すと交付決定が変更されます。"
            ),
            fallback_url=summary_url,
        )
        if response is not None:
            return response
    status = 400 if request.method == "POST" else 200
    context = {"evaluation": evaluation, "decision": decision, "form": form, "is_focus": is_focus}
    return render(request, "ministry/support_form.html", context, status=status)


@require_POST
@ministry_required.of(Evaluation)
def support_confirm(request, pk):
    evaluation = _evaluation(pk)
    decision = _decision(evaluation)
    summary_url = reverse("ministry:support_decision", args=[evaluation.pk])
    if decision is None:
        messages.error(request, _("確定する重点支援の決定がありません。先に下書きを記録してください。"))
        return redirect(summary_url)
    if decision.is_confirmed:
        messages.info(request, _("この重点支援の決定は既に確定しています。確定した決定は変更できません。"))
        return redirect(summary_url)
    form = SupportConfirmForm(request.POST, initial={"version": decision.version})
    if form.is_valid():

        def confirm() -> str:
            support_services.support_decision_confirm(
                user=request.user, decision=decision, expected_version=form.expected_version
            )
            return summary_url

        response = run_once(
            request,
            form,
            confirm,
            conflict=lambda current: _stale_summary(request, summary_url),
            success_message=_("重点支援の決定を確定しました。各年度の交付決定額を変更し、変更の履歴に記録しました。"),
            fallback_url=summary_url,
        )
        if response is not None:
            return response
    decision.refresh_from_db()
    return _render_summary(request, evaluation, decision, confirm_form=form, status=400)


def _stale_summary(request, summary_url):
    messages.error(
        request,
        _(
            "この下書きは、確認画面を開いた後に更新されました。最新の内容を確認してから、もう一度「確定する」を押してください。"
        ),
    )
    return redirect(summary_url)
