"""Calls for proposals (公募): dates, review criteria and the budget envelope per fiscal year."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_portal.concurrency import claim_version
from regions import permissions
from regions.models import Call, CallBudget, CallStatus, Program, ReviewCriterion, ReviewDeadlineExtension, call_day

# Why a user of another role may not do this (PermissionDenied).
CALLS_DENIED = gettext_lazy("公募を管理する権限がありません。")


@dataclass(frozen=True)
class CriterionSpec:
    name: str
    weight: int = 1
    max_score: int = 5


DEFAULT_CRITERIA = (
    CriterionSpec("構想の独創性", 2),
    CriterionSpec("国際優位性", 2),
    CriterionSpec("地域の主体性・実施体制", 2),
    CriterionSpec("事業化の見通し", 2),
    CriterionSpec("予算計画の妥当性", 1),
)


def _set_criteria(call: Call, criteria: list[CriterionSpec]) -> None:
    """Replace the criteria of a call that has no scores yet; keep rows by name so scores stay linked."""
    names = [spec.name for spec in criteria]
    if len(set(names)) != len(names):
        raise ValidationError({"criteria": _("評価項目の名称が重複しています。")})
    if not criteria:
        raise ValidationError({"criteria": _("評価項目を1つ以上設定してください。")})
    existing = {criterion.name: criterion for criterion in call.criteria.all()}
    removed = [criterion for name, criterion in existing.items() if name not in names]
    if any(criterion.scores.exists() for criterion in removed):
        raise ValidationError({"criteria": _("評点が付いた評価項目は削除できません。")})
    for criterion in removed:
        criterion.delete()
    for order, spec in enumerate(criteria, start=1):
        criterion = existing.get(spec.name) or ReviewCriterion(call=call, name=spec.name)
        criterion.weight = spec.weight
        criterion.max_score = spec.max_score
        criterion.order = order
        criterion.full_clean()
        criterion.save()


def _set_budgets(call: Call, budgets: dict[int, int]) -> None:
    if not budgets:
        raise ValidationError({"budgets": _("年度別の予算枠を1年度以上設定してください。")})
    existing = {budget.fiscal_year: budget for budget in call.budgets.select_for_update()}
    for fiscal_year in sorted(set(existing) - set(budgets)):
        # a line removed from the form: gone, unless grants of that year count against it
        used = call.grants.filter(fiscal_year=fiscal_year).count()
        if used:
            raise ValidationError(
                {
                    "budgets": _("%(year)s年度の予算枠は交付決定（%(count)d件）が使っているため削除できません。")
                    % {"year": fiscal_year, "count": used}
                }
            )
        existing.pop(fiscal_year).delete()
    for fiscal_year, envelope in sorted(budgets.items()):
        budget = existing.get(fiscal_year) or CallBudget(call=call, fiscal_year=fiscal_year)
        granted = call.grants.filter(fiscal_year=fiscal_year).values_list("amount", flat=True)
        if envelope < sum(granted):
            raise ValidationError(
                {"budgets": _("%(year)s年度の予算枠は交付決定済みの額の合計を下回れません。") % {"year": fiscal_year}}
            )
        budget.envelope = envelope
        budget.full_clean()
        budget.save()


@transaction.atomic
def call_create(
    *,
    user,
    program: Program,
    code: str,
    title: str,
    fiscal_year: int,
    opens_on: datetime.date,
    closes_on: datetime.date,
    review_closes_on: datetime.date | None = None,
    description: str = "",
    status: str = CallStatus.DRAFT,
    criteria: list[CriterionSpec] | None = None,
    budgets: dict[int, int],
) -> Call:
    permissions.require_ministry(user, CALLS_DENIED)
    call = Call(
        program=program,
        code=code,
        title=title,
        fiscal_year=fiscal_year,
        opens_on=opens_on,
        closes_on=closes_on,
        review_closes_on=review_closes_on,
        description=description,
        status=status,
    )
    call.full_clean()
    call.save()
    _set_criteria(call, list(criteria if criteria is not None else DEFAULT_CRITERIA))
    _set_budgets(call, budgets)
    return call


@transaction.atomic
def call_update(
    *,
    user,
    call: Call,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    review_closes_on: datetime.date | None,
    description: str,
    status: str,
    criteria: list[CriterionSpec],
    budgets: dict[int, int],
    expected_version: int | None = None,
) -> Call:
    """Save an edited call; ``expected_version`` (from the edit form) refuses with ``StaleEdit`` when
    someone saved the call after the form was opened."""
    permissions.require_ministry(user, CALLS_DENIED)
    call = claim_version(Call.objects.all(), pk=call.pk, expected_version=expected_version)
    call.title = title
    call.opens_on = opens_on
    call.closes_on = closes_on
    call.review_closes_on = review_closes_on
    call.description = description
    call.status = status
    call.full_clean()
    call.save()
    _set_criteria(call, criteria)
    _set_budgets(call, budgets)
    return call


@transaction.atomic
def review_deadline_extend(
    *, user, call: Call, new_date: datetime.date, reason: str, today: datetime.date | None = None
) -> ReviewDeadlineExtension:
    """Move the review deadline of ``call`` later (reviews become editable again until ``new_date``, JST).

    Logged as a ``ReviewDeadlineExtension`` row (previous date, new date, reason, who, when). The
    new date must be later than the current deadline, not before the closing date and not in the past."""
    permissions.require_ministry(user, CALLS_DENIED)
    call = claim_version(Call.objects.all(), pk=call.pk, expected_version=None)
    today = today or call_day()
    errors = {}
    if not reason.strip():
        errors["reason"] = _("延長の理由を入力してください。")
    floor = max(today, call.closes_on)
    if call.review_closes_on is not None:
        floor = max(floor, call.review_closes_on + datetime.timedelta(days=1))
    if new_date < floor:
        errors["new_date"] = _("新しい審査締切日は%(day)s以降の日付にしてください。") % {"day": floor.isoformat()}
    if errors:
        raise ValidationError(errors)
    extension = ReviewDeadlineExtension(
        call=call, previous_date=call.review_closes_on, new_date=new_date, reason=reason.strip(), extended_by=user
    )
    extension.full_clean()
    call.review_closes_on = new_date
    call.full_clean()
    call.save()
    extension.save()
    return extension
