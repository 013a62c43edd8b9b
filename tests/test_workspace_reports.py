"""Progress report workflow in the workspace: draft → submitted → accepted / returned → resubmitted."""

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cluster_portal.models import TransitionLog
from projects.models import ProgressReport, ReportAttachment, ReportStatus
from tests import factories

pytestmark = pytest.mark.django_db
_tokens = itertools.count()


def token():
    return f"report-token-{next(_tokens):08d}"


def report_data(version, narrative="計画どおり進捗した。", **extra):
    return {
        "form_token": token(),
        "version": version,
        "fiscal_year": 2008,
        "half": "H1",
        "narrative": narrative,
        "milestones-TOTAL_FORMS": "1",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "試作機の完成",
        "milestones-0-planned": "9月",
        "milestones-0-achieved": "8月に完成",
        "milestones-0-is_achieved": "on",
        **extra,
    }


@pytest.fixture
def project(region):
    return factories.ProjectFactory(region=region)


def test_hq_creates_a_draft_with_milestones_in_one_step(client, hq_user, project):
    client.force_login(hq_user)
    response = client.post(reverse("workspace:report_create", args=[project.pk]), report_data(""))
    assert response.status_code == 302
    report = ProgressReport.objects.get(project=project)
    assert report.status == ReportStatus.DRAFT
    assert [m.title for m in report.milestones.all()] == ["試作機の完成"]
    assert report.history.get().history_user == hq_user


def test_submit_then_report_is_read_only_to_headquarters(client, hq_user, project):
    report = factories.ProgressReportFactory(project=project)
    client.force_login(hq_user)
    assert client.post(reverse("workspace:report_submit", args=[report.pk]), {"form_token": token()}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    response = client.post(reverse("workspace:report_edit", args=[report.pk]), report_data(report.version, "改ざん"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.narrative != "改ざん"
    assert "編集する" not in client.get(reverse("workspace:report_detail", args=[report.pk])).content.decode()


def test_ministry_returns_with_comment_then_hq_edits_and_resubmits(client, hq_user, ministry_user, project):
    report = factories.ProgressReportFactory(project=project, submitted=True)
    client.force_login(ministry_user)
    review = reverse("workspace:report_review", args=[report.pk])
    refused = client.post(review, {"form_token": token(), "decision": "return", "comment": ""})
    assert refused.status_code == 400
    assert "差し戻す理由をコメントに入力してください。" in refused.content.decode()
    assert (
        client.post(review, {"form_token": token(), "decision": "return", "comment": "図表を追加"}).status_code == 302
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED

    client.force_login(hq_user)
    detail = client.get(reverse("workspace:report_detail", args=[report.pk])).content.decode()
    assert "図表を追加" in detail
    response = client.post(
        reverse("workspace:report_edit", args=[report.pk]), report_data(report.version, "図表を追加した")
    )
    assert response.status_code == 302
    assert client.post(reverse("workspace:report_submit", args=[report.pk]), {"form_token": token()}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.narrative) == (ReportStatus.SUBMITTED, "図表を追加した")
    states = [(log.source_state, log.target_state) for log in TransitionLog.for_object(report)]
    assert states == [("submitted", "returned"), ("returned", "submitted")]


def test_accepted_report_is_locked(client, hq_user, ministry_user, project):
    report = factories.ProgressReportFactory(project=project, submitted=True)
    client.force_login(ministry_user)
    client.post(reverse("workspace:report_review", args=[report.pk]), {"form_token": token(), "decision": "accept"})
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    client.force_login(hq_user)
    client.post(reverse("workspace:report_edit", args=[report.pk]), report_data(report.version, "変更"))
    client.post(reverse("workspace:report_submit", args=[report.pk]), {"form_token": token()})
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert report.narrative != "変更"


@pytest.mark.parametrize(
    ("status", "who", "url_name", "data"),
    [
        (ReportStatus.DRAFT, "ministry", "workspace:report_review", {"decision": "accept"}),
        (ReportStatus.ACCEPTED, "ministry", "workspace:report_review", {"decision": "return", "comment": "x"}),
        (ReportStatus.RETURNED, "ministry", "workspace:report_review", {"decision": "accept"}),
        (ReportStatus.SUBMITTED, "hq", "workspace:report_submit", {}),
        (ReportStatus.ACCEPTED, "hq", "workspace:report_submit", {}),
    ],
)
def test_illegal_transitions_are_refused(client, hq_user, ministry_user, project, status, who, url_name, data):
    report = factories.ProgressReportFactory(project=project, status=status)
    client.force_login(ministry_user if who == "ministry" else hq_user)
    response = client.post(reverse(url_name, args=[report.pk]), {"form_token": token(), **data})
    assert response.status_code in (302, 400, 404)
    report.refresh_from_db()
    assert report.status == status
    assert not TransitionLog.for_object(report).exists()


def test_attachment_is_stored_and_served_only_within_scope(client, hq_user, other_hq_user, project, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = factories.ProgressReportFactory(project=project)
    client.force_login(hq_user)
    upload = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(
        reverse("workspace:report_attach", args=[report.pk]), {"form_token": token(), "title": "計画書", "file": upload}
    )
    assert response.status_code == 302
    attachment = ReportAttachment.objects.get()
    download = client.get(reverse("workspace:attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    client.force_login(other_hq_user)
    assert client.get(reverse("workspace:attachment_download", args=[attachment.pk])).status_code == 404


def test_attachment_with_a_forbidden_extension_is_refused(client, hq_user, project, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    report = factories.ProgressReportFactory(project=project)
    client.force_login(hq_user)
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    client.post(
        reverse("workspace:report_attach", args=[report.pk]), {"form_token": token(), "title": "x", "file": upload}
    )
    assert not ReportAttachment.objects.exists()
