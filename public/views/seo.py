"""robots.txt and sitemap.xml."""

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from cluster_portal.cache import public_page
from projects.models import JointResearchProject
from regions.models import Region


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


@public_page
def sitemap_xml(request):
    from public.datasets import public_organizations

    static_pages = [
        reverse(name)
        for name in (
            "home",
            "regions:list",
            "public:organization_list",
            "public:result_list",
            "public:event_list",
            "public:funding_flow",
            "public:opendata",
            "public:accessibility",
            "public:privacy",
            "public:contact",
        )
    ]
    entries = [(request.build_absolute_uri(url), None) for url in static_pages]
    entries += [
        (request.build_absolute_uri(region.get_absolute_url()), region.updated_at)
        for region in Region.objects.published().only("slug", "updated_at").order_by("slug")
    ]
    entries += [
        (request.build_absolute_uri(project.get_absolute_url()), project.updated_at)
        for project in JointResearchProject.objects.published().only("code", "updated_at").order_by("code")
    ]
    entries += [
        (request.build_absolute_uri(reverse("public:organization_detail", args=[slug])), updated)
        for slug, updated in public_organizations().order_by("slug").values_list("slug", "updated_at")
    ]
    body = render_to_string("sitemap.xml", {"entries": entries})
    return HttpResponse(body, content_type="application/xml; charset=utf-8")
