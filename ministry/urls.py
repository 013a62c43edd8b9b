"""Ministry staff pages, mounted at /ministry/ (namespace ``ministry``)."""

from django.urls import path

from ministry.views import annual_reports, calls, dashboard, evaluations, funding, selection

app_name = "ministry"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("calls/", calls.call_list, name="call_list"),
    path("calls/new/", calls.call_create, name="call_create"),
    path("calls/<slug:code>/", calls.call_detail, name="call_detail"),
    path("calls/<slug:code>/edit/", calls.call_edit, name="call_edit"),
    path("calls/<slug:code>/reviews/", calls.review_table, name="review_table"),
    path("calls/<slug:code>/reviews/remind/", calls.review_remind, name="review_remind"),
    path("proposals/", selection.proposal_list, name="proposal_list"),
    path("proposals/<int:pk>/assign/", selection.assign_reviewer, name="assign_reviewer"),
    path(
        "proposals/<int:pk>/assignments/<int:assignment_pk>/remove/",
        selection.unassign_reviewer,
        name="unassign_reviewer",
    ),
    path("proposals/<int:pk>/decide/", selection.decide, name="decide"),
    path("proposals/<int:pk>/notify/", selection.decision_notify, name="decision_notify"),
    path("grants/", funding.grant_list, name="grant_list"),
    path("grants/new/", funding.grant_create, name="grant_create"),
    path("grants/<int:pk>/", funding.grant_detail, name="grant_detail"),
    path(
        "regions/<slug:slug>/annual-reports/<int:fiscal_year>/",
        annual_reports.annual_report_page,
        name="annual_report",
    ),
    path("evaluations/", evaluations.evaluation_list, name="evaluation_list"),
    path("evaluations/new/", evaluations.evaluation_create, name="evaluation_create"),
    path("evaluations/<int:pk>/edit/", evaluations.evaluation_edit, name="evaluation_edit"),
]
