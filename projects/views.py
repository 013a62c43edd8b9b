from django.shortcuts import get_object_or_404, render

from projects.models import JointResearchProject, Outcome, Participation, ProgressReport, ProjectBudget


def project_detail(request, code):
    user = request.user
    project = get_object_or_404(JointResearchProject.objects.visible_to(user).for_detail(), code=code)
    budgets = list(
        ProjectBudget.objects.visible_to(user)
        .filter(project=project)
        .select_related("grant")
        .order_by("grant__fiscal_year")
    )
    context = {
        "project": project,
        "participations": Participation.objects.visible_to(user).filter(project=project).roster(),
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
