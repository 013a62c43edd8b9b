"""What an uploaded file really is, judged by its content (magic bytes), never by its name.

Proposal attachments (regions) and progress-report attachments (projects) share this:
a file renamed to ``.pdf`` is not a PDF, and an executable renamed to ``.png`` is refused.
"""

import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

PDF = "pdf"
DOCX = "docx"
XLSX = "xlsx"
PPTX = "pptx"
OLE2 = "ole2"  # legacy DOC/XLS/PPT: one container format, told apart only by the extension
PNG = "png"
JPEG = "jpeg"
TEXT = "text"

_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OFFICE_FOLDERS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))

# Extensions a content kind may carry; the name must agree with the content.
EXTENSIONS = {
    PDF: {"pdf"},
    DOCX: {"docx"},
    XLSX: {"xlsx"},
    PPTX: {"pptx"},
    OLE2: {"doc", "xls", "ppt"},
    PNG: {"png"},
    JPEG: {"jpg", "jpeg"},
    TEXT: {"txt", "csv"},
}


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8", "cp932"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def sniff(head: bytes, stream) -> str | None:
    """The content kind of a file from its first bytes (and, for ZIP containers, its entries)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            stream.seek(0)
            with zipfile.ZipFile(stream) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        for folder, kind in _OFFICE_FOLDERS:
            if any(name.startswith(folder) for name in names):
                return kind
        return None
    if head.startswith(_OLE2_MAGIC):
        return OLE2
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def content_kind(upload, *, allow_text: bool = False) -> str | None:
    """Sniff an UploadedFile (or FieldFile) and leave it rewound."""
    upload.seek(0)
    head = upload.read(4096)
    stream = getattr(upload, "file", upload)
    kind = sniff(head[:8], stream)
    if kind is None and allow_text and head and _looks_like_text(head):
        kind = TEXT
    upload.seek(0)
    return kind


def validate_content_matches_name(upload, *, allowed: set[str]) -> str:
    """Raise ValidationError unless the content is one of ``allowed`` kinds and the extension agrees."""
    kind = content_kind(upload, allow_text=TEXT in allowed)
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if kind not in allowed or extension not in EXTENSIONS[kind]:
        raise ValidationError(
            _("ファイルの内容が拡張子と一致しないか、受け付けない形式です（ファイルの内容で判定しています）。"),
            code="bad_type",
        )
    return kind
