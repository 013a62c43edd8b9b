from django.urls import include, path

from workspace.views import annual_report, budgets, events, headquarters, outcomes, projects, reports

app_name = "workspace"

urlpatterns = [
    path("", projects.dashboard, name="dashboard"),
    path("headquarters/", headquarters.headquarters_detail, name="headquarters"),
    # projects and participants
    path("projects/", projects.project_list, name="project_list"),
    path("projects/new/", projects.project_create, name="project_create"),
    path("projects/<int:pk>/", projects.project_detail, name="project_detail"),
    path("projects/<int:pk>/edit/", projects.project_edit, name="project_edit"),
    path("projects/<int:pk>/status/", projects.project_status, name="project_status"),
    path("organizations/", projects.organization_search, name="organization_search"),
    # budgets and execution
    path("budgets/", budgets.budget_overview, name="budget_overview"),
    path("budgets/copy/", budgets.budget_copy_forward, name="budget_copy_forward"),
    path("projects/<int:project_pk>/budgets/new/", budgets.budget_create, name="budget_create"),
    path("budgets/<int:pk>/", budgets.budget_detail, name="budget_detail"),
    path("budgets/<int:pk>/edit/", budgets.budget_edit, name="budget_edit"),
    path("budgets/<int:budget_pk>/expenditures/new/", budgets.expenditure_create, name="expenditure_create"),
    path("expenditures/<int:pk>/edit/", budgets.expenditure_edit, name="expenditure_edit"),
    # the annual results report (実績報告書): printable page; the PDF is a dataio job
    path("annual-report/", annual_report.annual_report_page, name="annual_report"),
    path("budgets/execution/bulk/", budgets.expenditure_bulk, name="expenditure_bulk"),
    path("expenditures/<int:pk>/receipts/", budgets.receipt_upload, name="receipt_upload"),
    path("receipts/<int:pk>/", budgets.receipt_download, name="receipt_download"),
    path("receipts/<int:pk>/delete/", budgets.receipt_delete, name="receipt_delete"),
    # progress reports
    path("reports/", reports.report_list, name="report_list"),
    path("projects/<int:project_pk>/reports/new/", reports.report_create, name="report_create"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report_edit"),
    path("reports/<int:pk>/submit/", reports.report_submit, name="report_submit"),
    path("reports/<int:pk>/attachments/", reports.report_attach, name="report_attach"),
    path("attachments/<int:pk>/", reports.attachment_download, name="attachment_download"),
    # results
    path("outcomes/", outcomes.outcome_list, name="outcome_list"),
    path("projects/<int:project_pk>/outcomes/new/", outcomes.outcome_create, name="outcome_create"),
    path("outcomes/<int:pk>/", outcomes.outcome_detail, name="outcome_detail"),
    path("outcomes/<int:pk>/edit/", outcomes.outcome_edit, name="outcome_edit"),
    path("outcomes/<int:pk>/grant/", outcomes.outcome_grant, name="outcome_grant"),
    # events
    path("events/", events.event_list, name="event_list"),
    path("events/new/", events.event_create, name="event_create"),
    path("events/<int:pk>/", events.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", events.event_edit, name="event_edit"),
    # publication (headquarters publish/withdraw; ministry withdraw)
    path(
        "publication/<slug:kind>/<int:pk>/<slug:action>/",
        projects.publication,
        name="publication",
    ),
    # the ministry's report review queue and review page (ministry app, same URLs and names)
    path("", include("ministry.report_urls")),
    # coordinators and their activities
    path("", include("workspace.coordinator_urls")),
]
