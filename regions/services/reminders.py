"""Scheduled notices of the selection side: review deadlines near, calls closing soon.

Each notice carries a dedupe key naming what it is about and the date it counts down to, so
``send_reminders`` may run every few minutes and still sends each notice once (and again only
if the date moves).
"""

from __future__ import annotations

import datetime

from django.urls import reverse

from notifications import outbox, recipients
from regions.models import Call, CallStatus, Proposal, ProposalStatus
from regions.services.reviews import assignments_remind, late_assignments


def review_deadlines(*, today: datetime.date, days: int, now: datetime.datetime | None = None) -> int:
    """The review-deadline notice goes through the same reminder service (and interval) as the manual reminders."""
    created = 0
    calls = Call.objects.filter(review_closes_on__gte=today, review_closes_on__lte=today + datetime.timedelta(days))
    for call in calls:
        result = assignments_remind(
            user=None,
            assignments=list(late_assignments(call=call)),
            kind="review_deadline",
            context={"days": (call.review_closes_on - today).days},
            dedupe_key=f"review_deadline:{call.pk}:{call.review_closes_on:%Y%m%d}",
            now=now,
        )
        created += result.notifications
    return created


def calls_closing(*, today: datetime.date, days: int) -> int:
    """Headquarters with a draft proposal in a call that closes within ``days`` are reminded to submit it."""
    created = 0
    calls = Call.objects.filter(
        status=CallStatus.OPEN, closes_on__gte=today, closes_on__lte=today + datetime.timedelta(days)
    )
    for call in calls:
        drafts = Proposal.objects.filter(call=call, status=ProposalStatus.DRAFT).select_related("created_by")
        users = []
        for proposal in drafts:
            users += recipients.headquarters_staff(proposal.region_id, proposal.created_by)
        created += len(
            outbox.notify(
                "call_closing",
                users,
                context={"call": call.title, "call_obj": call, "days": (call.closes_on - today).days},
                path=reverse("proposals:list"),
                dedupe_key=f"call_closing:{call.pk}:{call.closes_on:%Y%m%d}",
            )
        )
    return created
