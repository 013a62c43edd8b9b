"""Open data (オープンデータ): complete CSV and JSON downloads, the data dictionary and the licence."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from cluster_portal.cache import public_page
from public import structured
from public.datasets import DATASETS
from public.export import csv_response, json_response, wants_codes
from public.stats import data_last_updated

LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.ja"


@public_page
def opendata_index(request):
    last_updated = data_last_updated()
    context = {
        "datasets": DATASETS.values(),
        "last_updated": last_updated,
        "licence_url": LICENCE_URL,
        "structured_data": structured.opendata(request, DATASETS.values(), LICENCE_URL, last_updated),
    }
    return render(request, "opendata/index.html", context)


@public_page
def dataset_download(request, key, extension):
    dataset = DATASETS.get(key)
    if dataset is None or extension not in ("csv", "json"):
        raise Http404
    queryset = dataset.queryset()
    if extension == "csv":
        return csv_response(dataset, queryset, key, codes=wants_codes(request))
    last_updated = data_last_updated()
    meta = {
        "dataset": key,
        "licence": "CC BY 4.0",
        "licence_url": LICENCE_URL,
        "generated_at": timezone.now().isoformat(),
        "last_updated": last_updated.isoformat() if last_updated else None,
        "fields": [column.key for column in dataset.columns],
    }
    return json_response(dataset, queryset, key, meta=meta)
