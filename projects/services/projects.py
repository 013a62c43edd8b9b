"""Projects, their participants and organisations, and publication of anything publishable.

Every function is keyword-only, typed, atomic and validates with ``full_clean()`` before saving,
so the same rules hold for web forms, imports and the admin."""

import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from cluster_portal.concurrency import claim_version
from cluster_portal.models import TransitionLog, assign_fields
from projects import permissions
from projects.models import (
    JointResearchProject,
    Participation,
)
from regions.models import Organization


@transaction.atomic
def organization_create(*, name: str, kind: str, name_en: str = "") -> Organization:
    """Register a new organisation (entered inline on a project form). The slug is generated."""
    name = (name or "").strip()
    organization = Organization(
        name=name, name_en=name_en.strip(), kind=kind, slug=f"org-{secrets.token_hex(6)}", is_generated=False
    )
    organization.full_clean()
    organization.save()
    return organization


# ---------------------------------------------------------------- projects and participants

PROJECT_FIELDS = (
    "code",
    "title",
    "title_en",
    "theme",
    "summary",
    "start_date",
    "end_date",
    "host_organization",
)


@dataclass(frozen=True)
class ParticipantInput:
    """One row of the participants formset: an existing organisation, or a new one to register."""

    role: str
    organization: Organization | None = None
    new_name: str = ""
    new_kind: str = ""


def _replace_participations(project: JointResearchProject, participants: list[ParticipantInput]) -> None:
    seen: set[int] = set()
    rows = []
    for participant in participants:
        organization = participant.organization
        if organization is None:
            organization = organization_create(name=participant.new_name, kind=participant.new_kind)
        if organization.pk in seen:
            raise ValidationError(
                _("「%(name)s」が参画機関に重複しています。") % {"name": organization.name}, code="duplicate"
            )
        seen.add(organization.pk)
        rows.append(Participation(project=project, organization=organization, role=participant.role))
    for row in rows:
        # One row per organisation is ensured above (``seen``); the unique constraint would also
        # compare with the rows about to be replaced.
        row.full_clean(validate_unique=False, validate_constraints=False)
    # Only what changed is written, one row at a time, so the project's history lists each
    # participant added, removed or given another role once (not the whole roster every save).
    wanted = {row.organization_id: row for row in rows}
    existing = {participation.organization_id: participation for participation in project.participations.all()}
    for organization_id, participation in existing.items():
        if organization_id not in wanted:
            participation.delete()
    for organization_id, row in wanted.items():
        participation = existing.get(organization_id)
        if participation is None:
            row.save()
        elif participation.role != row.role:
            participation.role = row.role
            participation.save()


@transaction.atomic
def project_create(*, user, data: dict, participants: list[ParticipantInput]) -> JointResearchProject:
    """A new joint research project of the user's own region, with its participants."""
    permissions.require_workspace(user)
    project = JointResearchProject(region_id=user.region_id)
    assign_fields(project, data, PROJECT_FIELDS)
    project.full_clean()
    project.save()
    _replace_participations(project, participants)
    return project


@transaction.atomic
def project_update(
    *, user, project_pk: int, expected_version: int, data: dict, participants: list[ParticipantInput]
) -> JointResearchProject:
    """Save an edited project and its participants, unless someone saved it after the form was opened."""
    permissions.require_workspace(user)
    project = claim_version(
        JointResearchProject.objects.editable_by(user), pk=project_pk, expected_version=expected_version
    )
    assign_fields(project, data, PROJECT_FIELDS)
    project.full_clean()
    project.save()
    _replace_participations(project, participants)
    return project


@transaction.atomic
def project_change_status(*, user, project_pk: int, target: str, reason: str = "") -> JointResearchProject:
    project = claim_version(JointResearchProject.objects.editable_by(user), pk=project_pk, expected_version=None)
    JointResearchProject.workflow.apply(project, target, user=user, reason=reason)
    return project


# ---------------------------------------------------------------- publication


@transaction.atomic
def publication_set(*, user, obj: models.Model, publish: bool, reason: str = "") -> models.Model:
    """Publish or withdraw an object that has ``is_published`` (projects, results, coordinators, events).

    Headquarters staff decide for their own region; ministry staff may only withdraw.
    The change is logged in ``TransitionLog`` (published/unpublished) with who and why.
    """
    model = type(obj)
    locked = model.objects.select_for_update().get(pk=obj.pk)
    allowed = permissions.can_publish(user, locked) if publish else permissions.can_unpublish(user, locked)
    if not allowed:
        raise PermissionDenied
    if locked.is_published == publish:
        return locked
    locked = claim_version(model.objects.all(), pk=locked.pk, expected_version=None)
    locked.is_published = publish
    locked.save()
    TransitionLog.record(
        locked,
        source="unpublished" if publish else "published",
        target="published" if publish else "unpublished",
        user=user,
        reason=reason,
    )
    return locked
