"""Root URLs: the project wiring. Every screen is included by its module path (a string, so the
kernel imports no screen app; the layers contract in pyproject.toml checks it).

Languages (README "English"): every HTML page is in ``i18n_patterns`` with
``prefix_default_language=False`` — Japanese at ``/projects/``, English at ``/en/projects/``; the
language comes from the address alone (LocaleMiddleware), so a link shares the language it shows.
Language-neutral addresses stay unprefixed and have no ``/en/`` twin: the JSON API, robots.txt,
the sitemaps (which list both languages as alternates), the favicon, the admin, health, the CSP
report, the language switch and media. Under ``/en/`` the first four (they live in the public URL
module) redirect to their one unprefixed address.
"""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from cluster_portal import csp, health, languages
from cluster_portal.two_factor.views import PortalLoginView

urlpatterns = [
    # Django's language switch (POST, the next address checked against ALLOWED_HOSTS and translated
    # to the chosen language's address), without a CSRF token: all it changes is the language of the
    # page the visitor is sent to. Pages link straight to their other-language address instead.
    path("i18n/setlang/", csrf_exempt(languages.switch_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("csp-report/", csp.csp_report, name="csp_report"),
    re_path(languages.NEUTRAL_UNDER_PREFIX, languages.redirect_to_neutral, name="language_neutral_redirect"),
]

urlpatterns += i18n_patterns(
    path("", include("public.home_urls")),
    path("accounts/login/", PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", include("public.account_urls")),
    path("accounts/two-factor/", include("cluster_portal.two_factor.urls", namespace="two_factor")),
    path("clusters/", include("public.cluster_urls")),
    path("projects/", include("public.project_urls")),
    path("workspace/", include("workspace.urls", namespace="workspace")),
    path("data/", include("dataio.urls", namespace="dataio")),
    path("ministry/", include("ministry.urls")),
    path("proposals/", include("workspace.proposal_urls")),
    path("reviews/", include("ministry.review_urls")),
    path("", include("public.urls")),
    path("notifications/", include("notifications.urls")),
    prefix_default_language=False,
)

# Under /api/ errors are problem documents (JSON); elsewhere the error pages in the address's language.
handler400 = "cluster_portal.problems.bad_request"
handler403 = "cluster_portal.problems.permission_denied"
handler404 = "cluster_portal.problems.page_not_found"
handler500 = "cluster_portal.problems.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
