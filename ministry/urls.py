"""Ministry staff pages, mounted at /ministry/ (namespace ``ministry``)."""

from django.urls import path, re_path

from ministry.views import (
    activity,
    annual_reports,
    bulk,
    calls,
    dashboard,
    evaluations,
    exports,
    funding,
    review_reading,
    selection,
    support,
)

app_name = "ministry"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("calls/", calls.call_list, name="call_list"),
    path("calls/new/", calls.call_create, name="call_create"),
    path("calls/<slug:code>/", calls.call_detail, name="call_detail"),
    path("calls/<slug:code>/edit/", calls.call_edit, name="call_edit"),
    path("calls/<slug:code>/reviews/", calls.review_table, name="review_table"),
    path("calls/<slug:code>/reviews/remind/", calls.review_remind, name="review_remind"),
    path("calls/<slug:code>/assign/", bulk.bulk_assign, name="bulk_assign"),
    path("calls/<slug:code>/reminders/", bulk.bulk_remind, name="bulk_remind"),
    path("calls/<slug:code>/status/", bulk.bulk_status, name="bulk_status"),
    path("calls/<slug:code>/review-deadline/", bulk.review_deadline_extend, name="review_deadline"),
    path("reviewers/", bulk.reviewer_workload, name="reviewer_workload"),
    path("activity/", activity.activity_log, name="activity_log"),
    path("calls/<slug:code>/reviews/read/", review_reading.review_read, name="review_read"),
    path("calls/<slug:code>/reviews/statistics/", review_reading.review_statistics_page, name="review_statistics"),
    path("calls/<slug:code>/reviews/export.<str:extension>", review_reading.review_export, name="review_export"),
    path(
        "calls/<slug:code>/reviews/statistics.<str:extension>",
        review_reading.statistics_export,
        name="statistics_export",
    ),
    path("calls/<slug:code>/reviews/summary/", review_reading.review_summary_page, name="review_summary"),
    path("calls/<slug:code>/decisions.<str:extension>", exports.decision_export, name="decision_export"),
    # the file type is one of two words, not an object (so no converter: tests/test_not_found_rule.py)
    re_path(r"^proposals/export\.(?P<extension>csv|xlsx)$", exports.proposal_export, name="proposal_export"),
    re_path(r"^evaluations/export\.(?P<extension>csv|xlsx)$", exports.evaluation_export, name="evaluation_export"),
    path("conflict-lifts/<int:pk>/decide/", review_reading.conflict_lift_decide, name="conflict_lift_decide"),
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
    path("evaluations/<int:pk>/support/", support.support_decision, name="support_decision"),
    path("evaluations/<int:pk>/support/edit/", support.support_edit, name="support_edit"),
    path("evaluations/<int:pk>/support/confirm/", support.support_confirm, name="support_confirm"),
]
