"""Template helpers of the ministry pages.

``ministry_panels``: the ministry's panels on the proposal page (``proposals:detail``, served by the
workspace app): reviewer assignments (no scores) and the selection decision, with their forms.
The page loads this library by name, so the workspace never imports the ministry; the ministry's
own views re-render the page with bound forms after a refused POST, and the tag keeps them.
"""

from __future__ import annotations

from django import template

from ministry.forms import AssignReviewerForm, DecisionForm
from regions import permissions
from regions.models import Proposal
from regions.selectors import proposal_decision

register = template.Library()


def ministry_context(user, proposal: Proposal, *, assign_form=None, decision_form=None) -> dict:
    decision = proposal_decision(proposal)
    return {
        "assignments": list(proposal.review_assignments.select_related("reviewer")),
        "assign_form": assign_form
        or (AssignReviewerForm(proposal=proposal) if permissions.can_assign_reviewers(user, proposal) else None),
        "decision": decision,
        "decision_form": decision_form or _decision_form(user, proposal, decision),
    }


def _decision_form(user, proposal: Proposal, decision):
    if decision is None:
        return DecisionForm(initial={"version": proposal.version}) if permissions.can_decide(user, proposal) else None
    if not decision.is_locked and permissions.is_ministry(user):
        return DecisionForm.correcting(decision, proposal)  # a correction before notification
    return None


@register.simple_tag(takes_context=True)
def ministry_panels(context, proposal):
    """``{% ministry_panels proposal as panels %}`` then ``panels.assignments``, ``panels.assign_form``,
    ``panels.decision``, ``panels.decision_form``."""
    return ministry_context(
        context["request"].user,
        proposal,
        assign_form=context.get("assign_form"),
        decision_form=context.get("decision_form"),
    )
