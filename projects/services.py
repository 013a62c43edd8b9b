"""Writes that touch several rows of the projects app.

Every function is keyword-only, typed, atomic and validates with ``full_clean()``
before saving, so the same rules hold for web forms, imports and the admin.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from projects.models import JointResearchProject, ProjectBudget
from regions.models import Grant


@transaction.atomic
def budget_allocate(
    *,
    project: JointResearchProject,
    fiscal_year: int,
    allocated: int,
    executed: int | None = None,
    overrun_reason: str | None = None,
) -> ProjectBudget:
    """Set a project's allocation (配分額) for a fiscal year within the region's grant.

    The grant row is locked (SELECT ... FOR UPDATE on PostgreSQL) before the sum
    of allocations is checked, so two concurrent allocations to the same region
    and year are serialised and can never together exceed the grant.
    """
    try:
        grant = Grant.objects.select_for_update().get(region_id=project.region_id, fiscal_year=fiscal_year)
    except Grant.DoesNotExist:
        raise ValidationError(
            {"grant": _("この地域のこの年度の交付決定がないため、配分できません。")},
            code="no_grant",
        ) from None
    budget = ProjectBudget.objects.select_for_update().filter(project=project, grant=grant).first() or ProjectBudget(
        project=project, grant=grant
    )
    if budget.pk is not None:
        budget.version += 1
    budget.allocated = allocated
    if executed is not None:
        budget.executed = executed
    if overrun_reason is not None:
        budget.overrun_reason = overrun_reason
    budget.full_clean()
    budget.save()
    return budget
