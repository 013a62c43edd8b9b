"""Public pages added by the public portal: organisations, results, events, funding flow,
search, open data, the JSON API, the policy pages (accessibility, privacy, contact), the feeds and
the events' iCalendar, robots.txt, the sitemaps and the favicon."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path

from cluster_portal.cache import public_page
from public.sitemaps import SITEMAPS
from public.views import api, browse, funding, opendata, policies, search, seo, syndication

app_name = "public"

urlpatterns = [
    path("organizations/", browse.organization_list, name="organization_list"),
    path("organizations/<slug:slug>/", browse.organization_detail, name="organization_detail"),
    path("results/", browse.result_list, name="result_list"),
    path("results/<str:code>/", browse.result_detail, name="result_detail"),
    path("events/", browse.event_list, name="event_list"),
    path("events/feed.rss", syndication.event_feed, name="event_feed"),
    path("events/calendar.ics", syndication.events_ics, name="event_ics"),
    path("events/<str:code>/", browse.event_detail, name="event_detail"),
    path("results/feed.atom", syndication.result_feed, name="result_feed"),
    path("funding/", funding.funding_flow, name="funding_flow"),
    path("search/", search.site_search, name="search"),
    path("opendata/", opendata.opendata_index, name="opendata"),
    path("opendata/<slug:key>.<extension>", opendata.dataset_download, name="opendata_download"),
    path("api/v1/", api.api_index, name="api_index"),
    path("api/v1/openapi.json", api.api_openapi, name="api_openapi"),
    path("api/v1/clusters", api.clusters, name="api_clusters"),
    path("api/v1/clusters/<slug:code>", api.cluster_detail, name="api_cluster"),
    path("api/v1/projects", api.projects, name="api_projects"),
    path("api/v1/projects/<str:code>", api.project_detail, name="api_project"),
    path("api/v1/organizations", api.organizations, name="api_organizations"),
    path("api/v1/organizations/<slug:code>", api.organization_detail, name="api_organization"),
    path("api/v1/results", api.results, name="api_results"),
    path("api/v1/results/<str:identifier>", api.result_detail, name="api_result"),
    path("api/v1/events", api.events, name="api_events"),
    path("api/v1/events/<str:identifier>", api.event_detail, name="api_event"),
    path("api/v1/participations", api.participations, name="api_participations"),
    path("api/v1/budgets", api.budgets, name="api_budgets"),
    path("api/v1/grants", api.grants, name="api_grants"),
    path("api/v1/funding-flow", api.funding_flow, name="api_funding_flow"),
    path("accessibility/", policies.accessibility_statement, name="accessibility"),
    path("privacy/", policies.privacy_policy, name="privacy"),
    path("contact/", policies.contact, name="contact"),
    re_path(r"^api/", api.not_found, name="api_not_found"),  # any other address under /api/: JSON 404
    path("robots.txt", seo.robots_txt, name="robots"),
    # the sitemap index (the address robots.txt names) and its sections
    path(
        "sitemap.xml",
        public_page(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "public:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>.xml",
        public_page(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("favicon.ico", syndication.favicon, name="favicon"),
]
