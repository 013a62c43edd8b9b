"""Ministry pages for evaluations (中間評価・事後評価) and the program-level ranking."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cluster_portal.guards import ministry_required
from cluster_portal.web import conflict_response, run_once
from ministry.forms import EvaluationForm
from ministry.views.common import CONFLICT_TEMPLATE
from regions.models import Evaluation
from regions.services import evaluations as evaluation_services


@ministry_required
def evaluation_list(request):
    ranking = evaluation_services.evaluation_ranking()
    evaluations = Evaluation.objects.select_related("region").order_by("-fiscal_year", "region__name", "kind")
    context = {
        "ranking": ranking,
        "candidates": [row for row in ranking if row.is_global_candidate],
        "evaluations": evaluations,
    }
    return render(request, "ministry/evaluation_list.html", context)


def _save(request, evaluation: Evaluation | None):
    form = EvaluationForm(request.POST or None, instance=evaluation)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in evaluation_services.EVALUATION_FIELDS}

        def save() -> str:
            evaluation_services.evaluation_save(
                user=request.user, evaluation=evaluation, expected_version=form.expected_version, **data
            )
            return reverse("ministry:evaluation_list")

        response = run_once(
            request,
            form,
            save,
            conflict=evaluation
            and conflict_response(
                request,
                form,
                back_url=reverse("ministry:evaluation_edit", args=[evaluation.pk]),
                template_name=CONFLICT_TEMPLATE,
            ),
            success_message=_("評価を保存しました。"),
            fallback_url=reverse("ministry:evaluation_list"),
        )
        if response is not None:
            return response
    status = 400 if request.method == "POST" else 200
    return render(request, "ministry/evaluation_form.html", {"form": form, "evaluation": evaluation}, status=status)


@ministry_required
def evaluation_create(request):
    return _save(request, None)


@ministry_required.of(Evaluation)
def evaluation_edit(request, pk):
    evaluation = get_object_or_404(Evaluation.objects.select_related("region"), pk=pk)
    return _save(request, evaluation)
