"""Forums and results presentations (フォーラム・成果発表会) entered by headquarters staff.

Publication (and the ministry's withdrawal of it) goes through
``projects.services.publication_set``, shared by every publishable object.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_portal.concurrency import claim_version
from projects.models import JointResearchProject
from regions.models import Event

EVENT_FIELDS = ("kind", "title", "title_en", "starts_on", "ends_on", "venue", "organizer", "attendance", "description")


def _own_projects(user, projects) -> list[JointResearchProject]:
    projects = list(projects or [])
    own = set(
        JointResearchProject.objects.editable_by(user)
        .filter(pk__in=[p.pk for p in projects])
        .values_list("pk", flat=True)
    )
    foreign = [project for project in projects if project.pk not in own]
    if foreign:
        raise ValidationError({"presented_projects": _("自地域のプロジェクトだけを選べます。")}, code="foreign_project")
    return projects


def _assign(event: Event, data: dict) -> None:
    for name in EVENT_FIELDS:
        if name in data:
            setattr(event, name, data[name])


@transaction.atomic
def event_create(*, user, data: dict, presented_projects=()) -> Event:
    """A forum or results presentation of the user's own region (unpublished until published)."""
    if not (user.is_authenticated and user.is_headquarters):
        raise PermissionDenied
    event = Event(region_id=user.region_id, is_published=False)
    _assign(event, data)
    event.full_clean()
    projects = _own_projects(user, presented_projects)
    event.save()
    event.presented_projects.set(projects)
    return event


@transaction.atomic
def event_update(*, user, event_pk: int, expected_version: int, data: dict, presented_projects=()) -> Event:
    """Save an edited event unless someone saved it after the form was opened (``StaleEdit``)."""
    if not (user.is_authenticated and user.is_headquarters):
        raise PermissionDenied
    event = claim_version(Event.objects.editable_by(user), pk=event_pk, expected_version=expected_version)
    _assign(event, data)
    event.full_clean()
    projects = _own_projects(user, presented_projects)
    event.save()
    event.presented_projects.set(projects)
    return event
