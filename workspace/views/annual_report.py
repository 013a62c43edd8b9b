"""The annual results report (実績報告書) of the headquarters' own region: printable HTML, and 「PDFを作成」
(the PDF is made by the worker: dataio's PDF job)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from cluster_portal.guards import headquarters_required
from coordinators.annual_report import annual_report, report_years


@headquarters_required
def annual_report_page(request):
    region = request.user.headquarters.region
    years = report_years(region)
    fiscal_year = years[0] if years else None
    if request.GET.get("fy"):
        try:
            fiscal_year = int(request.GET["fy"])
        except ValueError:
            raise Http404 from None
        if fiscal_year not in years:
            raise Http404
    context = {
        "region": region,
        "years": years,
        "report": annual_report(region, fiscal_year) if fiscal_year else None,
        "generated_on": timezone.localdate(),
    }
    return render(request, "workspace/annual_report.html", context)
