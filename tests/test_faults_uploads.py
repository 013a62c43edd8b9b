"""An upload the storage cannot take (disk full, read-only) gives a clear Japanese message and
saves nothing: no attachment row, no file left behind (issue 18, "faults survived")."""

import errno
import itertools
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects.models import ReportAttachment
from regions.models import ProposalAttachment
from tests import factories
from tests.form_helpers import opened
from tests.test_ministry_journey import open_call_with_budget

pytestmark = pytest.mark.django_db
_tokens = itertools.count()
MESSAGE = "ファイルを保存できませんでした（サーバーの保存領域が不足しているか、書き込みできない状態です）。"


def disk_full(self, name, content):
    """Write part of the file, then fail as a full disk does."""
    path = Path(self.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 partial")
    raise OSError(errno.ENOSPC, "No space left on device")


def read_only(self, name, content):
    raise OSError(errno.EROFS, "Read-only file system")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list:
    return [path for path in Path(root).rglob("*") if path.is_file()] if Path(root).exists() else []


@pytest.mark.parametrize("fault", [disk_full, read_only], ids=["disk full", "read-only"])
def test_a_report_attachment_not_stored_saves_nothing(client, hq_user, region, media_root, fault, monkeypatch):
    report = factories.ProgressReportFactory(project=factories.ProjectFactory(region=region))
    client.force_login(hq_user)
    monkeypatch.setattr(FileSystemStorage, "_save", fault)
    upload = SimpleUploadedFile("plan.pdf", factories.PDF_BYTES, content_type="application/pdf")
    response = client.post(
        reverse("workspace:report_attach", args=[report.pk]),
        {"form_token": f"upload-fault-{next(_tokens):08d}", "title": "計画書", "file": upload},
        follow=True,
    )
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not ReportAttachment.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize("fault", [disk_full, read_only], ids=["disk full", "read-only"])
def test_a_proposal_attachment_not_stored_saves_nothing(client, hq_user, region, media_root, fault, monkeypatch):
    proposal = factories.ProposalFactory(call=open_call_with_budget(), region=region, created_by=hq_user)
    client.force_login(hq_user)
    monkeypatch.setattr(FileSystemStorage, "_save", fault)
    response = client.post(
        reverse("proposals:attachment_upload", args=[proposal.pk]),
        opened({"file": SimpleUploadedFile("plan.pdf", factories.PDF_BYTES, content_type="application/pdf")}),
        follow=True,
    )
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not ProposalAttachment.objects.exists()
    assert stored_files(media_root) == []


def test_the_attachment_is_stored_once_the_storage_works_again(client, hq_user, region, media_root):
    report = factories.ProgressReportFactory(project=factories.ProjectFactory(region=region))
    client.force_login(hq_user)
    upload = SimpleUploadedFile("plan.pdf", factories.PDF_BYTES, content_type="application/pdf")
    response = client.post(
        reverse("workspace:report_attach", args=[report.pk]),
        {"form_token": f"upload-fault-{next(_tokens):08d}", "title": "計画書", "file": upload},
    )
    assert response.status_code == 302
    attachment = ReportAttachment.objects.get()
    assert [path.name for path in stored_files(media_root)] == [Path(attachment.file.name).name]
