from django import forms
from django.core.paginator import Paginator
from django.db.models import Max, Min
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from cluster_portal.cache import public_page
from cluster_portal.fiscal import fiscal_year_bounds, fiscal_year_of
from projects.models import (
    JointResearchProject,
    Outcome,
    Participation,
    ProgressReport,
    ProjectBudget,
    ProjectStatus,
)
from public.datasets import DATASETS
from public.export import csv_response
from public.stats import data_last_updated
from public.views.browse import PER_PAGE, _cluster_field, project_ids_q
from regions.models import Organization

PROJECT_SORTS = {
    "": ("code", "pk"),
    "-start": ("-start_date", "code", "pk"),
    "start": ("start_date", "code", "pk"),
    "title": ("title", "code", "pk"),
}
PROJECT_SORT_CHOICES = [
    ("", _("プロジェクトコード順")),
    ("-start", _("開始日の新しい順")),
    ("start", _("開始日の古い順")),
    ("title", _("テーマ名順")),
]


class ProjectFilterForm(forms.Form):
    """The GET filters of the public project list; every value stays in the URL so a search can be shared."""

    q = forms.CharField(label=_("キーワード"), required=False, max_length=100, widget=forms.SearchInput)
    cluster = forms.CharField(required=False)  # replaced in __init__
    theme = forms.ChoiceField(label=_("分野"), required=False)
    status = forms.ChoiceField(label=_("状態"), choices=[("", _("すべて")), *ProjectStatus.choices], required=False)
    fiscal_year = forms.TypedChoiceField(label=_("実施年度"), coerce=int, required=False, empty_value=None)
    organization = forms.SlugField(label=_("機関コード"), required=False, max_length=120)
    sort = forms.ChoiceField(label=_("並び順"), choices=PROJECT_SORT_CHOICES, required=False)

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        from cluster_portal.templatetags.portal import fiscal_year

        projects = (projects if projects is not None else JointResearchProject.objects.published()).order_by()
        self.fields["cluster"] = _cluster_field()
        themes = projects.exclude(theme="").values_list("theme", flat=True).distinct().order_by("theme")
        self.fields["theme"].choices = [("", _("すべて")), *((theme, theme) for theme in themes)]
        span = projects.aggregate(first=Min("start_date"), last=Max(Coalesce("end_date", "start_date")))
        years = []
        if span["first"] and span["last"]:
            years = range(fiscal_year_of(span["last"]), fiscal_year_of(span["first"]) - 1, -1)
        self.fields["fiscal_year"].choices = [("", _("すべて")), *((year, fiscal_year(year)) for year in years)]

    def cleaned(self) -> dict:
        self.is_valid()
        return getattr(self, "cleaned_data", {})


def filter_projects(projects, data: dict):
    """``projects`` narrowed by the project list's filters (invalid values were dropped by the form)."""
    if data.get("cluster"):
        projects = projects.filter(region=data["cluster"])
    if data.get("theme"):
        projects = projects.filter(theme=data["theme"])
    if data.get("status"):
        projects = projects.filter(status=data["status"])
    if data.get("fiscal_year"):
        first, last = fiscal_year_bounds(data["fiscal_year"])
        projects = projects.filter(start_date__lte=last).exclude(end_date__lt=first)
    if data.get("organization"):
        organization = Organization.objects.filter(slug=data["organization"]).first()
        if organization is None:
            return projects.none()
        projects = projects.filter(project_ids_q(organization))
    return projects.search(data.get("q", ""))


@public_page
def project_list(request):
    visible = JointResearchProject.objects.visible_to(request.user)
    form = ProjectFilterForm(request.GET, projects=visible)
    data = form.cleaned()
    projects = filter_projects(visible, data)
    if request.GET.get("format") == "csv":
        dataset = DATASETS["projects"]
        return csv_response(dataset, dataset.queryset().filter(pk__in=projects.values("pk")), "projects")
    rows = projects.for_list().order_by(*PROJECT_SORTS.get(data.get("sort", ""), PROJECT_SORTS[""]))
    context = {
        "form": form,
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "organization": Organization.objects.filter(slug=data["organization"]).first()
        if data.get("organization")
        else None,
        "is_filtered": any(request.GET.get(name) for name in form.fields if name != "sort"),
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
