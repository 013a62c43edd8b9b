"""The ministry's pages about the headquarters' progress reports, included by ``workspace.urls`` (by
module path, so the workspace does not import the ministry) inside the ``workspace`` namespace:
``/workspace/ministry/`` (``workspace:ministry``) and ``/workspace/reports/<pk>/review/``
(``workspace:report_review``). No ``app_name``: the names belong to the including namespace."""

from django.urls import path

from ministry.views import reports

urlpatterns = [
    path("reports/<int:pk>/review/", reports.report_review, name="report_review"),
    path("ministry/", reports.ministry_home, name="ministry"),
]
