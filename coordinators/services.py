"""Coordinators and advisors and their seeds-needs matching activities, per region."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_portal.concurrency import claim_version
from cluster_portal.models import assign_fields
from coordinators import permissions
from coordinators.models import CoordinationActivity, Coordinator
from projects.models import JointResearchProject

COORDINATOR_FIELDS = (
    "code",
    "kind",
    "name",
    "name_en",
    "expertise",
    "affiliation",
    "term_start",
    "term_end",
    "profile",
)
ACTIVITY_FIELDS = ("held_on", "title", "result", "note", "resulting_project")


@transaction.atomic
def coordinator_create(*, user, data: dict) -> Coordinator:
    permissions.require_coordinator_manager(user)
    coordinator = Coordinator(region_id=user.region_id, is_published=False)
    assign_fields(coordinator, data, COORDINATOR_FIELDS)
    coordinator.full_clean()
    coordinator.save()
    return coordinator


@transaction.atomic
def coordinator_update(*, user, coordinator_pk: int, expected_version: int, data: dict) -> Coordinator:
    permissions.require_coordinator_manager(user)
    coordinator = claim_version(
        Coordinator.objects.editable_by(user), pk=coordinator_pk, expected_version=expected_version
    )
    assign_fields(coordinator, data, COORDINATOR_FIELDS)
    coordinator.full_clean()
    coordinator.save()
    return coordinator


def _check_activity(user, activity: CoordinationActivity, organizations) -> None:
    activity.full_clean()
    project = activity.resulting_project
    if project is not None and not JointResearchProject.objects.editable_by(user).filter(pk=project.pk).exists():
        raise ValidationError({"resulting_project": _("自地域のプロジェクトを選んでください。")})
    if not organizations:
        raise ValidationError({"organizations": _("面談した機関を1つ以上選んでください。")})


@transaction.atomic
def activity_create(*, user, coordinator: Coordinator, data: dict, organizations) -> CoordinationActivity:
    """A seeds-needs matching meeting, with the organisations met and the project it led to."""
    permissions.require_coordinator_manager(user)
    coordinator = Coordinator.objects.editable_by(user).get(pk=coordinator.pk)
    activity = CoordinationActivity(coordinator=coordinator)
    assign_fields(activity, data, ACTIVITY_FIELDS)
    _check_activity(user, activity, organizations)
    activity.save()
    activity.organizations.set(organizations)
    return activity


@transaction.atomic
def activity_update(
    *, user, activity_pk: int, expected_version: int, data: dict, organizations
) -> CoordinationActivity:
    permissions.require_coordinator_manager(user)
    activity = claim_version(
        CoordinationActivity.objects.editable_by(user), pk=activity_pk, expected_version=expected_version
    )
    assign_fields(activity, data, ACTIVITY_FIELDS)
    _check_activity(user, activity, organizations)
    activity.save()
    activity.organizations.set(organizations)
    return activity
