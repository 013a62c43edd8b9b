"""The portal's URLs plus views that fail on purpose, for the error-page tests
(``@pytest.mark.urls("tests.urls_security")``)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from cluster_portal.urls import handler500  # noqa: F401 (the portal's 500 page, with the request id)
from cluster_portal.urls import urlpatterns as portal_urlpatterns


def server_error(request):
    raise RuntimeError("boom: this message must never reach the browser")


def permission_denied(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("tampered input")


urlpatterns = [
    path("__test__/500/", server_error),
    path("__test__/403/", permission_denied),
    path("__test__/400/", suspicious),
    *portal_urlpatterns,
]
