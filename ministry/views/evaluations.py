"""Ministry pages for evaluations (中間評価・事後評価) and the program-level ranking."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ministry.forms import EvaluationForm, apply_service_errors
from ministry.views.common import ministry_required
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
        try:
            evaluation_services.evaluation_save(user=request.user, evaluation=evaluation, **data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("評価を保存しました。"))
            return redirect("ministry:evaluation_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "ministry/evaluation_form.html", {"form": form, "evaluation": evaluation}, status=status)


@ministry_required
def evaluation_create(request):
    return _save(request, None)


@ministry_required
def evaluation_edit(request, pk):
    evaluation = get_object_or_404(Evaluation.objects.select_related("region"), pk=pk)
    return _save(request, evaluation)
