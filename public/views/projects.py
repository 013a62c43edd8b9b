from django.shortcuts import get_object_or_404, render

from cluster_portal.cache import public_page
from cluster_portal.paging import paginate_counted
from projects.models import (
    JointResearchProject,
    Outcome,
    Participation,
    ProgressReport,
    ProjectBudget,
)
from public import structured
from public.datasets import DATASETS
from public.export import csv_response, wants_codes
from public.filters import ProjectFilter, ProjectListFilter
from public.stats import data_last_updated
from public.views.browse import PER_PAGE
from regions.models import Organization


def filter_projects(projects, data: dict):
    """``projects`` narrowed by the project list's filters (``ProjectFilter.params()``)."""
    return ProjectFilter.apply(projects, data)


@public_page
def project_list(request):
    visible = JointResearchProject.objects.visible_to(request.user)
    filterset = ProjectListFilter(request.GET, offered=visible)
    data = filterset.params()
    projects = filter_projects(visible, data)
    if request.GET.get("format") == "csv":
        dataset = DATASETS["projects"]
        return csv_response(
            dataset, dataset.queryset().filter(pk__in=projects.values("pk")), "projects", codes=wants_codes(request)
        )
    context = {
        "form": filterset.form,
        "page": paginate_counted(filterset.sorted(projects.for_list()), PER_PAGE, request.GET.get("page")),
        "organization": Organization.objects.filter(slug=data["organization"]).first()
        if data.get("organization")
        else None,
        "is_filtered": filterset.is_filtered(),
        "last_updated": data_last_updated(),
    }
    return render(request, "projects/project_list.html", context)


@public_page
def project_detail(request, code):
    user = request.user
    project = get_object_or_404(JointResearchProject.objects.visible_to(user).for_detail(), code=code)
    budgets = list(
        ProjectBudget.objects.visible_to(user)
        .filter(project=project)
        .select_related("grant")
        .order_by("grant__fiscal_year")
    )
    participations = list(Participation.objects.visible_to(user).filter(project=project).roster())
    context = {
        "project": project,
        "participations": participations,
        "structured_data": structured.project(request, project, participations),
        "budgets": budgets,
        "budget_total": {
            "allocated": sum(budget.allocated for budget in budgets),
            "executed": sum(budget.executed for budget in budgets),
        },
        "outcomes": Outcome.objects.visible_to(user).filter(project=project).select_related("company"),
        "reports": ProgressReport.objects.visible_to(user)
        .filter(project=project)
        .accepted_with_summary()
        .order_by("-fiscal_year", "-half"),
    }
    return render(request, "projects/project_detail.html", context)
