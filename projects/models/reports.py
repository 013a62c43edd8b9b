"""Progress reports (進捗報告) with their milestones and attachments, reviewed by the ministry."""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal import uploads
from cluster_portal.fields import fiscal_year_field
from cluster_portal.fiscal import fiscal_year_label, fiscal_year_of
from cluster_portal.models import RegionScopedQuerySet, Role, TimeStampedModel, UploadRecord
from cluster_portal.workflow import Transition, Workflow
from projects.models.projects import JointResearchProject


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SUBMITTED = "submitted", _("提出済み")
    ACCEPTED = "accepted", _("受理")
    RETURNED = "returned", _("差戻し")


class Half(models.TextChoices):
    FIRST = "H1", _("上半期")
    SECOND = "H2", _("下半期")


_HQ = frozenset({Role.HEADQUARTERS})
_MINISTRY = frozenset({Role.MINISTRY})

REPORT_WORKFLOW = Workflow(
    "status",
    ReportStatus,
    [
        Transition(ReportStatus.DRAFT, ReportStatus.SUBMITTED, _HQ),
        Transition(ReportStatus.SUBMITTED, ReportStatus.ACCEPTED, _MINISTRY),
        Transition(ReportStatus.SUBMITTED, ReportStatus.RETURNED, _MINISTRY, needs_reason=True),
        Transition(ReportStatus.RETURNED, ReportStatus.SUBMITTED, _HQ),
    ],
)


class ProgressReportQuerySet(RegionScopedQuerySet):
    region_lookup = "project__region"

    def public_q(self):
        return Q(
            status=ReportStatus.ACCEPTED,
            project__is_published=True,
            project__region__is_published=True,
        ) & ~Q(public_summary="")

    def accepted_with_summary(self):
        """Accepted reports that carry a public summary (the part of a report the public may read)."""
        return self.filter(status=ReportStatus.ACCEPTED).exclude(public_summary="")


class ProgressReport(TimeStampedModel):
    """進捗報告: a half-year progress report of a project."""

    project = models.ForeignKey(
        JointResearchProject, verbose_name=_("プロジェクト"), on_delete=models.PROTECT, related_name="reports"
    )
    fiscal_year = fiscal_year_field()
    half = models.CharField(_("期間"), max_length=2, choices=Half.choices)
    due_on = models.DateField(_("提出期限"), null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT, db_index=True
    )
    narrative = models.TextField(_("進捗の概要"), blank=True)
    problems = models.TextField(_("課題"), blank=True)
    next_steps = models.TextField(_("今後の予定"), blank=True)
    public_summary = models.TextField(_("公開用の要約"), blank=True)
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)

    objects = ProgressReportQuerySet.as_manager()
    workflow = REPORT_WORKFLOW
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("進捗報告")
        verbose_name_plural = _("進捗報告")
        ordering = ["project", "fiscal_year", "half"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "fiscal_year", "half"],
                name="report_one_per_half_year",
                violation_error_message=_("このプロジェクトのこの期間の報告は既にあります。"),
            )
        ]

    def __str__(self):
        return f"{self.project.code} {fiscal_year_label(self.fiscal_year)} {self.get_half_display()}"

    def clean(self):
        """The report's fiscal year lies within the project's period."""
        if self.fiscal_year is None or self.project_id is None:
            return
        first = fiscal_year_of(self.project.start_date)
        last = fiscal_year_of(self.project.end_date) if self.project.end_date else None
        if self.fiscal_year < first or (last is not None and self.fiscal_year > last):
            span = f"{fiscal_year_label(first)}〜{fiscal_year_label(last)}" if last else f"{fiscal_year_label(first)}〜"
            raise ValidationError(
                {
                    "fiscal_year": _("報告の年度はプロジェクトの実施期間（%(span)s）の年度にしてください。")
                    % {"span": span}
                }
            )

    @property
    def is_editable(self) -> bool:
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)


class Milestone(models.Model):
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("進捗報告"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("マイルストーン"), max_length=200)
    planned = models.TextField(_("計画"), blank=True)
    achieved = models.TextField(_("実績"), blank=True)
    is_achieved = models.BooleanField(_("達成"), default=False)

    class Meta:
        verbose_name = _("マイルストーン")
        verbose_name_plural = _("マイルストーン")
        ordering = ["report", "pk"]

    def __str__(self):
        return self.title


ATTACHMENT_EXTENSIONS = ("pdf", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "png", "jpg", "jpeg", "txt", "csv")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
REPORT_ATTACHMENT_KINDS = frozenset(uploads.EXTENSIONS)  # every kind cluster_portal.uploads recognises


def validate_attachment_content(file) -> None:
    """The file's content must be what its extension says (PDF, Office, image or plain text)."""
    uploads.validate_content_matches_name(
        file,
        allowed={
            uploads.PDF,
            uploads.DOCX,
            uploads.XLSX,
            uploads.PPTX,
            uploads.OLE2,
            uploads.PNG,
            uploads.JPEG,
            uploads.TEXT,
        },
    )


def validate_attachment_size(file) -> None:
    if file.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("添付ファイルは%(size)dMB以下にしてください。") % {"size": ATTACHMENT_MAX_BYTES // (1024 * 1024)},
            code="file_too_large",
        )


def report_attachment_path(instance, filename):
    """Stored under a random name (the extension kept); the title is what users see."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"reports/{instance.report_id}/{uuid.uuid4().hex}.{extension}"


class ReportAttachment(UploadRecord):
    """A file attached to a progress report. Served only through the workspace (never as public media)."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("進捗報告"), on_delete=models.PROTECT, related_name="attachments"
    )
    title = models.CharField(_("資料名"), max_length=200)
    file = models.FileField(
        _("ファイル"),
        upload_to=report_attachment_path,
        validators=[
            FileExtensionValidator(ATTACHMENT_EXTENSIONS),
            validate_attachment_size,
            validate_attachment_content,
        ],
    )

    class Meta:
        verbose_name = _("進捗報告の添付資料")
        verbose_name_plural = _("進捗報告の添付資料")
        ordering = ["report", "uploaded_at", "pk"]

    def __str__(self):
        return self.title
