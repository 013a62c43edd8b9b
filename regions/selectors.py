"""Reads of the ministry workflow that several screens share (the proposal page is shown to the
applicant by the workspace and to ministry staff by the ministry pages)."""

from __future__ import annotations

from django.utils import timezone

from cluster_portal.history import TimelineEntry, transition_entries
from regions.models import Proposal, SelectionDecision


def proposal_timeline(proposal: Proposal) -> list[TimelineEntry]:
    """Every logged transition, oldest first, with the states' labels (never codes)."""
    return transition_entries(proposal)


def proposal_page(proposal: Proposal) -> dict:
    """What every reader of a proposal sees: the plan, participants, attachments and the timeline."""
    return {
        "proposal": proposal,
        "budget_lines": list(proposal.budget_lines.all()),
        "participants": list(proposal.participants.order_by("kind", "name")),
        "attachments": list(proposal.attachments.all()),
        "timeline": proposal_timeline(proposal),
    }


def proposal_print_context(proposal: Proposal) -> dict:
    """The printable proposal (e-Rad style; page and PDF): its content and the time it was printed."""
    return {**proposal_page(proposal), "printed_at": timezone.localtime()}


def proposal_decision(proposal: Proposal) -> SelectionDecision | None:
    """The selection decision on ``proposal``, or None while undecided."""
    try:
        return proposal.decision
    except SelectionDecision.DoesNotExist:
        return None
