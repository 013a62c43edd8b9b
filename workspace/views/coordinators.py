"""Workspace pages for coordinators (科学技術コーディネータ・目利き), advisors and their matching activities.

Mounted under the headquarters workspace (``workspace:coordinator_*``)."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cluster_portal.guards import headquarters_required
from cluster_portal.history import history_timeline
from cluster_portal.web import conflict_response, run_once
from coordinators import services
from coordinators.models import ActivityResult, CoordinationActivity, Coordinator
from projects.models import JointResearchProject
from workspace.coordinator_forms import ActivityForm, CoordinatorForm
from workspace.forms import PublicationForm
from workspace.views.base import organization_names


@headquarters_required
def coordinator_list(request):
    user = request.user
    coordinators = (
        Coordinator.objects.editable_by(user)
        .for_list()
        .annotate(
            activity_count=Count("activities", distinct=True),
            project_count=Count(
                "activities__resulting_project",
                filter=Q(activities__resulting_project__isnull=False),
                distinct=True,
            ),
        )
        .order_by("kind", "name")
    )
    return render(
        request,
        "workspace/coordinator_list.html",
        {
            "coordinators": coordinators,
            "created_projects": CoordinationActivity.objects.editable_by(user).created_projects_count(),
        },
    )


def _coordinator_data(form) -> dict:
    return {name: form.cleaned_data[name] for name in services.COORDINATOR_FIELDS}


@headquarters_required
def coordinator_create(request):
    user = request.user
    form = CoordinatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            coordinator = services.coordinator_create(user=user, data=_coordinator_data(form))
            return reverse("workspace:coordinator_detail", args=[coordinator.pk])

        response = run_once(request, form, create, success_message=_("コーディネータを登録しました。"))
        if response is not None:
            return response
    return render(
        request,
        "workspace/coordinator_form.html",
        {"form": form, "organization_names": organization_names()},
        status=400 if request.method == "POST" else 200,
    )


@headquarters_required.of(Coordinator)
def coordinator_edit(request, pk):
    user = request.user
    coordinator = get_object_or_404(Coordinator.objects.editable_by(user).for_list(), pk=pk)
    form = CoordinatorForm(request.POST or None, instance=coordinator)
    if request.method == "POST" and form.is_valid():

        def update() -> str:
            services.coordinator_update(
                user=user,
                coordinator_pk=coordinator.pk,
                expected_version=form.cleaned_data["version"],
                data=_coordinator_data(form),
            )
            return reverse("workspace:coordinator_detail", args=[coordinator.pk])

        response = run_once(
            request,
            form,
            update,
            conflict=conflict_response(
                request, form, back_url=reverse("workspace:coordinator_edit", args=[coordinator.pk])
            ),
            success_message=_("コーディネータを更新しました。"),
        )
        if response is not None:
            return response
    return render(
        request,
        "workspace/coordinator_form.html",
        {"form": form, "coordinator": coordinator, "organization_names": organization_names()},
        status=400 if request.method == "POST" else 200,
    )


@headquarters_required.of(Coordinator)
def coordinator_detail(request, pk):
    user = request.user
    coordinator = get_object_or_404(Coordinator.objects.editable_by(user).for_list(), pk=pk)
    activities = coordinator.activities.select_related("resulting_project").prefetch_related("organizations")
    return render(
        request,
        "workspace/coordinator_detail.html",
        {
            "coordinator": coordinator,
            "activities": activities.order_by("-held_on", "-pk"),
            "created_projects": activities.created_projects_count(),
            "publication_form": PublicationForm(),
            "timeline": history_timeline(
                coordinator, related=[CoordinationActivity.history.filter(coordinator_id=coordinator.pk)]
            ),
        },
    )


def _activity_data(form) -> dict:
    return {name: form.cleaned_data[name] for name in services.ACTIVITY_FIELDS}


def _own_projects(user):
    return JointResearchProject.objects.editable_by(user).order_by("code")


def _activity_form(request, *, projects, instance=None) -> tuple[ActivityForm, dict, bool]:
    """The activity form, with its organisation list narrowed by ``org_q`` (the searchable picker).

    「絞り込む」 posts the form with ``narrow``: nothing is saved, and the form comes back unbound with
    what was typed and selected (no error messages), the list narrowed; ``?org_q=`` does the same on GET.
    """
    narrowing = request.method == "POST" and "narrow" in request.POST
    source = request.POST if request.method == "POST" else request.GET
    if narrowing:
        initial = {key: request.POST.get(key) for key in request.POST if key not in ("narrow", "organizations")}
        initial["organizations"] = request.POST.getlist("organizations")
        form = ActivityForm(instance=instance, initial=initial, projects=projects)
        if request.POST.get("version"):
            form.initial["version"] = request.POST["version"]  # the version the edit was opened at
        selected = initial["organizations"]
    else:
        form = ActivityForm(request.POST or None, instance=instance, projects=projects)
        if request.method == "POST":
            selected = request.POST.getlist("organizations")
        else:
            selected = [organization.pk for organization in instance.organizations.all()] if instance else []
    selected = [int(value) for value in selected if str(value).isdigit()]
    picker = form.narrow_organizations(source.get("org_q", ""), selected)
    return form, picker, narrowing


@headquarters_required.of(Coordinator, kwarg="coordinator_pk")
def activity_create(request, coordinator_pk):
    user = request.user
    coordinator = get_object_or_404(Coordinator.objects.editable_by(user), pk=coordinator_pk)
    form, picker, narrowing = _activity_form(request, projects=_own_projects(user))
    if request.method == "POST" and not narrowing and form.is_valid():

        def create() -> str:
            services.activity_create(
                user=user,
                coordinator=coordinator,
                data=_activity_data(form),
                organizations=form.cleaned_data["organizations"],
            )
            return reverse("workspace:coordinator_detail", args=[coordinator.pk])

        response = run_once(request, form, create, success_message=_("活動を登録しました。"))
        if response is not None:
            return response
    return render(
        request,
        "workspace/activity_form.html",
        {"form": form, "coordinator": coordinator, "results": ActivityResult.choices, "picker": picker},
        status=400 if request.method == "POST" and not narrowing else 200,
    )


@headquarters_required.of(CoordinationActivity)
def activity_edit(request, pk):
    user = request.user
    activity = get_object_or_404(CoordinationActivity.objects.editable_by(user).select_related("coordinator"), pk=pk)
    form, picker, narrowing = _activity_form(request, projects=_own_projects(user), instance=activity)
    if request.method == "POST" and not narrowing and form.is_valid():

        def update() -> str:
            services.activity_update(
                user=user,
                activity_pk=activity.pk,
                expected_version=form.cleaned_data["version"],
                data=_activity_data(form),
                organizations=form.cleaned_data["organizations"],
            )
            return reverse("workspace:coordinator_detail", args=[activity.coordinator_id])

        response = run_once(
            request,
            form,
            update,
            conflict=conflict_response(request, form, back_url=reverse("workspace:activity_edit", args=[activity.pk])),
            success_message=_("活動を更新しました。"),
        )
        if response is not None:
            return response
    return render(
        request,
        "workspace/activity_form.html",
        {"form": form, "coordinator": activity.coordinator, "activity": activity, "picker": picker},
        status=400 if request.method == "POST" and not narrowing else 200,
    )
