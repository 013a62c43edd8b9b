"""Dashboard, joint research projects with their participants, organisation search."""

import datetime

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cluster_portal.fiscal import current_fiscal_year
from cluster_portal.guards import headquarters_or_ministry_required, headquarters_required
from cluster_portal.history import history_timeline
from cluster_portal.web import conflict_response, filtered, run_once
from coordinators.models import CoordinationActivity
from projects import permissions
from projects.models import (
    JointResearchProject,
    Outcome,
    Participation,
    ProgressReport,
    ProjectBudget,
    ProjectStatus,
    ReportStatus,
)
from projects.services import projects as project_services
from regions.models import Event, Grant, Organization, OrganizationKind
from workspace.filters import ProjectFilter
from workspace.forms import ParticipantFormSet, ProjectForm, PublicationForm, StatusChangeForm, participant_initial
from workspace.views.base import organization_names

DASHBOARD_ROWS = 5
REPORT_DUE_WINDOW_DAYS = 60


def _dashboard_fiscal_year(request, grants: dict[int, Grant]) -> int:
    try:
        requested = int(request.GET.get("fy", ""))
    except ValueError:
        requested = None
    if requested in grants:
        return requested
    current = current_fiscal_year()
    if current in grants or not grants:
        return current
    earlier = [year for year in grants if year <= current]
    return max(earlier) if earlier else min(grants)


@headquarters_required
def dashboard(request):
    user = request.user
    region = user.headquarters.region
    grants = {grant.fiscal_year: grant for grant in Grant.objects.of_region(region.pk).order_by("fiscal_year")}
    fiscal_year = _dashboard_fiscal_year(request, grants)
    grant = grants.get(fiscal_year)
    # by the year's grant (its id: an index scan of that grant's budgets) when there is one, rather
    # than joining every budget of the region to its grant to compare the year
    budgets = ProjectBudget.objects.editable_by(user)
    budgets = budgets.filter(grant=grant) if grant else budgets.filter(grant__fiscal_year=fiscal_year)
    money = budgets.aggregate(allocated=Sum("allocated"), executed=Sum("executed"))
    allocated, executed = money["allocated"] or 0, money["executed"] or 0
    granted = grant.amount if grant else 0
    today = timezone.localdate()
    open_reports = (
        ProgressReport.objects.editable_by(user)
        .filter(status__in=[ReportStatus.DRAFT, ReportStatus.RETURNED], due_on__isnull=False)
        .select_related("project")
        .order_by("due_on", "pk")
    )
    status_counts = dict(
        JointResearchProject.objects.editable_by(user).order_by().values_list("status").annotate(n=Count("pk"))
    )
    context = {
        "region": region,
        "fiscal_year": fiscal_year,
        "fiscal_years": sorted(grants),
        "money": {
            "granted": granted,
            "allocated": allocated,
            "executed": executed,
            "unallocated": granted - allocated,
            "unexecuted": allocated - executed,
            "has_grant": grant is not None,
        },
        "status_counts": [(label, status_counts.get(code, 0), code) for code, label in ProjectStatus.choices],
        "overdue_reports": list(open_reports.filter(due_on__lt=today)[:20]),
        "due_reports": list(
            open_reports.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=REPORT_DUE_WINDOW_DAYS))[
                :20
            ]
        ),
        "returned_count": ProgressReport.objects.editable_by(user).filter(status=ReportStatus.RETURNED).count(),
        "recent_outcomes": Outcome.objects.editable_by(user)
        .select_related("project")
        .order_by("-occurred_on", "-pk")[:DASHBOARD_ROWS],
        "upcoming_events": Event.objects.editable_by(user)
        .filter(starts_on__gte=today)
        .order_by("starts_on", "pk")[:DASHBOARD_ROWS],
        "coordinated_projects": CoordinationActivity.objects.editable_by(user).created_projects_count(),
    }
    return render(request, "workspace/dashboard.html", context)


# ---------------------------------------------------------------- projects


@headquarters_required
def project_list(request):
    projects = JointResearchProject.objects.editable_by(request.user).for_list().with_counts().order_by("code")
    projects, chosen = filtered(ProjectFilter, request, projects)
    return render(
        request,
        "workspace/project_list.html",
        {"projects": projects, "status": chosen["status"] or "", "statuses": ProjectStatus.choices},
    )


def _project_forms(request, project=None):
    data = request.POST if request.method == "POST" else None
    form = ProjectForm(data, instance=project)
    initial = participant_initial(project) if project is not None and data is None else None
    formset = ParticipantFormSet(data, initial=initial, prefix="participants")
    return form, formset


def _render_project_form(request, form, formset, project=None, status=200):
    return render(
        request,
        "workspace/project_form.html",
        {
            "form": form,
            "formset": formset,
            "project": project,
            "organization_names": organization_names(),
            "organization_kinds": OrganizationKind.choices,
        },
        status=status,
    )


@headquarters_required
def project_create(request):
    form, formset = _project_forms(request)
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        data = {name: form.cleaned_data[name] for name in project_services.PROJECT_FIELDS}
        response = run_once(
            request,
            form,
            lambda: reverse(
                "workspace:project_detail",
                args=[
                    project_services.project_create(
                        user=request.user, data=data, participants=formset.participants()
                    ).pk
                ],
            ),
            success_message=_("プロジェクトを登録しました。"),
            fallback_url="workspace:project_list",
        )
        if response is not None:
            return response
    return _render_project_form(request, form, formset, status=400 if request.method == "POST" else 200)


@headquarters_required.of(JointResearchProject)
def project_edit(request, pk):
    project = get_object_or_404(JointResearchProject.objects.editable_by(request.user).for_detail(), pk=pk)
    form, formset = _project_forms(request, project)
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        data = {name: form.cleaned_data[name] for name in project_services.PROJECT_FIELDS}
        response = run_once(
            request,
            form,
            lambda: reverse(
                "workspace:project_detail",
                args=[
                    project_services.project_update(
                        user=request.user,
                        project_pk=project.pk,
                        expected_version=form.cleaned_data["version"],
                        data=data,
                        participants=formset.participants(),
                    ).pk
                ],
            ),
            conflict=conflict_response(
                request,
                form,
                back_url=reverse("workspace:project_edit", args=[project.pk]),
                fields=project_services.PROJECT_FIELDS,
            ),
            success_message=_("プロジェクトを更新しました。"),
            fallback_url=reverse("workspace:project_detail", args=[project.pk]),
        )
        if response is not None:
            return response
    return _render_project_form(request, form, formset, project, status=400 if request.method == "POST" else 200)


def participation_history(project):
    """The project's participations as they were added, changed and removed (the participants formset)."""
    records = Participation.history.filter(project_id=project.pk).select_related("organization")
    return records, lambda record: f"{record.organization.name}（{record.get_role_display()}）"


@headquarters_required.of(JointResearchProject)
def project_detail(request, pk):
    user = request.user
    project = get_object_or_404(JointResearchProject.objects.editable_by(user).for_detail(), pk=pk)
    targets = JointResearchProject.workflow.allowed_targets(project.status, user)
    context = {
        "project": project,
        "participations": project.participations.roster(),
        "budgets": project.budgets.select_related("grant").order_by("grant__fiscal_year"),
        "reports": project.reports.order_by("-fiscal_year", "-half"),
        "outcomes": project.outcomes.order_by("-occurred_on", "-pk"),
        "status_form": StatusChangeForm(targets=targets) if targets else None,
        "publication_form": PublicationForm(),
        "timeline": history_timeline(project, related=[participation_history(project)]),
    }
    return render(request, "workspace/project_detail.html", context)


@require_POST
@headquarters_required.of(JointResearchProject)
def project_status(request, pk):
    project = get_object_or_404(JointResearchProject.objects.editable_by(request.user), pk=pk)
    targets = JointResearchProject.workflow.allowed_targets(project.status, request.user)
    form = StatusChangeForm(request.POST, targets=targets)
    if form.is_valid():
        response = run_once(
            request,
            form,
            lambda: workspace_url(
                project_services.project_change_status(
                    user=request.user,
                    project_pk=project.pk,
                    target=form.cleaned_data["target"],
                    reason=form.cleaned_data["reason"],
                )
            ),
            success_message=_("状態を変更しました。"),
        )
        if response is not None:
            return response
    for error in form.non_field_errors() + form.errors.get("target", []) + form.errors.get("reason", []):
        messages.error(request, error)
    return redirect("workspace:project_detail", pk=project.pk)


# ---------------------------------------------------------------- publication (projects, results, coordinators, events)


def publishable_models():
    from coordinators.models import Coordinator

    return {"project": JointResearchProject, "outcome": Outcome, "coordinator": Coordinator, "event": Event}


def publishable_object_visible(user, kwargs) -> bool:
    """The object a publication URL names (``kind`` and ``pk``), among what the user may see."""
    model = publishable_models().get(kwargs.get("kind"))
    return model is not None and model.objects.visible_to(user).filter(pk=kwargs.get("pk")).exists()


@require_POST
@headquarters_or_ministry_required.of(publishable_object_visible, custom=True)
def publication(request, kind, pk, action):
    """Publish (headquarters of the region) or withdraw (the region's headquarters or the ministry)."""
    model = publishable_models().get(kind)
    if model is None or action not in ("publish", "unpublish"):
        return redirect("workspace:dashboard")
    user = request.user
    scope = model.objects.visible_to(user) if user.is_ministry else model.objects.editable_by(user)
    obj = get_object_or_404(scope, pk=pk)
    publish = action == "publish"
    if not (permissions.can_publish(user, obj) if publish else permissions.can_unpublish(user, obj)):
        return render(request, "403.html", status=403)
    form = PublicationForm(request.POST)
    back = request.POST.get("next", "")
    fallback = reverse("workspace:ministry") if user.is_ministry else workspace_url(obj)
    if not back.startswith("/workspace/"):
        back = fallback

    def change() -> str:
        project_services.publication_set(user=user, obj=obj, publish=publish, reason=form.cleaned_data["reason"])
        return back

    if form.is_valid():
        response = run_once(
            request,
            form,
            change,
            success_message=_("公開しました。") if publish else _("非公開にしました。"),
            fallback_url=back,
        )
        if response is not None:
            return response
    return redirect(back)


def workspace_url(obj) -> str:
    names = {
        "jointresearchproject": "workspace:project_detail",
        "outcome": "workspace:outcome_detail",
        "coordinator": "workspace:coordinator_detail",
        "event": "workspace:event_detail",
    }
    return reverse(names[obj._meta.model_name], args=[obj.pk])


# ---------------------------------------------------------------- organisations


@headquarters_required
def organization_search(request):
    """Search registered organisations by name (works without JavaScript; the forms also offer a <datalist>)."""
    text = request.GET.get("q", "").strip()[:100]
    results = []
    if text:
        results = list(
            Organization.objects.search(text)
            .filter(~Q(name=""))
            .order_by("kind", "name")
            .select_related("prefecture")[:50]
        )
    return render(
        request,
        "workspace/organization_search.html",
        {"q": text, "results": results, "organization_kinds": OrganizationKind.choices},
    )
