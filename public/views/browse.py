"""Public lists and pages: organisations, results browser, events."""

from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from cluster_portal.cache import cached, cached_page, public_page
from cluster_portal.fiscal import fiscal_year_bounds
from coordinators.models import Coordinator
from projects.models import JointResearchProject, Outcome, OutcomeKind, Participation
from public.datasets import DATASETS, public_organizations
from public.export import csv_response
from public.stats import data_last_updated
from regions.models import Event, EventKind, Organization, OrganizationKind, Region

PER_PAGE = 25


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


def _cluster_field(required=False):
    return forms.ModelChoiceField(
        label=_("クラスター"),
        queryset=Region.objects.published().order_by("name"),
        to_field_name="slug",
        required=required,
        empty_label=_("すべて"),
    )


class LocalizedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        from cluster_portal.templatetags.portal import localized

        return localized(obj, "name")


# --- organisations -------------------------------------------------------------------------------


class OrganizationFilterForm(forms.Form):
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100, widget=forms.SearchInput)
    kind = forms.ChoiceField(label=_("種別"), choices=[("", _("すべて")), *OrganizationKind.choices], required=False)

    def cleaned(self):
        self.is_valid()
        return getattr(self, "cleaned_data", {})


def organization_rows(kind: str, text: str):
    """Public organisations of one kind (or all) matching ``text``, with their published project counts."""
    organizations = public_organizations()
    if kind:
        organizations = organizations.filter(kind=kind)
    published_projects = JointResearchProject.objects.published()
    return (
        organizations.search(text)
        .select_related("prefecture")
        .annotate(
            project_count=Count(
                "participations", filter=Q(participations__project__in=published_projects), distinct=True
            )
        )
        .order_by("kind", "name", "pk")
    )


@cached("public-organization-kinds")
def organization_kind_counts() -> dict[str, int]:
    kinds = public_organizations().order_by().values("kind").annotate(count=Count("pk")).order_by("kind")
    return {row["kind"]: row["count"] for row in kinds}


@public_page
def organization_list(request):
    form = OrganizationFilterForm(request.GET)
    data = form.cleaned()
    organizations = public_organizations()
    if data.get("kind"):
        organizations = organizations.filter(kind=data["kind"])
    organizations = organizations.search(data.get("q", ""))
    if request.GET.get("format") == "csv":
        dataset = DATASETS["organizations"]
        return csv_response(dataset, dataset.queryset().filter(pk__in=organizations.values("pk")), "organizations")
    context = {
        "form": form,
        "page": cached_page(
            "public-organizations",
            organization_rows,
            (data.get("kind", ""), data.get("q", "")),
            request.GET.get("page"),
            PER_PAGE,
        ),
        "kind_counts": organization_kind_counts(),
        "is_filtered": any(request.GET.get(name) for name in form.fields),
        "last_updated": data_last_updated(),
    }
    return render(request, "organizations/organization_list.html", context)


@public_page
def organization_detail(request, slug):
    organization = public_organizations().select_related("prefecture", "parent").filter(slug=slug).first()
    if organization is None:
        raise Http404
    published_projects = JointResearchProject.objects.published()
    participations = (
        Participation.objects.published()
        .filter(organization=organization)
        .select_related("project", "project__region")
        .order_by("project__region__name", "project__code")
    )
    hosted = published_projects.filter(host_organization=organization).select_related("region")
    outcomes = (
        Outcome.objects.published()
        .filter(Q(company=organization) | Q(project__in=published_projects.filter(project_ids_q(organization))))
        .select_related("project", "project__region")
        .order_by("-occurred_on", "-pk")
    )
    clusters = (
        Region.objects.published()
        .filter(
            Q(core_institution=organization)
            | Q(designated_by=organization)
            | Q(projects__in=published_projects.filter(project_ids_q(organization)))
        )
        .distinct()
        .order_by("name")
    )
    context = {
        "organization": organization,
        "participations": participations,
        "hosted": hosted,
        "outcomes": outcomes,
        "outcome_counts": outcomes.counts_by_kind(),
        "clusters": clusters,
        "coordinators": Coordinator.objects.published().filter(affiliation=organization).select_related("region"),
        "last_updated": organization.updated_at,
    }
    return render(request, "organizations/organization_detail.html", context)


def project_ids_q(organization) -> Q:
    """Projects an organisation takes part in or hosts."""
    return Q(pk__in=Participation.objects.filter(organization=organization).values("project_id")) | Q(
        host_organization=organization
    )


# --- results browser -----------------------------------------------------------------------------


class ResultFilterForm(forms.Form):
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100, widget=forms.SearchInput)
    kind = forms.ChoiceField(label=_("種別"), choices=[("", _("すべて")), *OutcomeKind.choices], required=False)
    year = forms.TypedChoiceField(label=_("年度"), coerce=int, required=False, empty_value=None)
    cluster = forms.CharField(required=False)  # replaced in __init__
    organization = forms.SlugField(label=_("機関コード"), required=False, max_length=120)

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        from cluster_portal.templatetags.portal import fiscal_year

        self.fields["cluster"] = _cluster_field()
        self.fields["year"].choices = [("", _("すべて")), *((year, fiscal_year(year)) for year in years)]

    def cleaned(self):
        self.is_valid()
        return getattr(self, "cleaned_data", {})


def filter_results(data: dict):
    """Published results narrowed by the results browser's filters (shared with the API)."""
    outcomes = Outcome.objects.published()
    if data.get("kind"):
        outcomes = outcomes.filter(kind=data["kind"])
    if data.get("year"):
        first, last = fiscal_year_bounds(data["year"])
        outcomes = outcomes.filter(occurred_on__gte=first, occurred_on__lte=last)
    if data.get("cluster"):
        outcomes = outcomes.filter(project__region=data["cluster"])
    if data.get("organization"):
        organization = Organization.objects.filter(slug=data["organization"]).first()
        if organization is None:
            return outcomes.none()
        outcomes = outcomes.filter(
            Q(company=organization) | Q(project__in=JointResearchProject.objects.filter(project_ids_q(organization)))
        )
    return outcomes.search(data.get("q", ""))


def result_rows(kind: str, year, cluster_pk, organization: str, text: str):
    data = {"kind": kind, "year": year, "cluster": cluster_pk, "organization": organization, "q": text}
    return filter_results(data).select_related("project", "project__region", "company").order_by("-occurred_on", "-pk")


@cached("public-result-counts")
def result_kind_counts(*args) -> dict[str, int]:
    """``counts_by_kind`` of ``result_rows(*args)``: the counts beside the results browser (cached)."""
    return result_rows(*args).order_by().counts_by_kind()


@cached("public-result-years")
def result_years() -> list[int]:
    dates = Outcome.objects.published().dates("occurred_on", "month")
    return sorted({day.year if day.month >= 4 else day.year - 1 for day in dates}, reverse=True)


@public_page
def result_list(request):
    form = ResultFilterForm(request.GET, years=result_years())
    data = form.cleaned()
    outcomes = filter_results(data)
    if request.GET.get("format") == "csv":
        dataset = DATASETS["results"]
        return csv_response(dataset, dataset.queryset().filter(pk__in=outcomes.values("pk")), "results")
    cluster = data.get("cluster")
    args = (data.get("kind", ""), data.get("year"), cluster.pk if cluster else None, data.get("organization", ""))
    args = (*args, data.get("q", ""))
    counts = result_kind_counts(*args)
    context = {
        "form": form,
        "page": cached_page("public-results", result_rows, args, request.GET.get("page"), PER_PAGE),
        "kind_counts": [(code, label, counts.get(code, 0)) for code, label in OutcomeKind.choices],
        "organization": Organization.objects.filter(slug=data["organization"]).first()
        if data.get("organization")
        else None,
        "is_filtered": any(request.GET.get(name) for name in form.fields),
        "last_updated": data_last_updated(),
    }
    return render(request, "results/result_list.html", context)


@public_page
def result_detail(request, code):
    """One result (成果) with its identifiers, people, product and project; unpublished ones are 404 to the public."""
    outcome = get_object_or_404(
        Outcome.objects.visible_to(request.user).select_related(
            "project", "project__region", "project__host_organization", "company"
        ),
        code=code,
    )
    context = {"outcome": outcome, "last_updated": outcome.updated_at}
    return render(request, "results/result_detail.html", context)


# --- events --------------------------------------------------------------------------------------


class EventFilterForm(forms.Form):
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100, widget=forms.SearchInput)
    kind = forms.ChoiceField(label=_("種別"), choices=[("", _("すべて")), *EventKind.choices], required=False)
    cluster = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cluster"] = _cluster_field()

    def cleaned(self):
        self.is_valid()
        return getattr(self, "cleaned_data", {})


def filter_events(data: dict):
    events = Event.objects.published()
    if data.get("kind"):
        events = events.filter(kind=data["kind"])
    if data.get("cluster"):
        events = events.filter(region=data["cluster"])
    return events.search(data.get("q", ""))


@public_page
def event_list(request):
    form = EventFilterForm(request.GET)
    events = filter_events(form.cleaned())
    if request.GET.get("format") == "csv":
        dataset = DATASETS["events"]
        return csv_response(dataset, dataset.queryset().filter(pk__in=events.values("pk")), "events")
    context = {
        "form": form,
        "page": _page(request, events.select_related("region").order_by("-starts_on", "-pk")),
        "is_filtered": any(request.GET.get(name) for name in form.fields),
        "last_updated": data_last_updated(),
    }
    return render(request, "events/event_list.html", context)
