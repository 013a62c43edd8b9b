"""Results (成果): patents, licences, commercialisations, start-ups, papers, presentations, awards."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cluster_portal.guards import headquarters_required
from cluster_portal.history import history_timeline
from cluster_portal.web import conflict_response, filtered, run_once
from projects.models import JointResearchProject, Outcome, OutcomeKind
from projects.services import outcomes as outcome_services
from workspace.filters import OutcomeFilter
from workspace.forms import OutcomeForm, PatentGrantForm, PublicationForm
from workspace.views.base import organization_names

OUTCOME_PAGE_SIZE = 100


@headquarters_required
def outcome_list(request):
    outcomes = (
        Outcome.objects.editable_by(request.user).select_related("project", "company").order_by("-occurred_on", "-pk")
    )
    outcomes, chosen = filtered(OutcomeFilter, request, outcomes)
    return render(
        request,
        "workspace/outcome_list.html",
        {"outcomes": outcomes[:OUTCOME_PAGE_SIZE], "kind": chosen["kind"] or "", "kinds": OutcomeKind.choices},
    )


def _render_outcome_form(request, form, project, outcome=None, status=200):
    return render(
        request,
        "workspace/outcome_form.html",
        {"form": form, "project": project, "outcome": outcome, "organization_names": organization_names()},
        status=status,
    )


@headquarters_required.of(JointResearchProject, kwarg="project_pk")
def outcome_create(request, project_pk):
    user = request.user
    project = get_object_or_404(JointResearchProject.objects.editable_by(user), pk=project_pk)
    form = OutcomeForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            data = {name: value for name, value in form.cleaned_data.items() if name not in ("version", "form_token")}
            outcome = outcome_services.outcome_create(user=user, project=project, data=data)
            return reverse("workspace:outcome_detail", args=[outcome.pk])

        response = run_once(request, form, create, success_message=_("成果を登録しました。"))
        if response is not None:
            return response
    return _render_outcome_form(request, form, project, status=400 if request.method == "POST" else 200)


@headquarters_required.of(Outcome)
def outcome_edit(request, pk):
    user = request.user
    outcome = get_object_or_404(Outcome.objects.editable_by(user).select_related("project", "company"), pk=pk)
    form = OutcomeForm(request.POST or None, instance=outcome)
    if request.method == "POST" and form.is_valid():

        def update() -> str:
            data = {name: value for name, value in form.cleaned_data.items() if name not in ("version", "form_token")}
            outcome_services.outcome_update(
                user=user, outcome_pk=outcome.pk, expected_version=form.cleaned_data["version"], data=data
            )
            return reverse("workspace:outcome_detail", args=[outcome.pk])

        response = run_once(
            request,
            form,
            update,
            conflict=conflict_response(request, form, back_url=reverse("workspace:outcome_edit", args=[outcome.pk])),
            success_message=_("成果を更新しました。"),
        )
        if response is not None:
            return response
    return _render_outcome_form(
        request, form, outcome.project, outcome, status=400 if request.method == "POST" else 200
    )


@headquarters_required.of(Outcome)
def outcome_detail(request, pk):
    outcome = get_object_or_404(Outcome.objects.editable_by(request.user).select_related("project", "company"), pk=pk)
    grant_form = (
        PatentGrantForm(initial={"version": outcome.version})
        if outcome.kind == OutcomeKind.PATENT_APPLICATION
        else None
    )
    return render(
        request,
        "workspace/outcome_detail.html",
        {
            "outcome": outcome,
            "grant_form": grant_form,
            "publication_form": PublicationForm(),
            "timeline": history_timeline(outcome),
        },
    )


@headquarters_required.of(Outcome)
def outcome_grant(request, pk):
    """The application becomes a granted patent: only the registration number and date are entered."""
    user = request.user
    outcome = get_object_or_404(Outcome.objects.editable_by(user).select_related("project"), pk=pk)
    form = PatentGrantForm(request.POST or None, initial={"version": outcome.version})
    if request.method == "POST" and form.is_valid():

        def grant() -> str:
            outcome_services.outcome_grant_patent(
                user=user,
                outcome_pk=outcome.pk,
                expected_version=form.cleaned_data["version"],
                registration_number=form.cleaned_data["registration_number"],
                granted_on=form.cleaned_data["granted_on"],
            )
            return reverse("workspace:outcome_detail", args=[outcome.pk])

        response = run_once(
            request,
            form,
            grant,
            conflict=conflict_response(request, form, back_url=reverse("workspace:outcome_detail", args=[outcome.pk])),
            success_message=_("特許登録に切り替えました。"),
        )
        if response is not None:
            return response
    return render(
        request,
        "workspace/outcome_grant.html",
        {"outcome": outcome, "form": form},
        status=400 if request.method == "POST" else 200,
    )
