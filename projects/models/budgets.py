"""A project's allocation (配分額) per fiscal year under the region's grant, and its
execution (執行) by expense category."""

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal import uploads
from cluster_portal.fields import yen_field, yen_range
from cluster_portal.fiscal import fiscal_year_bounds, fiscal_year_label, format_yen
from cluster_portal.models import RegionScopedQuerySet, TimeStampedModel, UploadRecord, public_code
from projects.models.projects import JointResearchProject
from regions.models import Grant


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
            yen_range("allocated", "projectbudget"),
            yen_range("executed", "projectbudget"),
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

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        loaded = dict(zip(field_names, values, strict=True))
        # what the row said when it was read: a cut below 執行額 needs a reason of its own (clean())
        instance._loaded = (loaded.get("allocated"), (loaded.get("overrun_reason") or "").strip())
        return instance

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._loaded = (self.allocated, (self.overrun_reason or "").strip())

    def clean(self):
        errors = {}
        if self.project_id and self.grant_id and self.project.region_id != self.grant.region_id:
            errors["grant"] = _("プロジェクトの地域の交付決定を選んでください。")
        overrun = self.allocated is not None and self.executed is not None and self.executed > self.allocated
        loaded_allocated, loaded_reason = getattr(self, "_loaded", (None, ""))
        reason = (self.overrun_reason or "").strip()
        if overrun and not reason:
            errors["overrun_reason"] = _("執行額が配分額を超える場合は理由を入力してください。")
        elif overrun and loaded_allocated is not None and self.allocated < loaded_allocated and reason == loaded_reason:
            # an older reason explained an older overrun; cutting the allocation below what is spent needs its own
            errors["overrun_reason"] = _(
                "配分額を執行額（%(executed)s）より少なくするには、この変更の理由を入力してください。"
            ) % {"executed": format_yen(self.executed)}
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


def new_expenditure_code() -> str:
    return public_code("X")


class Expenditure(TimeStampedModel):
    """One execution entry (執行) of a project budget, by expense category.

    Entries are never deleted (the budget's 執行額 is their sum and history must
    stay complete); a wrong entry is corrected by editing it, which keeps history.
    Its code is the key the spreadsheet round trip keeps: two identical lines are
    two entries, and an entry whose 内容 is corrected in Excel stays one entry.
    """

    budget = models.ForeignKey(
        ProjectBudget, verbose_name=_("プロジェクト予算"), on_delete=models.PROTECT, related_name="expenditures"
    )
    category = models.CharField(_("費目"), max_length=10, choices=ExpenseCategory.choices)
    amount = yen_field(_("金額（円）"))
    spent_on = models.DateField(_("執行日"))
    description = models.CharField(_("内容"), max_length=300, blank=True)
    code = models.CharField(_("執行コード"), max_length=20, unique=True, default=new_expenditure_code, editable=False)
    batch = models.CharField(
        _("一括登録の識別子"),
        max_length=64,
        blank=True,
        default="",
        editable=False,
        db_index=True,
        help_text=_("一括登録で同時に保存された行に共通の値（二重送信の防止）"),
    )

    objects = ExpenditureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("執行")
        verbose_name_plural = _("執行")
        ordering = ["budget", "spent_on", "pk"]
        constraints = [yen_range("amount", "expenditure")]

    def __str__(self):
        return f"{self.get_category_display()} {self.amount:,}"

    def clean(self):
        """An entry is dated within its budget's fiscal year."""
        if self.spent_on is None or self.budget_id is None:
            return
        fiscal_year = self.budget.grant.fiscal_year
        first, last = fiscal_year_bounds(fiscal_year)
        if not first <= self.spent_on <= last:
            raise ValidationError(
                {
                    "spent_on": _("執行日は%(year)sの期間内の日付にしてください。")
                    % {"year": fiscal_year_label(fiscal_year)}
                }
            )


RECEIPT_EXTENSIONS = ("pdf", "png", "jpg", "jpeg")
RECEIPT_MAX_BYTES = 10 * 1024 * 1024


def validate_receipt_content(file) -> None:
    """A receipt is a PDF or an image, judged by its content (a page renamed ``.pdf`` is refused)."""
    uploads.validate_content_matches_name(file, allowed={uploads.PDF, uploads.PNG, uploads.JPEG})


def validate_receipt_size(file) -> None:
    if file.size > RECEIPT_MAX_BYTES:
        raise ValidationError(
            _("領収書のファイルは%(size)dMB以下にしてください。") % {"size": RECEIPT_MAX_BYTES // (1024 * 1024)},
            code="file_too_large",
        )


def receipt_path(instance, filename):
    """Stored under a random name (the extension kept); never served as public media."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"receipts/{uuid.uuid4().hex}.{extension}"


class ReceiptQuerySet(RegionScopedQuerySet):
    region_lookup = "expenditure__budget__project__region"

    def public_q(self):
        return Q(pk__in=[])  # receipts are never public


class Receipt(UploadRecord):
    """領収書: a PDF or image file attached to an execution entry, served only through the workspace.

    Deleting one (headquarters staff, when the wrong file was attached) keeps its history row."""

    expenditure = models.ForeignKey(
        Expenditure, verbose_name=_("執行"), on_delete=models.PROTECT, related_name="receipts"
    )
    file = models.FileField(
        _("領収書ファイル"),
        upload_to=receipt_path,
        max_length=200,
        validators=[FileExtensionValidator(RECEIPT_EXTENSIONS), validate_receipt_size, validate_receipt_content],
        help_text=_("PDF・PNG・JPEG（10MBまで）。ファイルの内容で形式を確認します。"),
    )
    original_name = models.CharField(_("元のファイル名"), max_length=200, blank=True)

    objects = ReceiptQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("領収書")
        verbose_name_plural = _("領収書")
        ordering = ["expenditure", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name or self.file.name.rsplit("/", 1)[-1]
