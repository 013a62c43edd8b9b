from django import forms
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from cluster_portal.stats import funding_table
from cluster_portal.templatetags.portal import localized
from coordinators.models import Coordinator
from projects.models import JointResearchProject, Outcome, OutcomeKind, ProjectBudget
from regions.models import (
    ClusterType,
    Evaluation,
    Event,
    Grant,
    Headquarters,
    HeadquartersMember,
    Program,
    Region,
    RegionStatus,
    RelatedMeasure,
)

REGIONS_PER_PAGE = 25


class ProgramChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return localized(obj, "name")


class RegionFilterForm(forms.Form):
    """The simple GET filters of the cluster list; every value stays in the URL."""

    q = forms.CharField(label=_("キーワード"), required=False, max_length=100, widget=forms.SearchInput)
    program = ProgramChoiceField(
        label=_("事業（期）"),
        queryset=Program.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("すべて"),
    )
    cluster_type = forms.ChoiceField(label=_("類型"), choices=[("", _("すべて")), *ClusterType.choices], required=False)
    status = forms.ChoiceField(label=_("状態"), choices=[("", _("すべて")), *RegionStatus.choices], required=False)

    def filters(self) -> dict:
        """Keyword arguments for ``RegionQuerySet.filter_list``; invalid values are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        program = data.get("program")
        return {
            "program_code": program.code if program else "",
            "cluster_type": data.get("cluster_type", ""),
            "status": data.get("status", ""),
            "text": data.get("q", ""),
        }


def region_list(request):
    form = RegionFilterForm(request.GET)
    regions = Region.objects.visible_to(request.user).for_list().filter_list(**form.filters())
    page = Paginator(regions, REGIONS_PER_PAGE).get_page(request.GET.get("page"))
    is_filtered = any(request.GET.get(name) for name in form.fields)
    return render(request, "regions/region_list.html", {"form": form, "page": page, "is_filtered": is_filtered})


def region_detail(request, slug):
    user = request.user
    region = get_object_or_404(Region.objects.visible_to(user).for_detail(), slug=slug)
    try:
        headquarters = region.headquarters
    except Headquarters.DoesNotExist:
        headquarters = None
    funding_rows, funding_total = funding_table(
        Grant.objects.visible_to(user).of_region(region.pk).totals_by_fiscal_year(),
        ProjectBudget.objects.visible_to(user).of_region(region.pk).totals_by_fiscal_year(),
    )
    outcome_counts = Outcome.objects.visible_to(user).of_region(region.pk).counts_by_kind()
    context = {
        "region": region,
        "headquarters": headquarters,
        "members": HeadquartersMember.objects.visible_to(user).of_region(region.pk).roster(),
        "projects": JointResearchProject.objects.visible_to(user)
        .of_region(region.pk)
        .select_related("host_organization"),
        "funding_rows": funding_rows,
        "funding_total": funding_total,
        "outcome_counts": [(label, outcome_counts.get(code, 0)) for code, label in OutcomeKind.choices],
        "outcome_total": sum(outcome_counts.values()),
        "events": Event.objects.visible_to(user).of_region(region.pk).order_by("-starts_on", "-pk"),
        "evaluations": Evaluation.objects.visible_to(user).of_region(region.pk).order_by("fiscal_year", "kind"),
        "measures": RelatedMeasure.objects.visible_to(user).of_region(region.pk),
        "coordinators": Coordinator.objects.visible_to(user).of_region(region.pk).select_related("affiliation"),
    }
    return render(request, "regions/region_detail.html", context)
