from django.urls import path

from dataio import views

app_name = "dataio"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:name>/export/", views.export, name="export"),
    path("<slug:name>/import/", views.import_upload, name="import"),
    path("<slug:name>/import/confirm/", views.import_confirm, name="confirm"),
    path("annual-reports/<slug:slug>/<int:fiscal_year>/pdf/", views.annual_report_pdf, name="annual_report_pdf"),
    path("proposals/<int:pk>/pdf/", views.proposal_pdf, name="proposal_pdf"),
    path("calls/<slug:code>/review-summary/pdf/", views.review_summary_pdf, name="review_summary_pdf"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job"),
    path("jobs/<uuid:pk>/progress.json", views.job_progress, name="job_progress"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job_download"),
]
