"""Allocating a grant to project budgets (配分) and copying them forward to the next fiscal year.

Every function is keyword-only, typed, atomic and validates with ``full_clean()`` before saving,
so the same rules hold for web forms, imports and the admin."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_portal.concurrency import claim_version
from cluster_portal.fiscal import fiscal_year_label
from projects import permissions
from projects.models import (
    JointResearchProject,
    ProjectBudget,
)
from regions.models import Grant


@transaction.atomic
def budget_allocate(
    *,
    project: JointResearchProject,
    fiscal_year: int,
    allocated: int,
    overrun_reason: str | None = None,
    expected_version: int | None = None,
    must_be_new: bool = False,
) -> ProjectBudget:
    """Set a project's allocation (配分額) for a fiscal year within the region's grant.

    執行額 is never set here: it is the sum of the budget's expenditure entries. An allocation
    cut below what is already executed needs a reason of its own, given with this edit (the
    reason recorded for an earlier overrun does not cover a new cut): ``ProjectBudget.clean()``'s
    rule, so the budgets import and the admin meet it too.

    The grant row is locked (SELECT ... FOR UPDATE on PostgreSQL) before the sum
    of allocations is checked, so two concurrent allocations to the same region
    and year are serialised and can never together exceed the grant.

    ``expected_version`` (from an edit form) makes the call refuse with
    ``StaleEdit`` when the budget was saved by someone else in the meantime;
    ``must_be_new`` (a "new allocation" form) refuses to overwrite an existing one.
    """
    try:
        grant = Grant.objects.select_for_update().get(region_id=project.region_id, fiscal_year=fiscal_year)
    except Grant.DoesNotExist:
        raise ValidationError(
            {"grant": _("この地域のこの年度の交付決定がないため、配分できません。")},
            code="no_grant",
        ) from None
    existing = ProjectBudget.objects.filter(project=project, grant=grant)
    budget_pk = existing.values_list("pk", flat=True).first()
    if must_be_new and budget_pk is not None:
        raise ValidationError(
            {"fiscal_year": _("この年度の配分は既に登録されています。配分の編集画面から変更してください。")},
            code="exists",
        )
    if budget_pk is None:
        budget = ProjectBudget(project=project, grant=grant)
    else:
        budget = claim_version(existing, pk=budget_pk, expected_version=expected_version)
    budget.allocated = allocated
    if overrun_reason is not None:
        budget.overrun_reason = overrun_reason
    budget.full_clean()
    budget.save()
    return budget


@dataclass(frozen=True)
class CopiedAllocation:
    """One row of a copy-forward: the project, the amount copied and the target grant left after it."""

    project: JointResearchProject
    allocated: int
    grant_left: int


@dataclass(frozen=True)
class CopyForwardResult:
    source_year: int
    target_year: int
    grant_amount: int
    grant_left: int
    rows: list[CopiedAllocation]

    @property
    def copied_total(self) -> int:
        return sum(row.allocated for row in self.rows)


class _DryRun(Exception):
    def __init__(self, result: CopyForwardResult):
        super().__init__()
        self.result = result


def _named_refusal(project: JointResearchProject, error: ValidationError) -> ValidationError:
    """The allocation rule's own message, prefixed with the project it refused."""
    return ValidationError(
        [
            ValidationError(
                _("%(project)s：%(message)s"),
                params={"project": f"{project.code} {project.title}", "message": message},
                code=getattr(error, "code", None) or "invalid",
            )
            for message in error.messages
        ]
    )


@transaction.atomic
def budgets_copy_forward(
    *, user, source_year: int, target_year: int, project_pks: list[int], dry_run: bool = False
) -> CopyForwardResult:
    """Copy the chosen projects' allocations (配分額) of ``source_year`` to ``target_year``, all or nothing.

    Each copy is an ordinary new allocation through :func:`budget_allocate` (``must_be_new``), so the rules
    are the allocation's own: the target year needs a grant of the region, the allocations of the year stay
    within it (the grant row is locked), and a project already allocated in the target year is refused. A
    refusal names the project and saves nothing. ``dry_run`` runs the same copy and rolls it back: the
    preview shows exactly what the confirmation would save, or its refusal. A project outside the user's
    region raises ``DoesNotExist`` (the view's 404).
    """
    permissions.require_workspace(user)
    if source_year == target_year:
        raise ValidationError(_("コピー元とコピー先には別の年度を選んでください。"), code="same_year")
    pks = sorted(set(project_pks))
    if not pks:
        raise ValidationError(_("コピーするプロジェクトを1件以上選んでください。"), code="no_projects")
    projects = JointResearchProject.objects.editable_by(user).in_bulk(pks)
    if len(projects) != len(pks):
        raise JointResearchProject.DoesNotExist
    sources = {
        budget.project_id: budget.allocated
        for budget in ProjectBudget.objects.editable_by(user).filter(project_id__in=pks, grant__fiscal_year=source_year)
    }
    ordered = sorted(projects.values(), key=lambda project: project.code)
    try:
        with transaction.atomic():
            rows = []
            grant = None
            for project in ordered:
                if project.pk not in sources:
                    raise ValidationError(
                        _("%(project)s：%(year)sの配分がないため、コピーできません。"),
                        params={"project": f"{project.code} {project.title}", "year": fiscal_year_label(source_year)},
                        code="no_source",
                    )
                try:
                    budget = budget_allocate(
                        project=project, fiscal_year=target_year, allocated=sources[project.pk], must_be_new=True
                    )
                except ValidationError as error:
                    raise _named_refusal(project, error) from None
                grant = budget.grant
                rows.append(CopiedAllocation(project, budget.allocated, grant.amount - grant.allocated_total()))
            result = CopyForwardResult(
                source_year=source_year,
                target_year=target_year,
                grant_amount=grant.amount,
                grant_left=rows[-1].grant_left,
                rows=rows,
            )
            if dry_run:
                raise _DryRun(result)
    except _DryRun as preview:
        return preview.result
    return result
