"""Invariants of the coordinators app, checked by ``manage.py check_integrity``."""

from django.db.models import F, Q

from cluster_portal.integrity import invariant
from coordinators.models import CoordinationActivity


@invariant("activity.within_term", "A coordination activity lies within its coordinator's term (where one is set).")
def _activity_within_term():
    outside = CoordinationActivity.objects.select_related("coordinator").filter(
        Q(coordinator__term_start__isnull=False, held_on__lt=F("coordinator__term_start"))
        | Q(coordinator__term_end__isnull=False, held_on__gt=F("coordinator__term_end"))
    )
    for activity in outside.order_by("coordinator__code", "held_on"):
        coordinator = activity.coordinator
        yield (
            f"活動 {coordinator.code} {activity.held_on} {activity.title}",
            f"任期（{coordinator.term_start or ''}〜{coordinator.term_end or ''}）の外です",
        )
