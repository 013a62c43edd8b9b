"""CSV (UTF-8 with BOM, so Excel opens it) and JSON output of datasets, streamed row by row.

Kinds and states (種別・状態・役割・類型) are written to CSV as their Japanese labels
(「特許登録」), as the staff exports write them, or as codes (``patent_granted``) with
``?codes=1``; JSON and the API always carry the codes.

CSV goes through the kernel's formula-safe writer (``cluster_portal.tabular.writers``),
the same one the import/export engine uses, so text such as ``=HYPERLINK(...)``
reaches a visitor's spreadsheet as text, never as a formula.
"""

import json

from django.http import StreamingHttpResponse

from cluster_portal.tabular import writers
from public.datasets import Dataset

BOM = "\ufeff"
CHUNK = 500


def wants_codes(request) -> bool:
    """``?codes=1``: kinds and states as codes (``patent_granted``) instead of labels (「特許登録」)."""
    return request.GET.get("codes") == "1"


def csv_lines(dataset: Dataset, objects, *, codes: bool = False):
    rows = (dataset.csv_row(obj, codes=codes) for obj in objects)
    lines = writers.csv_lines(dataset.headers(), rows)
    yield BOM + next(lines)
    yield from lines


def json_chunks(dataset: Dataset, objects, *, meta: dict):
    yield '{"meta": ' + json.dumps(meta, ensure_ascii=False) + ', "data": ['
    first = True
    for obj in objects:
        yield ("" if first else ",") + "\n" + json.dumps(dataset.row(obj), ensure_ascii=False)
        first = False
    yield "\n]}\n"


def iterate(queryset):
    """All rows in chunks (prefetches included), without an offset cap."""
    return queryset.iterator(chunk_size=CHUNK)


def csv_response(dataset: Dataset, queryset, filename: str, *, codes: bool = False) -> StreamingHttpResponse:
    """Kinds and states as Japanese labels, or as codes with ``codes`` (the views pass ``wants_codes``)."""
    response = StreamingHttpResponse(
        csv_lines(dataset, iterate(queryset), codes=codes), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def json_response(dataset: Dataset, queryset, filename: str, *, meta: dict) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        json_chunks(dataset, iterate(queryset), meta=meta), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response
