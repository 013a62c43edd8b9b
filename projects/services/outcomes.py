"""Results (成果): entering them and recording a granted patent.

Every function is keyword-only, typed, atomic and validates with ``full_clean()`` before saving,
so the same rules hold for web forms, imports and the admin."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_portal.concurrency import claim_version
from cluster_portal.models import assign_fields
from projects import permissions
from projects.models import (
    JointResearchProject,
    Outcome,
    OutcomeKind,
)

OUTCOME_FIELDS = (
    "kind",
    "title",
    "title_en",
    "occurred_on",
    "description",
    "application_number",
    "country",
    "applicants",
    "inventors",
    "registration_number",
    "granted_on",
    "doi",
    "product",
    "company",
)


def _check_outcome_project(user, project: JointResearchProject) -> JointResearchProject:
    return JointResearchProject.objects.editable_by(user).get(pk=project.pk)


@transaction.atomic
def outcome_create(*, user, project: JointResearchProject, data: dict) -> Outcome:
    permissions.require_workspace(user)
    outcome = Outcome(project=_check_outcome_project(user, project))
    assign_fields(outcome, data, (*OUTCOME_FIELDS, "is_published"))
    outcome.full_clean()
    outcome.save()
    return outcome


@transaction.atomic
def outcome_update(*, user, outcome_pk: int, expected_version: int, data: dict) -> Outcome:
    permissions.require_workspace(user)
    outcome = claim_version(Outcome.objects.editable_by(user), pk=outcome_pk, expected_version=expected_version)
    if "project" in data:
        outcome.project = _check_outcome_project(user, data["project"])
    assign_fields(outcome, data, OUTCOME_FIELDS)
    outcome.full_clean()
    outcome.save()
    return outcome


@transaction.atomic
def outcome_grant_patent(
    *, user, outcome_pk: int, expected_version: int, registration_number: str, granted_on: datetime.date
) -> Outcome:
    """A patent application becomes a granted patent: same row, same application data, no re-entry."""
    permissions.require_workspace(user)
    outcome = claim_version(Outcome.objects.editable_by(user), pk=outcome_pk, expected_version=expected_version)
    if outcome.kind != OutcomeKind.PATENT_APPLICATION:
        raise ValidationError(_("特許出願の成果だけを登録済みにできます。"), code="not_application")
    if granted_on and outcome.occurred_on and granted_on < outcome.occurred_on:
        raise ValidationError({"granted_on": _("登録日は出願日以降にしてください。")})
    outcome.kind = OutcomeKind.PATENT_GRANTED
    outcome.registration_number = registration_number.strip()
    outcome.granted_on = granted_on
    outcome.full_clean()
    outcome.save()
    return outcome
