"""Forums and results presentations (フォーラム・成果発表会) entered by headquarters staff. They
live here, not in regions, because an event names the projects it presented. Publication goes
through ``projects.services.projects.publication_set`` like every publishable object."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_portal.concurrency import claim_version
from cluster_portal.models import assign_fields
from projects import permissions
from projects.models import (
    JointResearchProject,
)
from regions.models import Event

EVENT_FIELDS = ("kind", "title", "title_en", "starts_on", "ends_on", "venue", "organizer", "attendance", "description")


def _own_projects(user, projects) -> list[JointResearchProject]:
    projects = list(projects or [])
    own = set(
        JointResearchProject.objects.editable_by(user)
        .filter(pk__in=[p.pk for p in projects])
        .values_list("pk", flat=True)
    )
    if any(project.pk not in own for project in projects):
        raise ValidationError({"presented_projects": _("自地域のプロジェクトだけを選べます。")}, code="foreign_project")
    return projects


@transaction.atomic
def event_create(*, user, data: dict, presented_projects=()) -> Event:
    """A forum or results presentation of the user's own region (unpublished until published)."""
    permissions.require_workspace(user)
    event = Event(region_id=user.region_id, is_published=False)
    assign_fields(event, data, EVENT_FIELDS)
    event.full_clean()
    projects = _own_projects(user, presented_projects)
    event.save()
    event.presented_projects.set(projects)
    return event


@transaction.atomic
def event_update(*, user, event_pk: int, expected_version: int, data: dict, presented_projects=()) -> Event:
    """Save an edited event unless someone saved it after the form was opened (``StaleEdit``)."""
    permissions.require_workspace(user)
    event = claim_version(Event.objects.editable_by(user), pk=event_pk, expected_version=expected_version)
    assign_fields(event, data, EVENT_FIELDS)
    event.full_clean()
    projects = _own_projects(user, presented_projects)
    event.save()
    event.presented_projects.set(projects)
    return event
