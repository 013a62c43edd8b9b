"""A region's proposal, its review by assigned reviewers and the ministry's selection decision."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal.fields import fiscal_year_field, yen_field, yen_range
from cluster_portal.fiscal import fiscal_year_label
from cluster_portal.models import RegionScopedQuerySet, Role, TimeStampedModel, UploadRecord, sees_everything
from cluster_portal.workflow import Transition, Workflow
from regions.models.calls import Call, ReviewCriterion
from regions.models.clusters import ClusterType, Region
from regions.models.organizations import Organization


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SUBMITTED = "submitted", _("提出済み")
    UNDER_REVIEW = "under_review", _("審査中")
    SELECTED = "selected", _("採択")
    NOT_SELECTED = "not_selected", _("不採択")
    WITHDRAWN = "withdrawn", _("取り下げ")


_MINISTRY = frozenset({Role.MINISTRY})
_APPLICANT = frozenset({Role.HEADQUARTERS})

PROPOSAL_WORKFLOW = Workflow(
    "status",
    ProposalStatus,
    [
        Transition(ProposalStatus.DRAFT, ProposalStatus.SUBMITTED, _APPLICANT),
        Transition(ProposalStatus.SUBMITTED, ProposalStatus.UNDER_REVIEW, _MINISTRY),
        Transition(ProposalStatus.UNDER_REVIEW, ProposalStatus.SELECTED, _MINISTRY, needs_reason=True),
        Transition(ProposalStatus.UNDER_REVIEW, ProposalStatus.NOT_SELECTED, _MINISTRY, needs_reason=True),
        # a correction of 不採択 before the applicant is notified (regions.services.selection.decision_correct)
        Transition(ProposalStatus.NOT_SELECTED, ProposalStatus.SELECTED, _MINISTRY, needs_reason=True),
        Transition(ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN, _APPLICANT),
        Transition(ProposalStatus.SUBMITTED, ProposalStatus.WITHDRAWN, _APPLICANT),
        Transition(ProposalStatus.UNDER_REVIEW, ProposalStatus.WITHDRAWN, _APPLICANT),
    ],
)


class ProposalQuerySet(RegionScopedQuerySet):
    """Proposals are never public: only the applicant region, assigned reviewers and the ministry."""

    def public_q(self):
        return Q(pk__in=[])

    def submitted_q(self):
        """A proposal from its submission on: not a draft, and not one withdrawn before it was ever submitted."""
        return ~Q(status=ProposalStatus.DRAFT) & ~Q(status=ProposalStatus.WITHDRAWN, submitted_at__isnull=True)

    def for_ministry(self):
        """What ministry staff see: drafts stay the region's own (as e-Rad and Hypha do)."""
        return self.filter(self.submitted_q())

    def visible_to(self, user):
        if user is not None and user.is_authenticated and user.is_reviewer:
            return self.filter(review_assignments__reviewer=user, review_assignments__has_conflict=False).distinct()
        if user is not None and user.is_authenticated and user.is_ministry:
            return self.for_ministry()
        return super().visible_to(user)


class Proposal(TimeStampedModel):
    """A region's cluster-concept proposal (提案書) to a call."""

    call = models.ForeignKey(Call, verbose_name=_("公募"), on_delete=models.PROTECT, related_name="proposals")
    region = models.ForeignKey(Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("構想名"), max_length=200)
    summary = models.TextField(_("構想の概要"))
    theme = models.CharField(_("テーマ・分野"), max_length=200)
    target_industries = models.CharField(_("対象産業"), max_length=300, blank=True)
    cluster_type = models.CharField(_("類型"), max_length=10, choices=ClusterType.choices)
    kpis = models.TextField(_("成果目標（KPI）"), blank=True)
    headquarters_roster = models.TextField(
        _("本部の体制"),
        blank=True,
        help_text=_("本部長・事業総括・研究統括ほかの氏名と所属を1行に1人ずつ記入してください。"),
    )
    related_measures = models.TextField(
        _("関係府省の関連施策"),
        blank=True,
        help_text=_("経済産業省 産業クラスター計画、JSTの研究開発事業、地方公共団体の独自施策などとの連携"),
    )
    participants = models.ManyToManyField(
        Organization, verbose_name=_("参画機関"), blank=True, related_name="proposals"
    )
    status = models.CharField(
        _("状態"), max_length=15, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT, db_index=True
    )
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ProposalQuerySet.as_manager()
    workflow = PROPOSAL_WORKFLOW
    history = HistoricalRecords(excluded_fields=["summary", "kpis", "headquarters_roster", "related_measures"])

    class Meta:
        verbose_name = _("提案書")
        verbose_name_plural = _("提案書")
        ordering = ["-call__fiscal_year", "region__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "region"],
                name="proposal_one_per_region_per_call",
                violation_error_message=_("この地域はこの公募に既に提案しています。"),
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("proposals:detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status == ProposalStatus.DRAFT

    def requested_total(self) -> int:
        return sum(line.requested_amount for line in self.budget_lines.all())


class ProposalBudgetLine(models.Model):
    """Requested amount for one fiscal year of the five-year plan."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("提案書"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    fiscal_year = fiscal_year_field()
    requested_amount = yen_field(_("要求額（円）"))

    class Meta:
        verbose_name = _("提案の年度別要求額")
        verbose_name_plural = _("提案の年度別要求額")
        ordering = ["proposal", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "fiscal_year"], name="proposalbudget_unique_year"),
            yen_range("requested_amount", "proposalbudgetline"),
        ]

    def __str__(self):
        return f"{self.proposal} {fiscal_year_label(self.fiscal_year)}"


class AttachmentKind(models.TextChoices):
    """File types accepted as proposal attachments, recognised by content (magic bytes)."""

    PDF = "pdf", "PDF"
    DOCX = "docx", "Word (.docx)"
    XLSX = "xlsx", "Excel (.xlsx)"
    DOC = "doc", "Word (.doc)"
    XLS = "xls", "Excel (.xls)"


def proposal_attachment_path(instance, filename):
    """Stored under a random name; the original name is kept in ``original_name`` only."""
    import uuid

    return f"proposals/{instance.proposal_id}/{uuid.uuid4().hex}.{instance.kind}"


class ProposalAttachment(UploadRecord):
    """A file attached to a proposal (PDF, Word or Excel), stored through Django's storage API."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("提案書"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("ファイル"), upload_to=proposal_attachment_path, max_length=200)
    original_name = models.CharField(_("ファイル名"), max_length=200)
    kind = models.CharField(_("形式"), max_length=5, choices=AttachmentKind.choices)
    size = models.PositiveBigIntegerField(_("サイズ（バイト）"))

    class Meta:
        verbose_name = _("提案書の添付ファイル")
        verbose_name_plural = _("提案書の添付ファイル")
        ordering = ["proposal", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("proposals:attachment", kwargs={"pk": self.proposal_id, "attachment_pk": self.pk})


class ReviewRecommendation(models.TextChoices):
    """A reviewer's overall verdict on a proposal, beside the scores (審査委員の総合判定)."""

    RECOMMEND = "recommend", _("採択を推奨する")
    CONDITIONAL = "conditional", _("条件付きで推奨する")
    NOT_RECOMMENDED = "not_recommended", _("推奨しない")


class ReviewAssignmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Who reviews what is confidential: the ministry and administrators see every assignment,
        a reviewer their own (without a declared conflict), nobody else any."""
        if sees_everything(user):
            return self.all()
        if user is not None and user.is_authenticated and user.is_reviewer:
            return self.filter(reviewer=user, has_conflict=False)
        return self.none()


class ReviewAssignment(TimeStampedModel):
    """A reviewer assigned to a proposal, with their conflict declaration."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("提案書"), on_delete=models.PROTECT, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審査委員"),
        on_delete=models.PROTECT,
        related_name="review_assignments",
        limit_choices_to={"role": Role.REVIEWER},
    )
    conflict_declared_at = models.DateTimeField(_("利害関係の申告日時"), null=True, blank=True)
    has_conflict = models.BooleanField(_("利害関係あり"), default=False)
    conflict_note = models.TextField(_("利害関係の内容"), blank=True)
    submitted_at = models.DateTimeField(_("審査提出日時"), null=True, blank=True)
    overall_comment = models.TextField(_("総評"), blank=True)
    recommendation = models.CharField(
        _("総合判定"),
        max_length=20,
        choices=ReviewRecommendation.choices,
        blank=True,
        help_text=_("審査委員としての採否の所見（提出時に必須）"),
    )
    last_reminded_at = models.DateTimeField(
        _("最終督促日時"),
        null=True,
        blank=True,
        help_text=_("督促または審査期限の事前連絡を最後に送った日時"),
    )

    objects = ReviewAssignmentQuerySet.as_manager()
    # Who was assigned and when a review was submitted, for the ministry's activity log; the comment stays out.
    history = HistoricalRecords(excluded_fields=["overall_comment", "conflict_note", "recommendation"])

    class Meta:
        verbose_name = _("審査割当")
        verbose_name_plural = _("審査割当")
        ordering = ["proposal", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "reviewer"],
                name="assignment_unique_reviewer",
                violation_error_message=_("この審査委員は既にこの提案書に割り当てられています。"),
            )
        ]

    def __str__(self):
        return f"{self.proposal} / {self.reviewer}"


class Review(models.Model):
    """One reviewer's score and comment on one criterion (審査)."""

    assignment = models.ForeignKey(
        ReviewAssignment, verbose_name=_("審査割当"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        ReviewCriterion, verbose_name=_("評価項目"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.PositiveSmallIntegerField(_("評点"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("コメント"), blank=True)

    class Meta:
        verbose_name = _("審査評点")
        verbose_name_plural = _("審査評点")
        ordering = ["assignment", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="review_unique_criterion"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5),
                name="review_score_in_scale",
                violation_error_message=_("評点は1〜5で入力してください。"),
            ),
        ]

    def __str__(self):
        return f"{self.assignment} {self.criterion}: {self.score}"

    def clean(self):
        if self.criterion_id and self.score is not None and self.score > self.criterion.max_score:
            raise ValidationError(
                {"score": _("評点は1〜%(max)dで入力してください。") % {"max": self.criterion.max_score}}
            )


class Decision(models.TextChoices):
    SELECTED = "selected", _("採択")
    NOT_SELECTED = "not_selected", _("不採択")


class SelectionDecision(models.Model):
    """The ministry's decision on a proposal. One per proposal, enforced by the database."""

    proposal = models.OneToOneField(
        Proposal, verbose_name=_("提案書"), on_delete=models.PROTECT, related_name="decision"
    )
    decision = models.CharField(_("結果"), max_length=15, choices=Decision.choices)
    reason = models.TextField(
        _("申請者に通知される理由"), help_text=_("「申請者に通知する」を押すと、この理由がそのまま申請者に届きます。")
    )
    internal_note = models.TextField(
        _("内部メモ（文部科学省のみ）"),
        blank=True,
        help_text=_("文部科学省の担当者だけが読めます。申請者への通知にも申請者の画面にも出ません。"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("決定者"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("決定日時"), auto_now_add=True)
    notified_at = models.DateTimeField(
        _("申請者への通知日時"),
        null=True,
        blank=True,
        help_text=_("決定は文部科学省が「申請者に通知する」を押したときに申請者へ通知されます。"),
    )
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("通知した担当者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("採択決定")
        verbose_name_plural = _("採択決定")
        ordering = ["-decided_at"]

    def __str__(self):
        return f"{self.proposal}: {self.get_decision_display()}"

    @property
    def is_locked(self) -> bool:
        """Once the applicant has been notified the decision can no longer be corrected."""
        return self.notified_at is not None
