"""The portal's URLs plus ``/bench/bare``: the cheapest page Django can serve through the same
middleware stack, the baseline every page's throughput is compared with.

The portal's patterns are added as they are, not ``include``d: they hold ``i18n_patterns``
(the English pages under ``/en/``), which Django allows only in the root URLconf.
"""

from django.http import HttpResponse
from django.urls import path

from cluster_portal import urls as portal_urls


def bare(request):
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/bare", bare, name="bench_bare"), *portal_urls.urlpatterns]

handler400 = portal_urls.handler400
handler403 = portal_urls.handler403
handler404 = portal_urls.handler404
handler500 = portal_urls.handler500
