"""The funding flow page (資金の流れ): requested → selected → granted → allocated → executed → results."""

from django import forms
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_portal.cache import public_page
from cluster_portal.fiscal import current_fiscal_year
from projects.models import OutcomeKind
from public import charts, stats
from regions.models import Region


class FundingFlowForm(forms.Form):
    start = forms.TypedChoiceField(label=gettext_lazy("開始年度"), coerce=int, required=False, empty_value=None)
    end = forms.TypedChoiceField(label=gettext_lazy("終了年度"), coerce=int, required=False, empty_value=None)
    cluster = forms.ModelChoiceField(
        label=gettext_lazy("地域"),
        queryset=Region.objects.published().order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("事業全体"),
    )

    def __init__(self, *args, span, **kwargs):
        super().__init__(*args, **kwargs)
        from cluster_portal.templatetags.portal import fiscal_year

        first, last = span
        choices = [(year, fiscal_year(year)) for year in range(first, last + 1)]
        self.fields["start"].choices = [("", gettext_lazy("最初から")), *choices]
        self.fields["end"].choices = [("", gettext_lazy("最後まで")), *choices]

    def selection(self, span):
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        start = data.get("start") or span[0]
        end = data.get("end") or span[1]
        if start > end:
            start, end = end, start
        return start, end, data.get("cluster")


def flow_selection(request):
    span = stats.fiscal_year_span() or (current_fiscal_year(),) * 2
    form = FundingFlowForm(request.GET, span=span)
    start, end, region = form.selection(span)
    return form, start, end, region


def results_summary(flow) -> tuple[str, str]:
    """Two short lines for the end of the flow diagram, named and counted as in the results table
    below it: 「特許出願」 is the applications row (granted patents are their own row), then the total."""
    return (
        _("特許出願 %(patents)d件") % {"patents": flow.results.get(OutcomeKind.PATENT_APPLICATION, 0)},
        _("成果の合計 %(total)d件") % {"total": flow.results_total},
    )


@public_page
def funding_flow(request):
    form, start, end, region = flow_selection(request)
    flow = stats.funding_flow(start, end, region_id=region.pk if region else None)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {"cluster": region.slug if region else None, **flow.as_dict()}, json_dumps_params={"ensure_ascii": False}
        )
    comparison = [] if region else stats.region_comparison(start, end)
    by_year, by_year_total = stats.public_funding_by_year(start, end, region.pk if region else None)
    context = {
        "by_year": by_year,
        "by_year_total": by_year_total,
        "by_year_chart": charts.funding_bars(by_year, chart_id="program-funding-chart"),
        "form": form,
        "flow": flow,
        "region": region,
        "sankey": charts.sankey(flow, results_label=results_summary(flow)),
        "result_rows": [(label, flow.results.get(code, 0)) for code, label in OutcomeKind.choices],
        "comparison": comparison,
        "last_updated": stats.data_last_updated(),
    }
    return render(request, "funding/funding_flow.html", context)
