"""CSV (UTF-8 with BOM, so Excel opens it) and JSON output of datasets, streamed row by row."""

import csv
import json

from django.http import StreamingHttpResponse

from public.datasets import Dataset

BOM = "\ufeff"
CHUNK = 500


class _Echo:
    def write(self, value):
        return value


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(item) for item in value)
    return str(value)


def csv_lines(dataset: Dataset, objects):
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(dataset.headers())
    for obj in objects:
        row = dataset.row(obj)
        yield writer.writerow([cell(row[column.key]) for column in dataset.columns])


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


def csv_response(dataset: Dataset, queryset, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(dataset, iterate(queryset)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def json_response(dataset: Dataset, queryset, filename: str, *, meta: dict) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        json_chunks(dataset, iterate(queryset), meta=meta), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    return response
