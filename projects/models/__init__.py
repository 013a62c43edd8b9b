"""Joint research projects, their participants, budgets and execution,
progress reports and outcomes (results).

One module per sub-domain; every model is importable from ``projects.models``."""

from projects.models.budgets import (
    Expenditure,
    ExpenditureQuerySet,
    ExpenseCategory,
    ProjectBudget,
    ProjectBudgetQuerySet,
    new_expenditure_code,
)
from projects.models.outcomes import DOI_PATTERN, Outcome, OutcomeKind, OutcomeQuerySet, doi_validator, new_outcome_code
from projects.models.projects import (
    PROJECT_WORKFLOW,
    JointResearchProject,
    Participation,
    ParticipationQuerySet,
    ParticipationRole,
    ProjectQuerySet,
    ProjectStatus,
)
from projects.models.reports import (
    ATTACHMENT_EXTENSIONS,
    ATTACHMENT_MAX_BYTES,
    REPORT_ATTACHMENT_KINDS,
    REPORT_WORKFLOW,
    Half,
    Milestone,
    ProgressReport,
    ProgressReportQuerySet,
    ReportAttachment,
    ReportStatus,
    report_attachment_path,
    validate_attachment_content,
    validate_attachment_size,
)

__all__ = [
    "ATTACHMENT_EXTENSIONS",
    "ATTACHMENT_MAX_BYTES",
    "DOI_PATTERN",
    "PROJECT_WORKFLOW",
    "REPORT_ATTACHMENT_KINDS",
    "REPORT_WORKFLOW",
    "Expenditure",
    "ExpenditureQuerySet",
    "ExpenseCategory",
    "Half",
    "JointResearchProject",
    "Milestone",
    "Outcome",
    "OutcomeKind",
    "OutcomeQuerySet",
    "Participation",
    "ParticipationQuerySet",
    "ParticipationRole",
    "ProgressReport",
    "ProgressReportQuerySet",
    "ProjectBudget",
    "ProjectBudgetQuerySet",
    "ProjectQuerySet",
    "ProjectStatus",
    "ReportAttachment",
    "ReportStatus",
    "doi_validator",
    "new_expenditure_code",
    "new_outcome_code",
    "report_attachment_path",
    "validate_attachment_content",
    "validate_attachment_size",
]
