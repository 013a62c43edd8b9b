"""Proposal pages of headquarters staff (and readers of a proposal), mounted at /proposals/."""

from django.urls import path

from workspace.views import proposals

app_name = "proposals"

urlpatterns = [
    path("", proposals.proposal_list, name="list"),
    path("new/<slug:call_code>/", proposals.proposal_create, name="create"),
    path("<int:pk>/", proposals.proposal_detail, name="detail"),
    path("<int:pk>/print/", proposals.proposal_print, name="print"),
    path("<int:pk>/edit/", proposals.proposal_edit, name="edit"),
    path("<int:pk>/submit/", proposals.proposal_submit, name="submit"),
    path("<int:pk>/withdraw/", proposals.proposal_withdraw, name="withdraw"),
    path("<int:pk>/attachments/", proposals.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_pk>/", proposals.attachment_download, name="attachment"),
    path("<int:pk>/attachments/<int:attachment_pk>/delete/", proposals.attachment_delete, name="attachment_delete"),
]
