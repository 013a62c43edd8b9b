"""Selection (採択): the ministry's decision on a proposal.

Exactly one decision per proposal: the proposal row is claimed (``claim_version``, a
conditional UPDATE that holds the row until commit), and the OneToOne SelectionDecision
is the final guard in the database. 採択 activates the region and creates its grants per
fiscal year from the approved plan (within the call's envelope). The applicant is told, and the
region published, only when the ministry deliberately notifies (``decision_notify``, through the
outbox): the public never learns of a selection before the applicant does.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_portal.concurrency import StaleEdit, claim_version
from cluster_portal.models import User
from notifications import outbox, recipients
from regions import permissions
from regions.models import Decision, Proposal, ProposalStatus, Region, RegionStatus, SelectionDecision
from regions.services.grants import grants_create_from_plan


def already_decided_error() -> ValidationError:
    return ValidationError(
        _("この提案書は既に他の担当者が決定しています。最新の状態を確認してください。"), code="already_decided"
    )


def _activate_region(*, region: Region, proposal: Proposal, user) -> None:
    region = claim_version(Region.objects.all(), pk=region.pk, expected_version=None)
    call = proposal.call
    if region.status != RegionStatus.ACTIVE:
        Region.workflow.apply(
            region, RegionStatus.ACTIVE, user=user, reason=_("提案書「%(title)s」の採択") % {"title": proposal.title}
        )
    years = sorted(proposal.budget_lines.values_list("fiscal_year", flat=True))
    region.selected_fiscal_year = call.fiscal_year
    region.start_fiscal_year = years[0] if years else call.fiscal_year
    region.end_fiscal_year = years[-1] if years else call.fiscal_year
    region.program = call.program
    region.cluster_type = proposal.cluster_type
    if not region.cluster_name:
        region.cluster_name = proposal.title
    if not region.theme:
        region.theme = proposal.theme
    if not region.concept:
        region.concept = proposal.summary
    region.full_clean()
    region.save()


def _announce_region(region_id: int) -> None:
    """A selected region becomes public when the applicant is notified (not before)."""
    region = Region.objects.select_for_update().get(pk=region_id)
    if not region.is_published:
        region.is_published = True
        region.full_clean()
        region.save()


def applicant_recipients(proposal: Proposal) -> list[User]:
    return recipients.headquarters_staff(proposal.region_id, proposal.created_by)


def already_notified_error() -> ValidationError:
    return ValidationError(_("この決定は既に申請者に通知しています。"), code="already_notified")


@transaction.atomic
def decision_notify(*, user, decision: SelectionDecision) -> SelectionDecision:
    """The ministry's deliberate notify step: the applicant is told the decision (once) through the outbox."""
    permissions.require_ministry(user, _("採択結果を通知する権限がありません。"))
    claimed = SelectionDecision.objects.filter(pk=decision.pk, notified_at__isnull=True).update(
        notified_at=timezone.now(), notified_by=user
    )
    if not claimed:
        raise already_notified_error()
    decision = SelectionDecision.objects.select_related(
        "proposal__call", "proposal__region", "proposal__created_by"
    ).get(pk=decision.pk)
    decision.internal_note = ""  # ministry only: never part of what the applicant is sent
    proposal = decision.proposal
    if decision.decision == Decision.SELECTED:
        _announce_region(proposal.region_id)
    outbox.notify(
        "decision_notified",
        applicant_recipients(proposal),
        context={
            "decision": decision.get_decision_display(),
            "title": proposal.title,
            "record": decision,
            "proposal": proposal,
            "is_selected": decision.decision == Decision.SELECTED,
        },
        path=proposal.get_absolute_url(),
    )
    return decision


@transaction.atomic
def proposal_decide(
    *,
    user,
    proposal: Proposal,
    decision: str,
    reason: str,
    internal_note: str = "",
    expected_version: int | None = None,
) -> SelectionDecision:
    """Record 採択 / 不採択 with the applicant-facing reason and an internal note (ministry only, never
    mailed or shown to the applicant). The screens call this only from the confirm step of
    decide → summary → confirm. A second decision gets a clear Japanese error; a stale form
    (``expected_version`` no longer current) raises ``StaleEdit``."""
    permissions.require_ministry(user, _("採択を決定する権限がありません。"))
    if decision not in Decision.values:
        raise ValidationError({"decision": _("採択または不採択を選んでください。")})
    if not reason.strip():
        raise ValidationError({"reason": _("理由を入力してください。")})
    decided = SelectionDecision.objects.filter(proposal_id=proposal.pk)
    try:
        proposal = claim_version(
            Proposal.objects.select_related("call__program", "region", "created_by"),
            pk=proposal.pk,
            expected_version=expected_version,
        )
    except StaleEdit:
        if decided.exists():
            raise already_decided_error() from None
        raise
    except Proposal.DoesNotExist:
        raise ValidationError(_("提案書が見つかりません。")) from None
    if decided.exists():
        raise already_decided_error()
    target = ProposalStatus.SELECTED if decision == Decision.SELECTED else ProposalStatus.NOT_SELECTED
    Proposal.workflow.apply(proposal, target, user=user, reason=reason.strip(), save=False)
    proposal.save()
    record = SelectionDecision(
        proposal=proposal,
        decision=decision,
        reason=reason.strip(),
        internal_note=internal_note.strip(),
        decided_by=user,
    )
    record.full_clean(exclude=["proposal"])  # uniqueness is the database's job, below
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        raise already_decided_error() from None
    if decision == Decision.SELECTED:
        _select(proposal=proposal, user=user)
    return record  # the applicant hears of it only at the ministry's notify step (decision_notify)


def _select(*, proposal: Proposal, user) -> None:
    _activate_region(region=proposal.region, proposal=proposal, user=user)
    amounts = dict(proposal.budget_lines.values_list("fiscal_year", "requested_amount"))
    grants_create_from_plan(
        region=proposal.region,
        call=proposal.call,
        amounts=amounts,
        note=_("提案書「%(title)s」の採択により、5か年計画の要求額で交付決定") % {"title": proposal.title},
    )


def locked_error() -> ValidationError:
    return ValidationError(
        _("この決定は既に申請者に通知したため、訂正できません。訂正が必要な場合は申請者に連絡してください。"),
        code="locked",
    )


@transaction.atomic
def decision_correct(
    *,
    user,
    decision: SelectionDecision,
    outcome: str,
    reason: str,
    internal_note: str = "",
    expected_version: int | None = None,
) -> SelectionDecision:
    """Correct a decision before the applicant is notified; each version stays in the decision's history.

    Reason and internal note can always be corrected before notification; 不採択 can become 採択 (the
    selection then takes effect: region activated, grants within the envelope). 採択 cannot become 不採択
    here, because grants were already registered from the plan. After notification the decision is
    locked. ``expected_version`` is the proposal's (the summary page carries it)."""
    permissions.require_ministry(user, _("採択の決定を訂正する権限がありません。"))
    if outcome not in Decision.values:
        raise ValidationError({"decision": _("採択または不採択を選んでください。")})
    if not reason.strip():
        raise ValidationError({"reason": _("申請者に通知される理由を入力してください。")})
    proposal = claim_version(
        Proposal.objects.select_related("call__program", "region", "created_by"),
        pk=decision.proposal_id,
        expected_version=expected_version,
    )
    record = SelectionDecision.objects.select_for_update().get(pk=decision.pk)
    if record.is_locked:
        raise locked_error()
    if outcome != record.decision:
        if record.decision == Decision.SELECTED:
            raise ValidationError(
                {
                    "decision": _(
                        "採択を不採択に訂正することはできません（採択により交付決定が登録済みです）。"
                        "理由と内部メモは訂正できます。"
                    )
                },
                code="cannot_unselect",
            )
        Proposal.workflow.apply(proposal, ProposalStatus.SELECTED, user=user, reason=reason.strip(), save=False)
        proposal.save()
    selecting = outcome != record.decision
    record.decision = outcome
    record.reason = reason.strip()
    record.internal_note = internal_note.strip()
    record.decided_by = user
    record.full_clean(exclude=["proposal"])
    record.save()
    if selecting:
        _select(proposal=proposal, user=user)  # grants check the recorded 採択
    return record
