"""Uploads are judged by their content, not their name."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cluster_portal import uploads
from projects.models import ReportAttachment
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("report.pdf", PDF, uploads.PDF),
        ("plan.docx", docx_bytes(), uploads.DOCX),
        ("figure.png", PNG, uploads.PNG),
        ("data.csv", "年度,配分額\n2008,1000\n".encode("cp932"), uploads.TEXT),
    ],
)
def test_files_whose_content_matches_their_name_are_accepted(name, content, kind):
    upload = SimpleUploadedFile(name, content)
    assert uploads.validate_content_matches_name(upload, allowed=set(uploads.EXTENSIONS)) == kind
    assert upload.read() == content  # left rewound for saving


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"just some text, renamed to .pdf"),
        ("figure.png", EXE),
        ("report.pdf", PNG),
        ("notes.txt", b"binary\x00with NUL"),
        ("plan.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_files_whose_content_does_not_match_their_name_are_refused(name, content):
    with pytest.raises(ValidationError):
        uploads.validate_content_matches_name(SimpleUploadedFile(name, content), allowed=set(uploads.EXTENSIONS))


@pytest.mark.django_db
def test_a_report_attachment_renamed_to_pdf_is_refused_with_a_japanese_message():
    report = factories.ProgressReportFactory()
    attachment = ReportAttachment(report=report, title="資料", file=SimpleUploadedFile("x.pdf", EXE))
    with pytest.raises(ValidationError) as excinfo:
        attachment.full_clean()
    assert "ファイルの内容" in excinfo.value.message_dict["file"][0]
