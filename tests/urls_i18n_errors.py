"""The portal's URLs plus pages that fail on purpose in both languages (``/__test__/…`` and
``/en/__test__/…``), for the error-page language tests in tests/test_i18n.py."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import path

from cluster_portal.urls import handler500  # noqa: F401 (the portal's 500 page)
from cluster_portal.urls import urlpatterns as portal_urlpatterns
from tests.urls_security import permission_denied, server_error, suspicious

urlpatterns = [
    *i18n_patterns(
        path("__test__/500/", server_error),
        path("__test__/403/", permission_denied),
        path("__test__/400/", suspicious),
        prefix_default_language=False,
    ),
    *portal_urlpatterns,
]
