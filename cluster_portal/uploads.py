"""What an uploaded file really is, judged by its content (magic bytes), never by its name.

Proposal attachments (regions) and progress-report attachments (projects) share this:
a file renamed to ``.pdf`` is not a PDF, and an executable renamed to ``.png`` is refused.

Storing goes through :func:`store`: a storage that cannot take the file (disk full, read-only,
permissions) gives the user a clear message, and nothing is saved — no row, no partial file.
"""

import logging
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

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


def storage_failed_message() -> str:
    return _(
        "ファイルを保存できませんでした（サーバーの保存領域が不足しているか、書き込みできない状態です）。"
        "何も保存されていません。時間をおいてもう一度お試しください。解決しない場合は管理者にお知らせください。"
    )


def store(field_file, filename: str, content) -> None:
    """Write ``content`` to ``field_file``'s storage under the field's ``upload_to`` name, without
    saving the model. If the storage refuses (``OSError``: no space, read-only, permissions),
    whatever part was written is removed and a ``ValidationError`` (code ``storage_failed``) with
    a message for the user is raised; the caller's transaction then saves nothing either."""
    field = field_file.field
    storage = field_file.storage
    name = storage.get_available_name(
        field.generate_filename(field_file.instance, filename), max_length=field.max_length
    )
    try:
        if hasattr(content, "seek"):
            content.seek(0)
        saved = storage.save(name, content, max_length=field.max_length)
    except OSError:
        logger.exception("Upload could not be stored as %s", name)
        try:
            storage.delete(name)  # a partly written file
        except OSError:
            logger.warning("Could not remove the partly written upload %s", name)
        raise ValidationError(storage_failed_message(), code="storage_failed") from None
    field_file.name = saved
    field_file._committed = True


def discard(field_file) -> None:
    """Remove a stored file whose row could not be saved (never raises)."""
    try:
        field_file.storage.delete(field_file.name)
    except OSError:
        logger.warning("Could not remove the orphaned upload %s", field_file.name)
