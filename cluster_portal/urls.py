"""Root URLs: the project wiring. Every screen is included by its module path (a string, so the
kernel imports no screen app; the layers contract in pyproject.toml checks it)."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from cluster_portal import csp, health
from cluster_portal.two_factor.views import PortalLoginView

urlpatterns = [
    path("", include("public.home_urls")),
    path("accounts/login/", PortalLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", include("public.account_urls")),
    path("accounts/two-factor/", include("cluster_portal.two_factor.urls", namespace="two_factor")),
    # Django's language switch (POST, the next address checked against ALLOWED_HOSTS), without a CSRF
    # token: all it changes is the visitor's display language, so a forged post can do no harm, and
    # public pages then carry no per-visitor token or cookie and are served from the page cache as is.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("clusters/", include("public.cluster_urls")),
    path("projects/", include("public.project_urls")),
    path("workspace/", include("workspace.urls", namespace="workspace")),
    path("data/", include("dataio.urls", namespace="dataio")),
    path("ministry/", include("ministry.urls")),
    path("proposals/", include("workspace.proposal_urls")),
    path("reviews/", include("ministry.review_urls")),
    path("", include("public.urls")),
    path("notifications/", include("notifications.urls")),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("csp-report/", csp.csp_report, name="csp_report"),
]

# Under /api/ errors are problem documents (JSON); elsewhere the Japanese error pages.
handler400 = "cluster_portal.problems.bad_request"
handler403 = "cluster_portal.problems.permission_denied"
handler404 = "cluster_portal.problems.page_not_found"
handler500 = "cluster_portal.problems.server_error"

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
