"""``proposal_review_sheet``: one proposal's reviews in full for the ministry's panel on the proposal
page (``proposals:detail``, served by the workspace app, which loads this library by name only).

The template includes the panel for ministry staff only; the tag refuses anyone else as well, so a
review can never reach another role through it."""

from __future__ import annotations

from django import template

from regions import permissions
from regions.services import reviews as review_services

register = template.Library()


@register.simple_tag(takes_context=True)
def proposal_review_sheet(context, proposal):
    if not permissions.can_see_all_scores(context["request"].user):
        return None
    sheets = review_services.review_sheets(proposal=proposal)
    return sheets[0] if sheets else None
