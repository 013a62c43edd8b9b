"""Joint research projects, their participants, budgets and execution,
progress reports and outcomes (results)."""

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal import uploads
from cluster_portal.fiscal import fiscal_year_label, format_yen
from cluster_portal.models import RegionScopedQuerySet, Role, TimeStampedModel, public_code
from cluster_portal.workflow import Transition, Workflow
from regions.models import Grant, Organization, Region, fiscal_year_field, non_negative, yen_field


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("計画中")
    ACTIVE = "active", _("実施中")
    SUSPENDED = "suspended", _("中断")
    COMPLETED = "completed", _("完了")


_HQ_OR_MINISTRY = frozenset({Role.HEADQUARTERS, Role.MINISTRY, Role.ADMINISTRATOR})

PROJECT_WORKFLOW = Workflow(
    "status",
    ProjectStatus,
    [
        Transition(ProjectStatus.PLANNED, ProjectStatus.ACTIVE, _HQ_OR_MINISTRY),
        Transition(ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED, _HQ_OR_MINISTRY, needs_reason=True),
        Transition(ProjectStatus.SUSPENDED, ProjectStatus.ACTIVE, _HQ_OR_MINISTRY),
        Transition(ProjectStatus.ACTIVE, ProjectStatus.COMPLETED, _HQ_OR_MINISTRY),
    ],
)


class ProjectQuerySet(RegionScopedQuerySet):
    def public_q(self):
        return Q(is_published=True, region__is_published=True)

    def for_list(self):
        return self.select_related("region", "host_organization")

    def for_detail(self):
        return self.select_related("region", "region__program", "host_organization")


class JointResearchProject(TimeStampedModel):
    """産学官共同研究: one joint research project of a region."""

    region = models.ForeignKey(Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="projects")
    code = models.CharField(
        _("プロジェクトコード"),
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9-]*$", _("英数字とハイフンで入力してください。"))],
    )
    title = models.CharField(_("研究テーマ名"), max_length=300)
    title_en = models.CharField(_("英語のテーマ名"), max_length=300, blank=True)
    theme = models.CharField(_("分野"), max_length=100, blank=True, db_index=True)
    summary = models.TextField(_("概要"), blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED, db_index=True
    )
    start_date = models.DateField(_("開始日"))
    end_date = models.DateField(_("終了日"), null=True, blank=True)
    host_organization = models.ForeignKey(
        Organization,
        verbose_name=_("実施拠点（大学の共同研究センター等）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_projects",
    )
    organizations = models.ManyToManyField(
        Organization, through="Participation", verbose_name=_("参画機関"), related_name="projects"
    )
    # Declared on the project so that regions (below projects) needs no projects model; the table
    # keeps the name it had when the field stood on Event.
    events = models.ManyToManyField(
        "regions.Event",
        verbose_name=_("発表したフォーラム・イベント"),
        blank=True,
        related_name="presented_projects",
        db_table="regions_event_presented_projects",
    )
    is_published = models.BooleanField(_("公開"), default=False, db_index=True)

    objects = ProjectQuerySet.as_manager()
    workflow = PROJECT_WORKFLOW

    class Meta:
        verbose_name = _("共同研究プロジェクト")
        verbose_name_plural = _("共同研究プロジェクト")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["region", "status"]),
            # "last updated" of the public pages (public.stats.data_last_updated): newest first
            models.Index(fields=["updated_at"], name="project_updated_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="project_dates_in_order",
                violation_error_message=_("終了日は開始日以降にしてください。"),
            )
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("projects:detail", kwargs={"code": self.code})


class ParticipationRole(models.TextChoices):
    LEAD_UNIVERSITY = "lead_university", _("代表大学")
    UNIVERSITY = "university", _("大学等")
    COMPANY = "company", _("企業")
    PUBLIC_RESEARCH = "public_research", _("公設試験研究機関")
    OTHER = "other", _("その他")


class ParticipationQuerySet(RegionScopedQuerySet):
    region_lookup = "project__region"

    def public_q(self):
        return Q(project__is_published=True, project__region__is_published=True)

    def roster(self):
        """Lead university first, then the other roles in their declared order, by organisation name."""
        rank = models.Case(
            *(models.When(role=code, then=models.Value(i)) for i, code in enumerate(ParticipationRole.values)),
            default=models.Value(len(ParticipationRole.values)),
            output_field=models.IntegerField(),
        )
        return (
            self.select_related("organization").alias(role_rank=rank).order_by("role_rank", "organization__name", "pk")
        )


class Participation(models.Model):
    project = models.ForeignKey(
        JointResearchProject, verbose_name=_("プロジェクト"), on_delete=models.CASCADE, related_name="participations"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("機関"), on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("役割"), max_length=20, choices=ParticipationRole.choices)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("参画")
        verbose_name_plural = _("参画")
        ordering = ["project", "role", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organization"],
                name="participation_unique",
                violation_error_message=_("この機関は既にこのプロジェクトに参画しています。"),
            )
        ]

    def __str__(self):
        return f"{self.organization}（{self.get_role_display()}）"


class ProjectBudgetQuerySet(RegionScopedQuerySet):
    region_lookup = "project__region"

    def public_q(self):
        return Q(project__is_published=True, project__region__is_published=True)

    def totals_by_fiscal_year(self):
        """``{fiscal_year: {"allocated": yen, "executed": yen}}`` in one aggregate query."""
        rows = (
            self.order_by()
            .values("grant__fiscal_year")
            .annotate(allocated=models.Sum("allocated"), executed=models.Sum("executed"))
        )
        return {
            row["grant__fiscal_year"]: {"allocated": row["allocated"] or 0, "executed": row["executed"] or 0}
            for row in rows
        }


class ProjectBudget(TimeStampedModel):
    """配分額 and 執行額 of one project for one fiscal year, within the region's grant."""

    project = models.ForeignKey(
        JointResearchProject, verbose_name=_("プロジェクト"), on_delete=models.PROTECT, related_name="budgets"
    )
    grant = models.ForeignKey(
        Grant,
        verbose_name=_("交付決定（年度）"),
        on_delete=models.PROTECT,
        related_name="budgets",
        help_text=_("配分の原資となる地域の年度別交付決定"),
    )
    allocated = yen_field(_("配分額（円）"))
    executed = yen_field(_("執行額（円）"))
    overrun_reason = models.TextField(_("執行額が配分額を超える理由"), blank=True)

    objects = ProjectBudgetQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("プロジェクト予算")
        verbose_name_plural = _("プロジェクト予算")
        ordering = ["project", "grant__fiscal_year"]
        indexes = [models.Index(fields=["updated_at"], name="budget_updated_at_idx")]  # "last updated"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "grant"],
                name="budget_one_per_project_year",
                violation_error_message=_("このプロジェクトのこの年度の予算は既に登録されています。"),
            ),
            non_negative("allocated", "projectbudget"),
            non_negative("executed", "projectbudget"),
            models.CheckConstraint(
                condition=Q(executed__lte=F("allocated")) | ~Q(overrun_reason=""),
                name="projectbudget_overrun_needs_reason",
                violation_error_message=_("執行額が配分額を超える場合は理由を入力してください。"),
            ),
        ]

    def __str__(self):
        return f"{self.project.code} {fiscal_year_label(self.grant.fiscal_year)}"

    @property
    def fiscal_year(self) -> int:
        return self.grant.fiscal_year

    def clean(self):
        errors = {}
        if self.project_id and self.grant_id and self.project.region_id != self.grant.region_id:
            errors["grant"] = _("プロジェクトの地域の交付決定を選んでください。")
        overrun = self.allocated is not None and self.executed is not None and self.executed > self.allocated
        if overrun and not (self.overrun_reason or "").strip():
            errors["overrun_reason"] = _("執行額が配分額を超える場合は理由を入力してください。")
        if self.grant_id and self.allocated is not None and not errors:
            remaining = self.grant.amount - self.grant.allocated_total(exclude_budget_pk=self.pk)
            if self.allocated > remaining:
                errors["allocated"] = _(
                    "配分額が交付決定額を超えます。この年度に配分できる残りは%(remaining)sです。"
                ) % {"remaining": format_yen(max(remaining, 0))}
        if errors:
            raise ValidationError(errors)


class ExpenseCategory(models.TextChoices):
    EQUIPMENT = "equipment", _("設備費")
    PERSONNEL = "personnel", _("人件費")
    TRAVEL = "travel", _("旅費")
    CONTRACT = "contract", _("委託費")
    OTHER = "other", _("その他")


class ExpenditureQuerySet(RegionScopedQuerySet):
    region_lookup = "budget__project__region"

    def public_q(self):
        return Q(budget__project__is_published=True, budget__project__region__is_published=True)


class Expenditure(TimeStampedModel):
    """One execution entry (執行) of a project budget, by expense category.

    Entries are never deleted (the budget's 執行額 is their sum and history must
    stay complete); a wrong entry is corrected by editing it, which keeps history.
    """

    budget = models.ForeignKey(
        ProjectBudget, verbose_name=_("プロジェクト予算"), on_delete=models.PROTECT, related_name="expenditures"
    )
    category = models.CharField(_("費目"), max_length=10, choices=ExpenseCategory.choices)
    amount = yen_field(_("金額（円）"))
    spent_on = models.DateField(_("執行日"))
    description = models.CharField(_("内容"), max_length=300, blank=True)

    objects = ExpenditureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("執行")
        verbose_name_plural = _("執行")
        ordering = ["budget", "spent_on", "pk"]
        constraints = [non_negative("amount", "expenditure")]

    def __str__(self):
        return f"{self.get_category_display()} {self.amount:,}"


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


class ReportAttachment(models.Model):
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
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("進捗報告の添付資料")
        verbose_name_plural = _("進捗報告の添付資料")
        ordering = ["report", "uploaded_at", "pk"]

    def __str__(self):
        return self.title


class OutcomeKind(models.TextChoices):
    PATENT_APPLICATION = "patent_application", _("特許出願")
    PATENT_GRANTED = "patent_granted", _("特許登録")
    LICENSE = "license", _("ライセンス")
    COMMERCIALIZATION = "commercialization", _("事業化・製品化")
    STARTUP = "startup", _("起業（ベンチャー）")
    PAPER = "paper", _("論文")
    PRESENTATION = "presentation", _("学会発表")
    AWARD = "award", _("受賞")


def new_outcome_code() -> str:
    return public_code("R")


DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
doi_validator = RegexValidator(DOI_PATTERN, _("DOIの形式が正しくありません（例: 10.1234/abc.2008.001）。"))


class OutcomeQuerySet(RegionScopedQuerySet):
    region_lookup = "project__region"

    def public_q(self):
        return Q(is_published=True, project__is_published=True, project__region__is_published=True)

    def patents(self):
        return self.filter(kind__in=[OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED])

    def counts_by_kind(self) -> dict[str, int]:
        """``{kind code: number}`` in one aggregate query."""
        rows = self.order_by().values("kind").annotate(n=models.Count("pk"))
        return {row["kind"]: row["n"] for row in rows}

    def result_figures(self) -> dict[str, int]:
        """Patents filed (applications and granted patents), patents granted and commercialisations."""
        patent_kinds = [OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED]
        return self.order_by().aggregate(
            patents_filed=models.Count("pk", filter=Q(kind__in=patent_kinds)),
            patents_granted=models.Count("pk", filter=Q(kind=OutcomeKind.PATENT_GRANTED)),
            commercializations=models.Count("pk", filter=Q(kind=OutcomeKind.COMMERCIALIZATION)),
        )


class Outcome(TimeStampedModel):
    """成果: a result of a project (patent, licence, product, start-up, paper ...)."""

    project = models.ForeignKey(
        JointResearchProject, verbose_name=_("プロジェクト"), on_delete=models.PROTECT, related_name="outcomes"
    )
    code = models.CharField(_("成果コード"), max_length=20, unique=True, default=new_outcome_code, editable=False)
    kind = models.CharField(_("種別"), max_length=20, choices=OutcomeKind.choices, db_index=True)
    title = models.CharField(_("名称"), max_length=300)
    title_en = models.CharField(_("英語名"), max_length=300, blank=True)
    occurred_on = models.DateField(_("年月日"), db_index=True, help_text=_("出願日・発表日・発売日など"))
    description = models.TextField(_("概要"), blank=True)
    application_number = models.CharField(_("出願番号"), max_length=50, blank=True)
    registration_number = models.CharField(_("登録番号"), max_length=50, blank=True)
    granted_on = models.DateField(_("登録日"), null=True, blank=True)
    country = models.CharField(_("出願国"), max_length=50, blank=True)
    applicants = models.CharField(_("出願人"), max_length=300, blank=True)
    inventors = models.CharField(_("発明者"), max_length=300, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True, validators=[doi_validator])
    product = models.CharField(_("製品・サービス名"), max_length=200, blank=True)
    company = models.ForeignKey(
        Organization,
        verbose_name=_("企業"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
    )
    is_published = models.BooleanField(_("公開"), default=False, db_index=True)

    objects = OutcomeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("成果")
        verbose_name_plural = _("成果")
        ordering = ["-occurred_on", "pk"]
        indexes = [
            models.Index(fields=["kind", "occurred_on"]),
            # the newest results first (home, results browser, cluster page) and "last updated"
            models.Index(fields=["-occurred_on", "-id"], name="outcome_newest_idx"),
            models.Index(fields=["updated_at"], name="outcome_updated_at_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "application_number"],
                condition=~Q(application_number=""),
                name="outcome_unique_application_number",
                violation_error_message=_("この出願番号は既に登録されています。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind=OutcomeKind.PATENT_GRANTED) | ~Q(registration_number=""),
                name="outcome_granted_patent_has_registration",
                violation_error_message=_("特許登録には登録番号が必要です。"),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.kind in (OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED) and not self.application_number:
            errors["application_number"] = _("特許には出願番号を入力してください。")
        if self.kind == OutcomeKind.PATENT_GRANTED and not self.registration_number:
            errors["registration_number"] = _("特許登録には登録番号を入力してください。")
        if self.kind == OutcomeKind.PAPER and self.doi and not DOI_PATTERN.match(self.doi):
            errors["doi"] = _("DOIの形式が正しくありません（例: 10.1234/abc.2008.001）。")
        if errors:
            raise ValidationError(errors)

    @property
    def is_patent(self) -> bool:
        return self.kind in (OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED)


class SubmissionToken(models.Model):
    """One-time form tokens already used: a repeated POST of the same form is recognised,
    never processed twice (see ``cluster_portal.concurrency.one_time_submission``)."""

    token = models.CharField(_("トークン"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ユーザー"), on_delete=models.CASCADE, null=True, blank=True
    )
    redirect_url = models.CharField(_("送信後の表示先"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("送信済みフォーム")
        verbose_name_plural = _("送信済みフォーム")

    def __str__(self):
        return self.token
