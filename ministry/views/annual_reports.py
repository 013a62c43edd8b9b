"""Every region's annual results report (実績報告書) for the ministry: printable HTML, and 「PDFを作成」
(made by the worker: dataio's PDF job). Reached from the grant list and a grant's page."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from cluster_portal.guards import ministry_required
from coordinators.annual_report import annual_report, report_years
from regions.models import Region


@ministry_required.of(Region, kwarg="slug", field="slug")
def annual_report_page(request, slug, fiscal_year):
    region = get_object_or_404(Region, slug=slug)
    years = report_years(region)
    if fiscal_year not in years:
        raise Http404
    context = {
        "region": region,
        "years": years,
        "report": annual_report(region, fiscal_year),
        "generated_on": timezone.localdate(),
    }
    return render(request, "ministry/annual_report.html", context)
