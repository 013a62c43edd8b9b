"""Long data work run by the worker: an import preview, an import, an export, a PDF document (``jobs.py``)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    PREVIEW = "preview", _("取込のプレビュー")
    IMPORT = "import", _("取込")
    EXPORT = "export", _("出力")
    PDF = "pdf", _("PDFの作成")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("処理中")
    DONE = "done", _("完了")
    FAILED = "failed", _("失敗")


class DataJob(models.Model):
    """One piece of long work and its result; visible only to the user who started it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("種類"), max_length=10, choices=JobKind.choices)
    status = models.CharField(_("状態"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("利用者"), on_delete=models.CASCADE)
    resource = models.CharField(_("データ"), max_length=40)
    file_format = models.CharField(_("形式"), max_length=10)
    encoding = models.CharField(_("文字コード"), max_length=20, blank=True)
    codes = models.BooleanField(_("種別・状態をコードで出力"), default=False)
    filename = models.CharField(_("ファイル名"), max_length=255, blank=True)
    source = models.CharField(_("取り込むファイル（保存先）"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    preview = models.OneToOneField(
        "self",
        verbose_name=_("確定したプレビュー"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="confirmed_by",
    )
    total = models.PositiveIntegerField(_("全行数"), default=0)
    done = models.PositiveIntegerField(_("処理済みの行数"), default=0)
    result = models.JSONField(_("結果"), default=dict, blank=True)
    message = models.TextField(_("メッセージ"), blank=True)
    output = models.CharField(_("出力ファイル（保存先）"), max_length=255, blank=True)
    output_name = models.CharField(_("出力ファイル名"), max_length=255, blank=True)
    output_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("開始を指示した日時"), auto_now_add=True)
    started_at = models.DateTimeField(_("処理の開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("処理の終了日時"), null=True, blank=True)
    expires_at = models.DateTimeField(_("結果の保存期限"))

    class Meta:
        verbose_name = _("データ処理")
        verbose_name_plural = _("データ処理")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="datajob_status_expiry_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.resource} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
