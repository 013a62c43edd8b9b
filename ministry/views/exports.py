"""The ministry's CSV and Excel (XLSX) files of the selection workflow, written by the one formula-safe
writer (``cluster_portal.tabular``): proposals (filtered as the list is), a call's reviews, their
statistics and its selection decisions, and the evaluations. Labels by default, codes with ``?codes=1``;
the XLSX sheet is named after the data set. Ministry staff only (``ministry_required``)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cluster_portal.guards import ministry_required
from cluster_portal.pdf import content_disposition
from cluster_portal.tabular import files
from cluster_portal.web import filtered
from ministry.filters import ProposalFilter
from regions import exports
from regions.models import Call, Proposal

EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def wants_codes(request) -> bool:
    """``?codes=1``: kinds and states as their codes instead of their labels."""
    return request.GET.get("codes") == "1"


def export_query(request) -> str:
    """The list's filters as a query string for its export links ("?status=…&call=…"; never the page)."""
    query = request.GET.copy()
    query.pop("page", None)
    return f"?{query.urlencode()}" if query else ""


def spreadsheet_response(table: exports.Table, extension: str, name: str) -> HttpResponse:
    """``table`` as a CSV (UTF-8 with BOM, for Excel) or XLSX download named ``name``.``extension``;
    any other extension is not found."""
    if extension not in EXPORT_TYPES:
        raise Http404
    content = files.write(table.headers, table.rows, extension, title=table.sheet)
    response = HttpResponse(content, content_type=EXPORT_TYPES[extension])
    response["Content-Disposition"] = content_disposition(f"{name}.{extension}")
    response["Cache-Control"] = "private, no-store"
    return response


def _dated(name: str) -> str:
    return f"{name}-{timezone.localdate():%Y%m%d}"


def _call(code) -> Call:
    return get_object_or_404(Call.objects.select_related("program"), code=code)


def filtered_proposals(request):
    """The ministry's proposal list (drafts never) with the list's filters (``?status=``, ``?call=``)."""
    proposals = Proposal.objects.for_ministry().order_by("-call__fiscal_year", "call__code", "region__name", "pk")
    proposals, _chosen = filtered(ProposalFilter, request, proposals)
    return proposals


@ministry_required
def proposal_export(request, extension):
    table = exports.proposal_table(filtered_proposals(request), codes=wants_codes(request))
    call = request.GET.get("call", "").strip()
    stem = f"{call}-proposals" if call and Call.objects.filter(code=call).exists() else "proposals"
    return spreadsheet_response(table, extension, _dated(stem))


@ministry_required.of(Call, kwarg="code", field="code")
def decision_export(request, code, extension):
    call = _call(code)
    table = exports.decision_table(call=call, codes=wants_codes(request))
    return spreadsheet_response(table, extension, _dated(f"{call.code}-decisions"))


@ministry_required
def evaluation_export(request, extension):
    table = exports.evaluation_table(codes=wants_codes(request))
    return spreadsheet_response(table, extension, _dated("evaluations"))
