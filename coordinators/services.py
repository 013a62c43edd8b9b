"""Coordinators and advisors and their seeds-needs matching activities, per region."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_portal.concurrency import claim_version
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


def _require_headquarters(user) -> None:
    if not (user.is_authenticated and user.is_headquarters):
        raise PermissionDenied


def _assign(obj, data: dict, fields) -> None:
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])


@transaction.atomic
def coordinator_create(*, user, data: dict) -> Coordinator:
    _require_headquarters(user)
    coordinator = Coordinator(region_id=user.region_id, is_published=False)
    _assign(coordinator, data, COORDINATOR_FIELDS)
    coordinator.full_clean()
    coordinator.save()
    return coordinator


@transaction.atomic
def coordinator_update(*, user, coordinator_pk: int, expected_version: int, data: dict) -> Coordinator:
    _require_headquarters(user)
    coordinator = claim_version(
        Coordinator.objects.editable_by(user), pk=coordinator_pk, expected_version=expected_version
    )
    _assign(coordinator, data, COORDINATOR_FIELDS)
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
    _require_headquarters(user)
    coordinator = Coordinator.objects.editable_by(user).get(pk=coordinator.pk)
    activity = CoordinationActivity(coordinator=coordinator)
    _assign(activity, data, ACTIVITY_FIELDS)
    _check_activity(user, activity, organizations)
    activity.save()
    activity.organizations.set(organizations)
    return activity


@transaction.atomic
def activity_update(
    *, user, activity_pk: int, expected_version: int, data: dict, organizations
) -> CoordinationActivity:
    _require_headquarters(user)
    activity = claim_version(
        CoordinationActivity.objects.editable_by(user), pk=activity_pk, expected_version=expected_version
    )
    _assign(activity, data, ACTIVITY_FIELDS)
    _check_activity(user, activity, organizations)
    activity.save()
    activity.organizations.set(organizations)
    return activity
