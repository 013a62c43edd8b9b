"""Proposals (提案書): drafting, the five-year plan, attachments, submission and withdrawal.

Headquarters staff write their own region's proposal. Every state change goes
through ``Proposal.workflow`` (regions.models.PROPOSAL_WORKFLOW), which checks
the role and records who, when and why.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_portal import uploads
from cluster_portal.concurrency import claim_version
from cluster_portal.models import assign_fields
from notifications import outbox, recipients
from regions import permissions
from regions.models import (
    AttachmentKind,
    Call,
    Organization,
    Proposal,
    ProposalAttachment,
    ProposalBudgetLine,
    ProposalStatus,
    Region,
    call_day,
)

DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
PLAN_YEARS = 5

# Fields of the proposal form that the services copy onto the model.
PROPOSAL_FIELDS = (
    "title",
    "summary",
    "theme",
    "target_industries",
    "cluster_type",
    "kpis",
    "headquarters_roster",
    "related_measures",
)


def attachment_max_bytes() -> int:
    return getattr(settings, "PROPOSAL_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES)


def plan_years(call: Call) -> list[int]:
    """The fiscal years of the five-year plan of a proposal to ``call``."""
    return list(range(call.fiscal_year, call.fiscal_year + PLAN_YEARS))


# --- attachments: type by content, never by name -------------------------------------------------

OLE2 = uploads.OLE2  # a DOC or XLS container; the two are told apart by the extension
_PROPOSAL_KINDS = {
    uploads.PDF: AttachmentKind.PDF,
    uploads.DOCX: AttachmentKind.DOCX,
    uploads.XLSX: AttachmentKind.XLSX,
    uploads.OLE2: OLE2,
}


def sniff_attachment_kind(head: bytes, stream) -> str | None:
    """The AttachmentKind of a file by its content (magic bytes), or None if it is not accepted.

    PDF, DOCX and XLSX are recognised by ``cluster_portal.uploads.sniff``; legacy DOC/XLS are OLE2
    compound files, told apart by the extension only among themselves (an OLE2 file named otherwise
    counts as DOC).
    """
    return _PROPOSAL_KINDS.get(uploads.sniff(head, stream))


def validate_attachment(upload: UploadedFile) -> str:
    """Check size and content of an uploaded file; return its AttachmentKind or raise ValidationError."""
    limit = attachment_max_bytes()
    megabytes = limit / (1024 * 1024)
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": _("空のファイルは添付できません。")}, code="empty")
    if upload.size > limit:
        raise ValidationError(
            {"file": _("ファイルが大きすぎます（上限 %(limit)s MB）。") % {"limit": f"{megabytes:g}"}},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8)
    stream = upload.file if hasattr(upload, "file") else io.BytesIO(upload.read())
    kind = sniff_attachment_kind(head, stream)
    upload.seek(0)
    if kind == OLE2:
        kind = AttachmentKind.XLS if upload.name.lower().endswith(".xls") else AttachmentKind.DOC
    if kind is None:
        raise ValidationError(
            {"file": _("PDF、Word、Excel のファイルだけを添付できます（ファイルの内容で判定しています）。")},
            code="bad_type",
        )
    return kind


# --- drafting ------------------------------------------------------------------------------------


def _require_applicant(user, region: Region) -> None:
    if not (permissions.is_headquarters(user) and user.region_id == region.pk):
        raise PermissionDenied(_("この地域の提案書を作成・編集する権限がありません。"))


def _require_editable(proposal: Proposal) -> None:
    if not proposal.is_editable:
        raise ValidationError(
            _("「%(status)s」の提案書は編集できません。") % {"status": proposal.get_status_display()},
            code="locked",
        )


def _years_text(years) -> str:
    return "、".join(_("%(year)d年度") % {"year": year} for year in sorted(years))


def check_envelope_years(call: Call, years) -> None:
    """The requested fiscal years must be years for which the call has an envelope (CallBudget): a plan
    past them could never be granted, so it is refused when the proposal is saved or submitted, not at
    selection. The message names the years the call covers."""
    covered = set(call.budgets.values_list("fiscal_year", flat=True))
    outside = set(years) - covered
    if not outside:
        return
    if not covered:
        message = _("この公募にはまだ予算枠が設定されていないため、年度別の要求額を登録できません。")
    else:
        message = _(
            "%(outside)sはこの公募の予算枠の対象外です。この公募が対象とする年度は%(covered)sです。"
            "要求額はこの年度の範囲で入力してください。"
        ) % {"outside": _years_text(outside), "covered": _years_text(covered)}
    raise ValidationError({"budget": message}, code="outside_envelope")


def _set_plan(proposal: Proposal, amounts: dict[int, int]) -> None:
    years = set(plan_years(proposal.call))
    unknown = set(amounts) - years
    if unknown:
        raise ValidationError({"budget": _("公募の対象年度以外の要求額は登録できません。")})
    check_envelope_years(proposal.call, amounts)
    for amount in amounts.values():
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise ValidationError({"budget": _("要求額は0円以上の整数（円）で入力してください。")})
    existing = {line.fiscal_year: line for line in proposal.budget_lines.all()}
    for fiscal_year in sorted(years):
        amount = amounts.get(fiscal_year)
        line = existing.get(fiscal_year)
        if amount is None:
            if line is not None:
                line.delete()
            continue
        line = line or ProposalBudgetLine(proposal=proposal, fiscal_year=fiscal_year)
        line.requested_amount = amount
        line.full_clean()
        line.save()


@transaction.atomic
def proposal_create(
    *,
    user,
    call: Call,
    fields: dict,
    amounts: dict[int, int],
    participants: Iterable[Organization] = (),
) -> Proposal:
    """A new draft of the user's region for ``call``; the call must be accepting proposals today."""
    region = Region.objects.get(pk=user.region_id) if permissions.is_headquarters(user) else None
    if region is None:
        raise PermissionDenied(_("提案書を作成できるのは本部職員だけです。"))
    _require_applicant(user, region)
    if not call.is_accepting(call_day()):
        raise ValidationError(_("この公募は受付期間外のため、提案書を作成できません。"), code="call_closed")
    proposal = Proposal(call=call, region=region, created_by=user, status=ProposalStatus.DRAFT)
    assign_fields(proposal, fields, PROPOSAL_FIELDS)
    proposal.full_clean()
    proposal.save()
    proposal.participants.set(list(participants))
    _set_plan(proposal, amounts)
    return proposal


@transaction.atomic
def proposal_update(
    *,
    user,
    proposal: Proposal,
    fields: dict,
    amounts: dict[int, int],
    participants: Iterable[Organization] | None = None,
    expected_version: int | None = None,
) -> Proposal:
    """Save an edited draft; ``expected_version`` (from the edit form) refuses with ``StaleEdit`` when
    someone saved the proposal after the form was opened."""
    proposal = claim_version(Proposal.objects.select_related("call"), pk=proposal.pk, expected_version=expected_version)
    _require_applicant(user, proposal.region)
    _require_editable(proposal)
    assign_fields(proposal, fields, PROPOSAL_FIELDS)
    proposal.full_clean()
    proposal.save()
    if participants is not None:
        proposal.participants.set(list(participants))
    _set_plan(proposal, amounts)
    return proposal


@transaction.atomic
def proposal_submit(*, user, proposal: Proposal, today: datetime.date | None = None, reason: str = "") -> Proposal:
    """Submit a draft: only within the call's dates, with a complete plan; locks editing."""
    proposal = claim_version(Proposal.objects.select_related("call"), pk=proposal.pk, expected_version=None)
    _require_applicant(user, proposal.region)
    Proposal.workflow.check(proposal, ProposalStatus.SUBMITTED, user=user, reason=reason)
    today = today or call_day()
    call = proposal.call
    if not call.is_accepting(today):
        raise ValidationError(
            _("公募の受付期間（%(opens)s〜%(closes)s）外のため提出できません。")
            % {"opens": call.opens_on.isoformat(), "closes": call.closes_on.isoformat()},
            code="call_closed",
        )
    years = set(proposal.budget_lines.values_list("fiscal_year", flat=True))
    if not years:
        raise ValidationError(_("5か年計画の年度別要求額を入力してから提出してください。"), code="no_plan")
    check_envelope_years(call, years)
    if not proposal.attachments.exists():
        # what the upload form marks 必須 is required here too, whatever path submits
        raise ValidationError(
            _("提案書の添付ファイル（PDF・Word・Excel）を1つ以上添付してから提出してください。"), code="no_attachment"
        )
    proposal.full_clean()
    Proposal.workflow.apply(proposal, ProposalStatus.SUBMITTED, user=user, reason=reason, save=False)
    proposal.submitted_at = timezone.now()
    proposal.save()
    context = {"title": proposal.title, "region": proposal.region.name, "proposal": proposal}
    outbox.notify(
        "proposal_received",
        recipients.headquarters_staff(proposal.region_id, proposal.created_by),
        context=context,
        path=proposal.get_absolute_url(),
    )
    outbox.notify("proposal_submitted", recipients.ministry_staff(), context=context, path=proposal.get_absolute_url())
    return proposal


@transaction.atomic
def proposal_withdraw(*, user, proposal: Proposal, reason: str = "") -> Proposal:
    """Withdraw before the decision (draft, submitted or under review)."""
    proposal = claim_version(Proposal.objects.all(), pk=proposal.pk, expected_version=None)
    _require_applicant(user, proposal.region)
    Proposal.workflow.apply(proposal, ProposalStatus.WITHDRAWN, user=user, reason=reason, save=False)
    proposal.save()
    return proposal


@transaction.atomic
def attachment_add(*, user, proposal: Proposal, upload: UploadedFile) -> ProposalAttachment:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    _require_applicant(user, proposal.region)
    _require_editable(proposal)
    kind = validate_attachment(upload)
    attachment = ProposalAttachment(
        proposal=proposal,
        original_name=upload.name[-200:],
        kind=kind,
        size=upload.size,
        uploaded_by=user,
    )
    # path from proposal_attachment_path; storage full or read-only: ValidationError, nothing kept
    uploads.store(attachment.file, "upload", upload)
    try:
        attachment.full_clean()
        attachment.save()
    except Exception:
        uploads.discard(attachment.file)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, user, attachment: ProposalAttachment) -> None:
    proposal = Proposal.objects.select_for_update().get(pk=attachment.proposal_id)
    _require_applicant(user, proposal.region)
    _require_editable(proposal)
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))
