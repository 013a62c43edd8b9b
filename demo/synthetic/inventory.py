"""The synthetic rows already in the database: counts, a fingerprint, the grant-rule check, and their removal."""

from __future__ import annotations

import hashlib

from django.db import connection, models, transaction
from django.db.models import Q, Sum
from simple_history.utils import get_history_model_for_model

from cluster_portal.models import User
from coordinators.models import Coordinator
from demo.synthetic.plan import (
    CALL_CODE,
    COORDINATOR_CODE_PREFIX,
    DECIDER_USERNAME,
    PROGRAM_CODE,
    SLUG_PREFIX,
    SYNTHETIC,
)
from projects.models import (
    Expenditure,
    JointResearchProject,
    Outcome,
    Participation,
    ProjectBudget,
)
from regions.models import (
    Call,
    CallBudget,
    Grant,
    Headquarters,
    Organization,
    Program,
    Proposal,
    ProposalBudgetLine,
    Region,
    SelectionDecision,
)

# ---------------------------------------------------------------------------
# Which rows are synthetic


def synthetic_querysets() -> dict[str, models.QuerySet]:
    """Every synthetic row, by model label, in an order safe for deletion (children first)."""
    in_regions = Q(region__slug__startswith=SLUG_PREFIX)
    of_projects = Q(project__region__slug__startswith=SLUG_PREFIX)
    return {
        "projects.Outcome": Outcome.objects.filter(of_projects),
        # marked by their description: an entry someone typed under a synthetic budget is not
        # synthetic, and keeps the flush from deleting the budget
        "projects.Expenditure": Expenditure.objects.filter(
            budget__project__region__slug__startswith=SLUG_PREFIX, description__startswith=SYNTHETIC
        ),
        "projects.ProjectBudget": ProjectBudget.objects.filter(of_projects),
        "projects.Participation": Participation.objects.filter(of_projects),
        "coordinators.Coordinator": Coordinator.objects.filter(code__startswith=COORDINATOR_CODE_PREFIX),
        "projects.JointResearchProject": JointResearchProject.objects.filter(in_regions),
        "regions.Grant": Grant.objects.filter(in_regions),
        "regions.SelectionDecision": SelectionDecision.objects.filter(proposal__call__code=CALL_CODE),
        "regions.ProposalBudgetLine": ProposalBudgetLine.objects.filter(proposal__call__code=CALL_CODE),
        "regions.Proposal": Proposal.objects.filter(call__code=CALL_CODE),
        "regions.CallBudget": CallBudget.objects.filter(call__code=CALL_CODE),
        "regions.Call": Call.objects.filter(code=CALL_CODE),
        "regions.Headquarters": Headquarters.objects.filter(in_regions),
        "regions.Region": Region.objects.filter(slug__startswith=SLUG_PREFIX),
        "regions.Organization": Organization.objects.filter(slug__startswith=SLUG_PREFIX),
        "regions.Program": Program.objects.filter(code=PROGRAM_CODE),
        "cluster_portal.User": User.objects.filter(username=DECIDER_USERNAME),
    }


def synthetic_counts() -> dict[str, int]:
    """Number of synthetic rows per model label (one count query per model)."""
    return {label: queryset.count() for label, queryset in synthetic_querysets().items()}


def synthetic_exists() -> bool:
    return (
        Program.objects.filter(code=PROGRAM_CODE).exists()
        or Region.objects.filter(slug__startswith=SLUG_PREFIX).exists()
    )


def grant_rule_violations(queryset: models.QuerySet | None = None) -> list[tuple[str, int, int, int]]:
    """(region slug, fiscal year, grant, allocated) wherever allocations exceed the grant — one query."""
    queryset = Grant.objects.all() if queryset is None else queryset
    return list(queryset.over_allocated().values_list("region__slug", "fiscal_year", "amount", "allocated_sum"))


def synthetic_summary() -> dict[str, int]:
    """Counts and money sums of the synthetic rows: equal for two runs at the same scale."""
    querysets = synthetic_querysets()
    summary = {label: queryset.count() for label, queryset in querysets.items()}
    summary.update(querysets["regions.Grant"].aggregate(granted_yen=Sum("amount")))
    summary.update(
        querysets["projects.ProjectBudget"].aggregate(allocated_yen=Sum("allocated"), executed_yen=Sum("executed"))
    )
    return {key: value or 0 for key, value in summary.items()}


def synthetic_fingerprint() -> str:
    """SHA-256 over the natural keys and values of the synthetic rows, independent of database ids."""
    querysets = synthetic_querysets()
    parts = [
        querysets["regions.Region"].order_by("slug").values_list("slug", "name", "cluster_type", "is_published"),
        querysets["regions.Grant"]
        .order_by("region__slug", "fiscal_year")
        .values_list("region__slug", "fiscal_year", "amount"),
        querysets["projects.JointResearchProject"]
        .order_by("code")
        .values_list("code", "title", "status", "start_date", "end_date", "host_organization__slug"),
        querysets["projects.Participation"]
        .order_by("project__code", "organization__slug")
        .values_list("project__code", "organization__slug", "role"),
        querysets["projects.ProjectBudget"]
        .order_by("project__code", "grant__fiscal_year")
        .values_list("project__code", "grant__fiscal_year", "allocated", "executed"),
        querysets["projects.Outcome"]
        .order_by("project__code", "title")
        .values_list("project__code", "kind", "title", "occurred_on", "application_number", "doi"),
        querysets["coordinators.Coordinator"].order_by("code").values_list("code", "name", "region__slug"),
    ]
    digest = hashlib.sha256()
    for rows in parts:
        for row in rows.iterator(chunk_size=5_000):
            digest.update(repr(row).encode())
        digest.update(b"|")
    return digest.hexdigest()


# ---------------------------------------------------------------------------
# Removing


def _raw_delete(queryset: models.QuerySet) -> int:
    """DELETE … WHERE without loading rows or sending signals (which for history-keeping
    models would write one deletion history record per row, one INSERT each)."""
    return queryset._raw_delete(queryset.db)


@transaction.atomic
def synthetic_data_flush() -> dict[str, int]:
    """Delete every synthetic row and its history records; returns the rows deleted per model.

    The big tables are deleted with plain DELETE statements; the foreign-key constraints
    are checked straight afterwards, so a non-synthetic row that points at synthetic data
    (say a progress report someone entered for a synthetic project) makes the whole flush
    fail with ``IntegrityError`` or ``ProtectedError`` and nothing is deleted.
    """
    querysets = synthetic_querysets()
    deleted: dict[str, int] = {}
    for label in ("projects.Outcome", "projects.Expenditure", "projects.ProjectBudget", "regions.Grant"):
        queryset = querysets[label]
        history = get_history_model_for_model(queryset.model)
        _raw_delete(history.objects.filter(id__in=queryset.values("pk")))
    for label in (
        "projects.Outcome",
        "projects.Expenditure",
        "projects.ProjectBudget",
        "projects.Participation",
        "regions.Grant",
        "regions.SelectionDecision",
        "regions.ProposalBudgetLine",
    ):
        deleted[label] = _raw_delete(querysets[label])
    connection.check_constraints()
    for label in (
        "coordinators.Coordinator",
        "projects.JointResearchProject",
        "regions.Proposal",
        "regions.CallBudget",
        "regions.Call",
        "regions.Headquarters",
        "regions.Region",
        "regions.Organization",
        "regions.Program",
        "cluster_portal.User",
    ):
        _count, per_model = querysets[label].delete()
        deleted[label] = per_model.get(label, 0)
    return deleted
