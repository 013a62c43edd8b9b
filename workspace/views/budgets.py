"""Allocation (配分額) per project per fiscal year and execution (執行額) entries.

Financial rows are never deleted from here: there is no delete view, the
foreign keys to them are PROTECT, and a wrong entry is corrected by editing it,
which keeps its history (who, when, before/after).
"""

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from cluster_portal.guards import headquarters_required
from cluster_portal.history import history_timeline
from cluster_portal.web import conflict_response, run_once
from projects import services
from projects.models import Expenditure, JointResearchProject, ProjectBudget
from regions.models import Grant
from workspace.forms import AllocationForm, ExpenditureForm


def region_grants(user):
    """The region's grants with what is already allocated and what remains, in one query."""
    grants = (
        Grant.objects.of_region(user.region_id)
        .annotate(
            allocated_total=Coalesce(Sum("budgets__allocated"), 0), executed_total=Coalesce(Sum("budgets__executed"), 0)
        )
        .order_by("fiscal_year")
    )
    for grant in grants:
        grant.remaining = grant.amount - grant.allocated_total
    return list(grants)


@headquarters_required
def budget_overview(request):
    user = request.user
    grants = region_grants(user)
    budgets = (
        ProjectBudget.objects.editable_by(user)
        .select_related("project", "grant")
        .order_by("-grant__fiscal_year", "project__code")
    )
    by_year: dict[int, list] = {}
    for budget in budgets:
        by_year.setdefault(budget.grant.fiscal_year, []).append(budget)
    years = [(grant, by_year.get(grant.fiscal_year, [])) for grant in reversed(grants)]
    return render(request, "workspace/budget_overview.html", {"years": years})


def _render_allocation(request, form, project, grants, budget=None, status=200):
    return render(
        request,
        "workspace/budget_form.html",
        {"form": form, "project": project, "grants": grants, "budget": budget},
        status=status,
    )


@headquarters_required.of(JointResearchProject, kwarg="project_pk")
def budget_create(request, project_pk):
    user = request.user
    project = get_object_or_404(JointResearchProject.objects.editable_by(user), pk=project_pk)
    grants = region_grants(user)
    form = AllocationForm(request.POST or None, grants=grants)
    if request.method == "POST" and form.is_valid():
        response = run_once(
            request,
            form,
            lambda: reverse(
                "workspace:budget_detail",
                args=[
                    services.budget_allocate(
                        project=project,
                        fiscal_year=form.cleaned_data["fiscal_year"],
                        allocated=form.cleaned_data["allocated"],
                        overrun_reason=form.cleaned_data["overrun_reason"] or None,
                        must_be_new=True,
                    ).pk
                ],
            ),
            success_message=_("配分額を登録しました。"),
            fallback_url=reverse("workspace:project_detail", args=[project.pk]),
        )
        if response is not None:
            return response
    return _render_allocation(request, form, project, grants, status=400 if request.method == "POST" else 200)


@headquarters_required.of(ProjectBudget)
def budget_edit(request, pk):
    user = request.user
    budget = get_object_or_404(ProjectBudget.objects.editable_by(user).select_related("project", "grant"), pk=pk)
    grants = region_grants(user)
    form = AllocationForm(
        request.POST or None,
        grants=grants,
        fixed_year=budget.grant.fiscal_year,
        initial={"allocated": budget.allocated, "overrun_reason": budget.overrun_reason, "version": budget.version},
    )
    if request.method == "POST" and form.is_valid():
        response = run_once(
            request,
            form,
            lambda: reverse(
                "workspace:budget_detail",
                args=[
                    services.budget_allocate(
                        project=budget.project,
                        fiscal_year=budget.grant.fiscal_year,
                        allocated=form.cleaned_data["allocated"],
                        overrun_reason=form.cleaned_data["overrun_reason"],
                        expected_version=form.cleaned_data["version"],
                    ).pk
                ],
            ),
            conflict=conflict_response(
                request,
                form,
                back_url=reverse("workspace:budget_edit", args=[budget.pk]),
                fields=("allocated", "overrun_reason"),
            ),
            success_message=_("配分額を更新しました。"),
            fallback_url=reverse("workspace:budget_detail", args=[budget.pk]),
        )
        if response is not None:
            return response
    return _render_allocation(
        request, form, budget.project, grants, budget, status=400 if request.method == "POST" else 200
    )


def _running_totals(expenditures):
    total = 0
    rows = []
    for expenditure in expenditures:
        total += expenditure.amount
        rows.append((expenditure, total))
    return rows


def _budget_page(request, budget, form, status=200):
    expenditures = list(budget.expenditures.order_by("spent_on", "pk"))
    by_category: dict[str, int] = {}
    for expenditure in expenditures:
        label = expenditure.get_category_display()
        by_category[label] = by_category.get(label, 0) + expenditure.amount
    return render(
        request,
        "workspace/budget_detail.html",
        {
            "budget": budget,
            "rows": _running_totals(expenditures),
            "by_category": sorted(by_category.items()),
            "form": form,
            "timeline": history_timeline(budget),
        },
        status=status,
    )


@headquarters_required.of(ProjectBudget)
def budget_detail(request, pk):
    budget = get_object_or_404(
        ProjectBudget.objects.editable_by(request.user).select_related("project", "grant"), pk=pk
    )
    return _budget_page(request, budget, ExpenditureForm())


@headquarters_required.of(ProjectBudget, kwarg="budget_pk")
def expenditure_create(request, budget_pk):
    user = request.user
    budget = get_object_or_404(ProjectBudget.objects.editable_by(user).select_related("project", "grant"), pk=budget_pk)
    form = ExpenditureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def create() -> str:
            services.expenditure_create(
                user=user,
                budget_pk=budget.pk,
                data={name: form.cleaned_data[name] for name in services.EXPENDITURE_FIELDS},
                overrun_reason=form.cleaned_data["overrun_reason"],
            )
            return reverse("workspace:budget_detail", args=[budget.pk])

        response = run_once(request, form, create, success_message=_("執行を登録しました。"))
        if response is not None:
            return response
    return _budget_page(request, budget, form, status=400 if request.method == "POST" else 200)


@headquarters_required.of(Expenditure)
def expenditure_edit(request, pk):
    user = request.user
    expenditure = get_object_or_404(
        Expenditure.objects.editable_by(user).select_related("budget__project", "budget__grant"), pk=pk
    )
    form = ExpenditureForm(request.POST or None, instance=expenditure)
    if request.method == "POST" and form.is_valid():

        def update() -> str:
            services.expenditure_update(
                user=user,
                expenditure_pk=expenditure.pk,
                expected_version=form.cleaned_data["version"],
                data={name: form.cleaned_data[name] for name in services.EXPENDITURE_FIELDS},
                overrun_reason=form.cleaned_data["overrun_reason"],
            )
            return reverse("workspace:budget_detail", args=[expenditure.budget_id])

        response = run_once(
            request,
            form,
            update,
            conflict=conflict_response(
                request,
                form,
                back_url=reverse("workspace:expenditure_edit", args=[expenditure.pk]),
                fields=services.EXPENDITURE_FIELDS,
            ),
            success_message=_("執行を更新しました。"),
        )
        if response is not None:
            return response
    return render(
        request,
        "workspace/expenditure_form.html",
        {
            "form": form,
            "expenditure": expenditure,
            "budget": expenditure.budget,
            "timeline": history_timeline(expenditure),
        },
        status=400 if request.method == "POST" else 200,
    )
