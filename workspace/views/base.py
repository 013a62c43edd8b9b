"""Shared pieces of the headquarters workspace views: organisation name suggestions. Role guards
are ``cluster_portal.guards``; running a service once per form token and the conflict page are
``cluster_portal.web``; history timelines are ``cluster_portal.history``."""

from __future__ import annotations

from regions.models import Organization


def organization_names() -> list[str]:
    """Suggestions for the organisation name inputs (<datalist>), one query."""
    return list(Organization.objects.order_by("name").values_list("name", flat=True).distinct())
