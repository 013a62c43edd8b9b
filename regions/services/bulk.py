"""The ministry's bulk work on a call: assign reviewers on a proposals × reviewers grid, move several
proposals through the workflow at once, and the reviewers' workload.

Every bulk write is all-or-nothing (one transaction): one refused cell or proposal refuses the
whole request with a message naming it, and nothing is saved. Re-submitting the same grid is
idempotent: a pair already assigned is left as it is, never duplicated.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q
from django.utils.translation import gettext as _

from cluster_portal.models import Role, User
from cluster_portal.workflow import IllegalTransition
from regions import permissions
from regions.models import Call, Proposal, ProposalStatus, ReviewAssignment, call_day
from regions.services.reviews import ASSIGNMENTS_DENIED, assignment_conflict, assignment_create

#: proposals that may get reviewers (and appear as grid rows)
ASSIGNABLE_STATUSES = (ProposalStatus.SUBMITTED, ProposalStatus.UNDER_REVIEW)


def bulk_targets() -> list[str]:
    """States the ministry may move proposals to in bulk: its own transitions that need no reason
    (a selection decision, which needs a reason, is taken one proposal at a time)."""
    return sorted(
        {
            transition.target
            for transition in Proposal.workflow.transitions.values()
            if Role.MINISTRY in transition.roles and not transition.needs_reason
        }
    )


# --- the assignment grid -------------------------------------------------------------------------


@dataclass
class GridCell:
    proposal_id: int
    reviewer: User
    assignment: ReviewAssignment | None = None
    conflict: str = ""
    chosen: bool = False  # ticked in the request being re-shown

    @property
    def key(self) -> str:
        """The checkbox value: ``<proposal id>-<reviewer id>``."""
        return f"{self.proposal_id}-{self.reviewer.pk}"

    @property
    def assigned(self) -> bool:
        return self.assignment is not None and not self.assignment.has_conflict


@dataclass
class GridRow:
    proposal: Proposal
    cells: list[GridCell] = field(default_factory=list)


def active_reviewers():
    return User.objects.filter(role=Role.REVIEWER, is_active=True).order_by("username", "pk")


def assignment_grid(*, call: Call, chosen: set[tuple[int, int]] = frozenset()) -> tuple[list[User], list[GridRow]]:
    """Rows: the call's proposals that may get reviewers; columns: active reviewers. Three queries."""
    reviewers = list(active_reviewers())
    proposals = list(
        Proposal.objects.filter(call=call, status__in=ASSIGNABLE_STATUSES)
        .select_related("region")
        .order_by("region__name", "pk")
    )
    existing = {
        (assignment.proposal_id, assignment.reviewer_id): assignment
        for assignment in ReviewAssignment.objects.filter(proposal__in=proposals)
    }
    declared = {pair for pair, assignment in existing.items() if assignment.has_conflict}
    rows = []
    for proposal in proposals:
        row = GridRow(proposal=proposal)
        for reviewer in reviewers:
            row.cells.append(
                GridCell(
                    proposal_id=proposal.pk,
                    reviewer=reviewer,
                    chosen=(proposal.pk, reviewer.pk) in chosen,
                    assignment=existing.get((proposal.pk, reviewer.pk)),
                    conflict=assignment_conflict(proposal=proposal, reviewer=reviewer, declared=declared),
                )
            )
        rows.append(row)
    return reviewers, rows


@dataclass
class BulkAssignResult:
    created: list[ReviewAssignment] = field(default_factory=list)
    unchanged: list[ReviewAssignment] = field(default_factory=list)


@transaction.atomic
def assignments_create_bulk(*, user, call: Call, pairs: set[tuple[int, int]]) -> BulkAssignResult:
    """Assign each (proposal id, reviewer id) pair of ``call``; all or nothing.

    A pair already assigned is left unchanged (re-submitting the grid creates no duplicate); a
    pair with a declared conflict, a proposal not open to assignment or a user who is not an
    active reviewer refuses the whole request (ValidationError listing each refused cell)."""
    permissions.require_ministry(user, ASSIGNMENTS_DENIED)
    proposal_ids = {proposal_id for proposal_id, _reviewer_id in pairs}
    reviewer_ids = {reviewer_id for _proposal_id, reviewer_id in pairs}
    proposals = {
        proposal.pk: proposal
        for proposal in Proposal.objects.select_for_update(of=("self",))
        .filter(call=call, pk__in=proposal_ids)
        .select_related("call")
    }
    reviewers = {reviewer.pk: reviewer for reviewer in active_reviewers().filter(pk__in=reviewer_ids)}
    existing = {
        (assignment.proposal_id, assignment.reviewer_id): assignment
        for assignment in ReviewAssignment.objects.filter(proposal_id__in=proposal_ids, reviewer_id__in=reviewer_ids)
    }
    declared = {pair for pair, assignment in existing.items() if assignment.has_conflict}
    errors = []
    todo = []
    result = BulkAssignResult()
    for proposal_id, reviewer_id in sorted(pairs):
        proposal, reviewer = proposals.get(proposal_id), reviewers.get(reviewer_id)
        if proposal is None:
            errors.append(_("この公募にない提案書が選ばれています。"))
            continue
        if reviewer is None:
            errors.append(_("審査委員の役割を持たないユーザーが選ばれています。"))
            continue
        conflict = assignment_conflict(proposal=proposal, reviewer=reviewer, declared=declared)
        if conflict:
            errors.append(conflict)
        elif (proposal_id, reviewer_id) in existing:
            result.unchanged.append(existing[(proposal_id, reviewer_id)])
        elif proposal.status not in ASSIGNABLE_STATUSES:
            errors.append(
                _("「%(title)s」は「%(status)s」のため審査委員を割り当てられません。")
                % {"title": proposal.title, "status": proposal.get_status_display()}
            )
        else:
            todo.append((proposal, reviewer))
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)), code="refused")
    for proposal, reviewer in todo:
        result.created.append(assignment_create(user=user, proposal=proposal, reviewer=reviewer))
    return result


# --- bulk state changes --------------------------------------------------------------------------


@transaction.atomic
def proposals_transition_bulk(*, user, call: Call, proposal_ids: set[int], target: str, reason: str = "") -> int:
    """Move every chosen proposal of ``call`` to ``target`` through the workflow; all or nothing.

    Only the ministry's transitions that need no reason (``bulk_targets``); a proposal that may
    not move refuses the whole request with a message naming it. Returns how many moved."""
    permissions.require_ministry(user, ASSIGNMENTS_DENIED)
    if target not in bulk_targets():
        raise ValidationError({"target": _("一括で変更できる状態を選んでください。")})
    if not proposal_ids:
        raise ValidationError({"proposals": _("提案書を1件以上選んでください。")})
    proposals = list(
        Proposal.objects.select_for_update(of=("self",))
        .filter(call=call, pk__in=proposal_ids)
        .select_related("region")
        .order_by("region__name", "pk")
    )
    if len(proposals) != len(proposal_ids):
        raise ValidationError({"proposals": _("この公募にない提案書が選ばれています。")})
    errors = []
    for proposal in proposals:
        try:
            Proposal.workflow.check(proposal, target, user=user, reason=reason)
        except IllegalTransition as error:
            errors.append(
                _("「%(title)s」（%(region)s）：%(error)s")
                % {"title": proposal.title, "region": proposal.region.display_name, "error": error.messages[0]}
            )
    if errors:
        raise ValidationError(errors, code="illegal_transition")
    for proposal in proposals:
        Proposal.workflow.apply(proposal, target, user=user, reason=reason or _("一括変更"))
    return len(proposals)


# --- workload ------------------------------------------------------------------------------------

WORKLOAD_SORTS = {
    "reviewer": ("username",),
    "assigned": ("assigned", "username"),
    "submitted": ("submitted", "username"),
    "overdue": ("overdue", "username"),
    "conflicts": ("conflicts", "username"),
    "last_reminded": ("last_reminded", "username"),
}
DEFAULT_WORKLOAD_SORT = "-overdue"


def reviewer_workload(
    *, call: Call | None = None, today: datetime.date | None = None, sort: str = DEFAULT_WORKLOAD_SORT
):
    """Per active reviewer (one query): assignments without a declared conflict (*assigned*), of which
    submitted, *overdue* (under review, not submitted, the call's review deadline before ``today``
    in JST), declared *conflicts* and the last reminder sent. Optionally for one call only.

    ``sort`` is a key of ``WORKLOAD_SORTS``, optionally prefixed with ``-`` (descending); returns
    (queryset, the sort actually used)."""
    today = today or call_day()
    scope = Q(review_assignments__proposal__call=call) if call is not None else Q()
    mine = scope & Q(review_assignments__has_conflict=False)
    reviewers = active_reviewers().annotate(
        assigned=Count("review_assignments", filter=mine, distinct=True),
        submitted=Count(
            "review_assignments", filter=mine & Q(review_assignments__submitted_at__isnull=False), distinct=True
        ),
        overdue=Count(
            "review_assignments",
            filter=mine
            & Q(
                review_assignments__submitted_at__isnull=True,
                review_assignments__proposal__status=ProposalStatus.UNDER_REVIEW,
                review_assignments__proposal__call__review_closes_on__lt=today,
            ),
            distinct=True,
        ),
        conflicts=Count("review_assignments", filter=scope & Q(review_assignments__has_conflict=True), distinct=True),
        last_reminded=Max("review_assignments__last_reminded_at", filter=scope),
    )
    key = sort.lstrip("-")
    if key not in WORKLOAD_SORTS:
        sort, key = DEFAULT_WORKLOAD_SORT, DEFAULT_WORKLOAD_SORT.lstrip("-")
    descending = sort.startswith("-")
    first, *rest = WORKLOAD_SORTS[key]
    order = F(first).desc(nulls_last=True) if descending else F(first).asc(nulls_last=True)
    return reviewers.order_by(order, *rest, "pk"), sort
