"""Support decisions (重点支援の決定) that follow a 重点支援 evaluation.

A draft records the fiscal years, the additional amount per fiscal year and the reason
(``support_decision_save``, optimistic locking on edit). Confirming it
(``support_decision_confirm``) raises the region's grant in each of those years by that amount
through ``regions.services.grants.grant_amend`` — the one amendment path, which locks the call's
envelope row and refuses an overrun — all in one transaction: if one year does not fit its
envelope, nothing is amended and the decision stays a draft. A confirmed decision is read-only.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_portal.concurrency import StaleEdit, claim_version
from cluster_portal.fiscal import fiscal_year_label, format_yen
from regions import permissions
from regions.models import CallBudget, Evaluation, Grant, SupportDecision, SupportStatus
from regions.services.grants import grant_amend

SUPPORT_DENIED = gettext_lazy("重点支援の決定を記録する権限がありません。")


def confirmed_error() -> ValidationError:
    return ValidationError(
        _("この重点支援の決定は既に確定しています。確定した決定は変更できません。"), code="already_confirmed"
    )


@transaction.atomic
def support_decision_save(
    *,
    user,
    evaluation: Evaluation,
    start_fiscal_year: int,
    end_fiscal_year: int,
    annual_amount: int,
    reason: str,
    expected_version: int | None = None,
) -> SupportDecision:
    """Record or edit the draft support decision of a 重点支援 evaluation (one per evaluation). Editing
    needs the ``expected_version`` the form was opened at (``StaleEdit`` otherwise, nothing saved)."""
    permissions.require_ministry(user, SUPPORT_DENIED)
    if not reason.strip():
        raise ValidationError({"reason": _("重点支援の理由を入力してください。")})
    existing = SupportDecision.objects.filter(evaluation_id=evaluation.pk).first()
    if existing is None:
        decision = SupportDecision(evaluation=evaluation, recorded_by=user)
    else:
        if expected_version is None:  # a form opened before this draft was recorded: never overwrite it
            raise StaleEdit(existing)
        decision = claim_version(
            SupportDecision.objects.select_related("evaluation"), pk=existing.pk, expected_version=expected_version
        )
        if decision.is_confirmed:
            raise confirmed_error()
    decision.start_fiscal_year = start_fiscal_year
    decision.end_fiscal_year = end_fiscal_year
    decision.annual_amount = annual_amount
    decision.reason = reason.strip()
    decision.recorded_by = user
    decision.full_clean()
    decision.save()
    return decision


def amendment_plan(decision: SupportDecision) -> list[dict]:
    """What confirming would do, per fiscal year: the grant now, the addition, the new amount and what is
    left of the call's envelope (for the summary page; the confirm step checks it again under lock)."""
    grants = {
        grant.fiscal_year: grant
        for grant in Grant.objects.filter(
            region_id=decision.evaluation.region_id, fiscal_year__in=decision.fiscal_years
        ).select_related("call")
    }
    envelopes = {
        (budget.call_id, budget.fiscal_year): budget.envelope
        for budget in CallBudget.objects.filter(
            call_id__in={grant.call_id for grant in grants.values()}, fiscal_year__in=decision.fiscal_years
        )
    }
    granted = {}
    for grant in Grant.objects.filter(
        call_id__in={grant.call_id for grant in grants.values()}, fiscal_year__in=decision.fiscal_years
    ):
        key = (grant.call_id, grant.fiscal_year)
        granted[key] = granted.get(key, 0) + grant.amount
    rows = []
    for year in decision.fiscal_years:
        grant = grants.get(year)
        key = (grant.call_id, year) if grant else None
        envelope = envelopes.get(key) if key else None
        remaining = envelope - granted.get(key, 0) if envelope is not None else None
        rows.append(
            {
                "fiscal_year": year,
                "grant": grant,
                "current": grant.amount if grant else None,
                "addition": decision.annual_amount,
                "new_amount": grant.amount + decision.annual_amount if grant else None,
                "remaining": remaining,
                "fits": remaining is not None and decision.annual_amount <= remaining,
            }
        )
    return rows


@transaction.atomic
def support_decision_confirm(*, user, decision: SupportDecision, expected_version: int | None = None):
    """Confirm a draft: each year's grant is raised by the annual amount through ``grant_amend`` (envelope
    locked, overrun refused), all or nothing; the decision becomes read-only. A second confirmation, or a
    confirmation of a draft edited since the summary was shown (``StaleEdit``), is refused."""
    permissions.require_ministry(user, _("重点支援の決定を確定する権限がありません。"))
    current = SupportDecision.objects.filter(pk=decision.pk).values_list("status", flat=True).first()
    if current == SupportStatus.CONFIRMED:
        raise confirmed_error()
    decision = claim_version(
        SupportDecision.objects.select_related("evaluation__region"), pk=decision.pk, expected_version=expected_version
    )
    if decision.is_confirmed:
        raise confirmed_error()
    decision.full_clean()  # the years may no longer have grants since the draft was saved
    grants = {
        grant.fiscal_year: grant
        for grant in Grant.objects.filter(
            region_id=decision.evaluation.region_id, fiscal_year__in=decision.fiscal_years
        )
        .select_related("call")
        .order_by("fiscal_year")
    }
    reason = _("重点支援による追加交付（%(evaluation)s）：%(reason)s") % {
        "evaluation": decision.evaluation,
        "reason": decision.reason,
    }
    for year in decision.fiscal_years:  # fiscal-year order: envelope rows are locked in the same order everywhere
        grant = grants[year]
        try:
            grant_amend(
                user=user,
                grant=grant,
                new_amount=grant.amount + decision.annual_amount,
                reason=reason,
                support_decision=decision,
            )
        except ValidationError as error:
            raise _overrun_error(decision, grant, error) from None
    SupportDecision.workflow.apply(decision, SupportStatus.CONFIRMED, user=user, reason=decision.reason, save=False)
    decision.confirmed_by = user
    decision.confirmed_at = timezone.now()
    decision.full_clean()
    decision.save()
    return decision


def _overrun_error(decision: SupportDecision, grant: Grant, error: ValidationError) -> ValidationError:
    """The amendment service's refusal, restated for the support decision: the year, the envelope left."""
    budget = CallBudget.objects.filter(call_id=grant.call_id, fiscal_year=grant.fiscal_year).first()
    granted = sum(
        Grant.objects.filter(call_id=grant.call_id, fiscal_year=grant.fiscal_year).values_list("amount", flat=True)
    )
    if budget is None or decision.annual_amount <= budget.envelope - granted:
        return ValidationError({"annual_amount": error.messages})
    return ValidationError(
        {
            "annual_amount": _(
                "%(year)sの追加交付額 %(amount)s は、公募の予算枠の残り %(remaining)s を超えるため確定できません"
                "（予算枠 %(envelope)s、交付決定済み %(granted)s）。どの年度の交付決定も変更していません。"
            )
            % {
                "year": fiscal_year_label(grant.fiscal_year),
                "amount": format_yen(decision.annual_amount),
                "remaining": format_yen(max(budget.envelope - granted, 0)),
                "envelope": format_yen(budget.envelope),
                "granted": format_yen(granted),
            }
        },
        code="envelope",
    )
