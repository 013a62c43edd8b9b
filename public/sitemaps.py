"""``django.contrib.sitemaps``: one section per kind of public page, listed by the index at
``/sitemap.xml``. Every published cluster, project, organisation, result and event has its entry;
every page is listed in Japanese and English with hreflang alternates; a section longer than
``limit`` is split into pages by the framework (?p=2 …)."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from projects.models import JointResearchProject, Outcome
from public.datasets import public_organizations
from regions.models import Event, Region

STATIC_PAGES = (
    "home",
    "regions:list",
    "projects:list",
    "public:organization_list",
    "public:result_list",
    "public:event_list",
    "public:funding_flow",
    "public:opendata",
    "public:accessibility",
    "public:privacy",
    "public:contact",
)


class PortalSitemap(Sitemap):
    limit = 5000
    # Every page in both languages, each entry naming the other as an <xhtml:link hreflang> alternate
    # (Japanese unprefixed, English under /en/; x-default is the Japanese page).
    i18n = True
    alternates = True
    x_default = True
    # the protocol and host of the request (Sites framework not installed)
    protocol = None

    def lastmod(self, item):
        return getattr(item, "updated_at", None)


class StaticPagesSitemap(PortalSitemap):
    changefreq = "weekly"

    def items(self):
        return list(STATIC_PAGES)

    lastmod = None  # no one date for a page of many things

    def location(self, item):
        return reverse(item)


class ClusterSitemap(PortalSitemap):
    def items(self):
        return Region.objects.published().only("slug", "updated_at").order_by("slug")


class ProjectSitemap(PortalSitemap):
    def items(self):
        return JointResearchProject.objects.published().only("code", "updated_at").order_by("code")


class OrganizationSitemap(PortalSitemap):
    def items(self):
        return public_organizations().only("slug", "updated_at").order_by("slug")

    def location(self, item):
        return reverse("public:organization_detail", args=[item.slug])


class ResultSitemap(PortalSitemap):
    def items(self):
        return Outcome.objects.published().only("code", "updated_at").order_by("code")

    def location(self, item):
        return reverse("public:result_detail", args=[item.code])


class EventSitemap(PortalSitemap):
    def items(self):
        return Event.objects.published().only("code", "updated_at").order_by("code")

    def location(self, item):
        return reverse("public:event_detail", args=[item.code])


SITEMAPS = {
    "pages": StaticPagesSitemap,
    "clusters": ClusterSitemap,
    "projects": ProjectSitemap,
    "organizations": OrganizationSitemap,
    "results": ResultSitemap,
    "events": EventSitemap,
}
