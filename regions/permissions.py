"""Who may do what in the ministry workflow (calls, proposals, reviews, selection, grants, evaluations).

Every check is ``can_<action>(user, obj)`` and compares role codes, never labels.
Visibility (404 for what a user may not even know exists) is answered by the
QuerySets' ``visible_to(user)``; these functions answer whether an action is allowed.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from regions.models import Proposal, ProposalStatus, ReviewAssignment


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_ministry(user) -> bool:
    return _signed_in(user) and user.is_ministry


def is_reviewer(user) -> bool:
    return _signed_in(user) and user.is_reviewer


def is_headquarters(user) -> bool:
    return _signed_in(user) and user.is_headquarters


def require_ministry(user, message: str = "") -> None:
    """The services' guard of every ministry-only write: PermissionDenied (with ``message``) otherwise."""
    if not is_ministry(user):
        raise PermissionDenied(message or _("この操作は文部科学省の担当者だけが行えます。"))


# --- calls, grants, evaluations: ministry staff only ---------------------------------------------


def can_manage_calls(user) -> bool:
    return is_ministry(user)


def can_manage_grants(user) -> bool:
    return is_ministry(user)


def can_evaluate(user) -> bool:
    return is_ministry(user)


def can_use_ministry_pages(user) -> bool:
    return is_ministry(user)


# --- proposals -----------------------------------------------------------------------------------


def can_view_proposal(user, proposal: Proposal) -> bool:
    return Proposal.objects.visible_to(user).filter(pk=proposal.pk).exists()


def is_applicant(user, proposal: Proposal) -> bool:
    """A headquarters user of the proposal's region."""
    return is_headquarters(user) and user.region_id == proposal.region_id


def can_create_proposal(user) -> bool:
    return is_headquarters(user)


def can_edit_proposal(user, proposal: Proposal) -> bool:
    return is_applicant(user, proposal) and proposal.is_editable


def can_submit_proposal(user, proposal: Proposal) -> bool:
    return is_applicant(user, proposal) and proposal.status == ProposalStatus.DRAFT


def can_withdraw_proposal(user, proposal: Proposal) -> bool:
    return is_applicant(user, proposal) and ProposalStatus.WITHDRAWN in Proposal.workflow.allowed_targets(
        proposal.status, user
    )


def can_download_attachment(user, proposal: Proposal) -> bool:
    return can_view_proposal(user, proposal)


def can_print_proposal(user, proposal: Proposal) -> bool:
    """The printable page and PDF of a proposal (e-Rad style): the applicant region always; the ministry
    once it is submitted (a draft stays the region's own). Reviewers read it on the proposal page only."""
    if is_applicant(user, proposal):
        return True
    return is_ministry(user) and proposal.status != ProposalStatus.DRAFT


# --- annual results report (実績報告書) -----------------------------------------------------------


def can_view_annual_report(user, region) -> bool:
    """The headquarters of the region itself and the ministry (every region's); else the report is a 404."""
    if is_ministry(user):
        return True
    return is_headquarters(user) and user.region_id == region.pk


# --- review and selection ------------------------------------------------------------------------


def can_assign_reviewers(user, proposal: Proposal) -> bool:
    return is_ministry(user) and proposal.status in (ProposalStatus.SUBMITTED, ProposalStatus.UNDER_REVIEW)


def can_review(user, assignment: ReviewAssignment) -> bool:
    """The assigned reviewer, without a declared conflict, while the proposal is under review."""
    return (
        is_reviewer(user)
        and assignment.reviewer_id == user.pk
        and not assignment.has_conflict
        and assignment.proposal.status == ProposalStatus.UNDER_REVIEW
    )


def can_see_all_scores(user) -> bool:
    """Only ministry staff see every reviewer's scores; reviewers see only their own."""
    return is_ministry(user)


def can_decide(user, proposal: Proposal) -> bool:
    return is_ministry(user) and proposal.status == ProposalStatus.UNDER_REVIEW
