"""The portal's URLs plus ``/bench/bare``: the cheapest page Django can serve through the same
middleware stack, the baseline every page's throughput is compared with."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("bench/bare", bare, name="bench_bare"),
    path("", include("cluster_portal.urls")),
]
