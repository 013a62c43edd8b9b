"""Execution (執行): expenditure entries and their receipts, and the budget's 執行額 they add up to.

Every function is keyword-only, typed, atomic and validates with ``full_clean()`` before saving,
so the same rules hold for web forms, imports and the admin."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from cluster_portal import uploads
from cluster_portal.concurrency import claim_version
from cluster_portal.fiscal import format_yen
from cluster_portal.models import assign_fields
from projects import permissions
from projects.models import (
    Expenditure,
    ProjectBudget,
    Receipt,
)

EXPENDITURE_FIELDS = ("category", "amount", "spent_on", "description")


def _lock_budget(user, budget_pk: int) -> ProjectBudget:
    """Claim the budget whose 執行額 an entry changes (its version moves with the total)."""
    return claim_version(
        ProjectBudget.objects.editable_by(user).select_related("grant"), pk=budget_pk, expected_version=None
    )


def _recompute_executed(budget: ProjectBudget, overrun_reason: str | None) -> ProjectBudget:
    """執行額 is the sum of the entries; above 配分額 it needs a recorded reason."""
    budget.executed = budget.expenditures.aggregate(total=models.Sum("amount"))["total"] or 0
    if overrun_reason is not None and overrun_reason.strip():
        budget.overrun_reason = overrun_reason.strip()
    try:
        budget.full_clean()
    except ValidationError as error:
        if "overrun_reason" in error.message_dict:
            raise ValidationError(
                {
                    "overrun_reason": _(
                        "執行額の合計（%(executed)s）が配分額（%(allocated)s）を超えます。理由を入力してください。"
                    )
                    % {"executed": f"{budget.executed:,}円", "allocated": f"{budget.allocated:,}円"}
                },
                code="overrun",
            ) from None
        raise
    budget.save()
    return budget


@transaction.atomic
def budget_recompute_executed(*, budget_pk: int) -> ProjectBudget:
    """執行額 = the sum of the budget's entries, recomputed under the budget's row lock (for the admin,
    which edits entries directly); refused when the sum exceeds 配分額 without a recorded reason."""
    budget = ProjectBudget.objects.select_for_update(of=("self",)).select_related("grant", "project").get(pk=budget_pk)
    return _recompute_executed(budget, None)


@transaction.atomic
def expenditure_create(*, user, budget_pk: int, data: dict, overrun_reason: str = "") -> Expenditure:
    """Add an execution entry and update the budget's 執行額 (the budget row is locked meanwhile)."""
    permissions.require_workspace(user)
    budget = _lock_budget(user, budget_pk)
    expenditure = Expenditure(budget=budget)
    assign_fields(expenditure, data, EXPENDITURE_FIELDS)
    expenditure.full_clean()
    expenditure.save()
    _recompute_executed(budget, overrun_reason)
    return expenditure


@transaction.atomic
def expenditure_update(
    *, user, expenditure_pk: int, expected_version: int, data: dict, overrun_reason: str = ""
) -> Expenditure:
    """Correct an execution entry (entries are never deleted); the budget's 執行額 follows."""
    permissions.require_workspace(user)
    budget_pk = Expenditure.objects.editable_by(user).values_list("budget_id", flat=True).get(pk=expenditure_pk)
    budget = _lock_budget(user, budget_pk)
    expenditure = claim_version(
        Expenditure.objects.editable_by(user), pk=expenditure_pk, expected_version=expected_version
    )
    assign_fields(expenditure, data, EXPENDITURE_FIELDS)
    expenditure.full_clean()
    expenditure.save()
    _recompute_executed(budget, overrun_reason)
    return expenditure


@dataclass(frozen=True)
class ExpenditureLine:
    """One row of a bulk execution entry: its row number on the page (for messages), the budget and the entry."""

    row: int
    budget_pk: int
    category: str
    amount: int
    spent_on: datetime.date
    description: str = ""
    receipts: tuple = ()


def _row_messages(row: int, error: ValidationError, model) -> list[ValidationError]:
    """「3行目「金額（円）」: …」 for each message of a row's refusal."""
    found = []
    for name, messages in (error.message_dict if hasattr(error, "error_dict") else {None: error.messages}).items():
        try:
            column = str(model._meta.get_field(name).verbose_name) if name else ""
        except Exception:
            column = ""
        for message in messages:
            if column:
                text = _("%(row)d行目「%(column)s」: %(message)s") % {"row": row, "column": column, "message": message}
            else:
                text = _("%(row)d行目: %(message)s") % {"row": row, "message": message}
            found.append(ValidationError(text, code="row"))
    return found


@transaction.atomic
def expenditures_record_batch(*, user, batch: str, lines: list[ExpenditureLine]) -> list[Expenditure]:
    """Record many execution entries (and their receipts) at once: all of them, or none.

    ``batch`` is the page's one-time key, stored on every line: a batch already recorded (a double
    click, a reload, a resubmitted page) returns its lines and records nothing again. The budgets
    concerned are locked (in pk order) before anything is checked; every line is validated by the
    entry's own rules and every refusal is named by row and column. 執行額 is recomputed per budget
    once all its lines are in, so an overrun is judged on the batch as a whole: the batch is refused
    when it takes a budget above 配分額 (a reason for an overrun is given through the single entry form).
    """
    permissions.require_workspace(user)
    if not batch:
        raise ValidationError(_("送信内容が正しくありません。ページを開き直してください。"), code="no_batch")
    if not lines:
        raise ValidationError(_("登録する執行を1行以上入力してください。"), code="empty")
    already = Expenditure.objects.filter(batch=batch).order_by("pk")
    if already.exists():
        return list(already)
    budgets = {pk: _lock_budget(user, pk) for pk in sorted({line.budget_pk for line in lines})}
    if already.exists():  # the same batch recorded while this one waited for the budgets' locks
        return list(already)
    errors: list[ValidationError] = []
    entries = []
    for line in sorted(lines, key=lambda item: item.row):
        expenditure = Expenditure(budget=budgets[line.budget_pk], batch=batch)
        assign_fields(expenditure, vars(line), EXPENDITURE_FIELDS)
        try:
            expenditure.full_clean()
        except ValidationError as error:
            errors += _row_messages(line.row, error, Expenditure)
        receipts = []
        for upload in line.receipts:
            receipt = Receipt(expenditure=expenditure, file=upload, original_name=upload.name[:200], uploaded_by=user)
            try:
                receipt.full_clean(exclude=["expenditure"])
            except ValidationError as error:
                errors += _row_messages(line.row, error, Receipt)
            receipts.append((receipt, upload))
        entries.append((line, expenditure, receipts))
    if errors:
        raise ValidationError(errors)
    stored = []
    try:
        for _line, expenditure, receipts in entries:
            expenditure.save()
            for receipt, upload in receipts:
                receipt.expenditure = expenditure
                uploads.store(receipt.file, upload.name, upload)
                stored.append(receipt.file)
                receipt.save()
        for budget in budgets.values():
            try:
                _recompute_executed(budget, None)
            except ValidationError:
                rows = "、".join(str(line.row) for line, *_rest in entries if line.budget_pk == budget.pk)
                errors.append(
                    ValidationError(
                        _(
                            "%(rows)s行目: %(project)sの執行額の合計（%(executed)s）が配分額（%(allocated)s）を"
                            "超えます。超える分は理由を添えて執行の個別登録から入力してください。"
                        )
                        % {
                            "rows": rows,
                            "project": f"{budget.project.code} {budget.project.title}",
                            "executed": format_yen(budget.executed),
                            "allocated": format_yen(budget.allocated),
                        },
                        code="overrun",
                    )
                )
        if errors:
            raise ValidationError(errors)
    except Exception:
        for field_file in stored:
            uploads.discard(field_file)
        raise
    return [expenditure for _line, expenditure, _receipts in entries]


@transaction.atomic
def receipt_attach(*, user, expenditure_pk: int, file) -> Receipt:
    """Attach a receipt (PDF or image, checked by content) to one of the region's execution entries."""
    permissions.require_workspace(user)
    expenditure = Expenditure.objects.editable_by(user).select_for_update().get(pk=expenditure_pk)
    receipt = Receipt(expenditure=expenditure, file=file, original_name=file.name[:200], uploaded_by=user)
    receipt.full_clean()
    uploads.store(receipt.file, file.name, file)  # storage refused: ValidationError, nothing kept
    try:
        receipt.save()
    except Exception:
        uploads.discard(receipt.file)
        raise
    return receipt


@transaction.atomic
def receipt_delete(*, user, receipt_pk: int) -> Expenditure:
    """Remove a receipt attached by mistake; its history row (who, when, which file) stays. The stored
    file is removed once the deletion is committed."""
    permissions.require_workspace(user)
    receipt = Receipt.objects.editable_by(user).select_for_update().select_related("expenditure").get(pk=receipt_pk)
    expenditure = receipt.expenditure
    field_file = receipt.file
    receipt.delete()
    transaction.on_commit(lambda: uploads.discard(field_file))
    return expenditure
