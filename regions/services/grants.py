"""Grants (交付決定) per region and fiscal year, amendments kept as history, and the call's envelope.

The sum of a call's grants in a fiscal year never exceeds the call's envelope
(CallBudget) for that year: ``Grant.clean()`` sums it, and every write locks the
CallBudget row first (``lock_envelope``, SELECT … FOR UPDATE on PostgreSQL), so
concurrent grants are serialised and cannot together overshoot.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_portal.concurrency import claim_version
from cluster_portal.fiscal import format_yen
from notifications import outbox, recipients
from regions import permissions
from regions.models import Call, CallBudget, CallStatus, Grant, GrantAmendment, Region

# Why a user of another role may not do this (PermissionDenied).
GRANTS_DENIED = gettext_lazy("交付決定を行う権限がありません。")


def lock_envelope(*, call: Call, fiscal_year: int) -> CallBudget | None:
    """Lock and return the call's budget row for the year (None when the call has none: ``Grant.clean()``
    then refuses the grant, naming the years that have an envelope — the rule is stated once, there)."""
    return CallBudget.objects.select_for_update().filter(call=call, fiscal_year=fiscal_year).first()


def _grant_create(*, region: Region, call: Call, fiscal_year: int, amount: int, decided_on, note: str) -> Grant:
    lock_envelope(call=call, fiscal_year=fiscal_year)  # Grant.clean() then sums the envelope under the lock
    if Grant.objects.filter(region=region, fiscal_year=fiscal_year).exists():
        raise ValidationError(
            {"fiscal_year": _("この地域の%(year)s年度の交付決定は既に登録されています。") % {"year": fiscal_year}},
            code="duplicate",
        )
    grant = Grant(region=region, call=call, fiscal_year=fiscal_year, amount=amount, decided_on=decided_on, note=note)
    grant.full_clean()
    grant.save()
    return grant


@transaction.atomic
def grant_create(
    *,
    user,
    region: Region,
    call: Call,
    fiscal_year: int,
    amount: int,
    decided_on: datetime.date | None = None,
    note: str = "",
) -> Grant:
    permissions.require_ministry(user, GRANTS_DENIED)
    grant = _grant_create(
        region=region,
        call=call,
        fiscal_year=fiscal_year,
        amount=amount,
        decided_on=decided_on or timezone.localdate(),
        note=note,
    )
    _notify_headquarters("grant_registered", grant)
    return grant


def _notify_headquarters(kind: str, grant: Grant, **context) -> None:
    """Tell the region's headquarters of a grant registered or amended by the ministry. (Grants made by a
    selection are announced with the decision, at the ministry's notify step.)"""
    outbox.notify(
        kind,
        recipients.headquarters_staff(grant.region_id),
        context={
            "region": grant.region.name,
            "year": grant.fiscal_year,
            "amount": format_yen(grant.amount),
            "grant": grant,
            **context,
        },
        path=reverse("workspace:budget_overview"),
    )


@transaction.atomic
def grants_create_from_plan(*, region: Region, call: Call, amounts: dict[int, int], note: str = "") -> list[Grant]:
    """The grant schedule of a selected proposal (called by selection inside its transaction).

    Budget rows are locked in fiscal-year order, so concurrent selections never deadlock.
    """
    today = timezone.localdate()
    return [
        _grant_create(region=region, call=call, fiscal_year=year, amount=amount, decided_on=today, note=note)
        for year, amount in sorted(amounts.items())
    ]


@transaction.atomic
def grant_amend(
    *,
    user,
    grant: Grant,
    new_amount: int,
    reason: str,
    expected_version: int | None = None,
    support_decision=None,
) -> Grant:
    """Increase or decrease a grant with a reason; the previous amount stays in GrantAmendment.

    ``expected_version`` (from the amendment form) refuses with ``StaleEdit`` when someone changed
    the grant after the form was opened. ``support_decision`` marks an increase made by confirming a
    重点支援 decision (``regions.services.support``)."""
    permissions.require_ministry(user, GRANTS_DENIED)
    if not reason.strip():
        raise ValidationError({"reason": _("変更理由を入力してください。")})
    if not isinstance(new_amount, int) or isinstance(new_amount, bool) or new_amount < 0:
        raise ValidationError({"new_amount": _("金額は0円以上の整数（円）で入力してください。")})
    grant = claim_version(Grant.objects.select_related("call"), pk=grant.pk, expected_version=expected_version)
    if new_amount == grant.amount:
        raise ValidationError({"new_amount": _("変更前と同じ額です。")})
    if grant.call_id is not None:
        lock_envelope(call=grant.call, fiscal_year=grant.fiscal_year)  # grant.full_clean() below sums it
    allocated = grant.allocated_total()
    if new_amount < allocated:
        raise ValidationError(
            {
                "new_amount": _("共同研究プロジェクトへの配分額の合計（%(allocated)s）を下回る額にはできません。")
                % {"allocated": format_yen(allocated)}
            }
        )
    amendment = GrantAmendment(
        grant=grant,
        previous_amount=grant.amount,
        new_amount=new_amount,
        reason=reason.strip(),
        amended_by=user,
        support_decision=support_decision,
    )
    amendment.full_clean()
    grant.amount = new_amount
    grant.full_clean()
    grant.save()
    amendment.save()
    _notify_headquarters(
        "grant_amended", grant, previous=format_yen(amendment.previous_amount), reason=amendment.reason
    )
    return grant


# --- envelope, granted and remaining per fiscal year ---------------------------------------------


@dataclass(frozen=True)
class EnvelopeRow:
    call: Call | None
    fiscal_year: int
    envelope: int
    granted: int

    @property
    def remaining(self) -> int:
        return self.envelope - self.granted

    @property
    def percent(self) -> int:
        return round(self.granted * 100 / self.envelope) if self.envelope else 0


def envelope_rows(*, calls=None) -> list[EnvelopeRow]:
    """Envelope, granted and remaining per call and fiscal year, in two queries."""
    budgets = CallBudget.objects.select_related("call").order_by("-call__fiscal_year", "call__code", "fiscal_year")
    if calls is not None:
        budgets = budgets.filter(call__in=calls)
    granted = {
        (row["call_id"], row["fiscal_year"]): row["total"]
        for row in Grant.objects.filter(call__isnull=False)
        .order_by()
        .values("call_id", "fiscal_year")
        .annotate(total=models.Sum("amount"))
    }
    return [
        EnvelopeRow(
            call=budget.call,
            fiscal_year=budget.fiscal_year,
            envelope=budget.envelope,
            granted=granted.get((budget.call_id, budget.fiscal_year), 0) or 0,
        )
        for budget in budgets
    ]


def envelope_by_fiscal_year() -> list[EnvelopeRow]:
    """Program-wide envelope and granted per fiscal year (all calls together, draft calls aside: a
    draft is not yet an offer of money), in two queries."""
    budgets = CallBudget.objects.exclude(call__status=CallStatus.DRAFT)
    envelopes = {
        row["fiscal_year"]: row["total"]
        for row in budgets.order_by().values("fiscal_year").annotate(total=models.Sum("envelope"))
    }
    granted = Grant.objects.filter(call__isnull=False).totals_by_fiscal_year()
    return [
        EnvelopeRow(call=None, fiscal_year=year, envelope=envelopes.get(year, 0) or 0, granted=granted.get(year, 0))
        for year in sorted(set(envelopes) | set(granted))
    ]
