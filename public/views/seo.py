"""robots.txt (the sitemaps are django.contrib.sitemaps: public/sitemaps.py)."""

from django.http import HttpResponse
from django.urls import reverse

from cluster_portal.cache import public_page


@public_page
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /i18n/",
        "Disallow: /ministry/",
        "Disallow: /proposals/",
        "Disallow: /reviews/",
        "Disallow: /workspace/",
        f"Sitemap: {request.build_absolute_uri(reverse('public:sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
