"""Who may do what with joint research projects and everything hanging off them.

Object scope (own region only) is enforced by ``Model.objects.editable_by(user)``
in the views, which turns another region's object into a 404; these functions
answer the role and state questions on an object already in scope.
"""

from django.core.exceptions import PermissionDenied

from projects.models import JointResearchProject, ProgressReport, ReportStatus


def _region_id_of(obj) -> int | None:
    for path in ("region_id", "project.region_id", "budget.project.region_id", "coordinator.region_id"):
        value = obj
        try:
            for part in path.split("."):
                value = getattr(value, part)
        except AttributeError:
            continue
        return value
    return None


def is_own_region(user, obj) -> bool:
    return bool(user.is_authenticated and user.is_headquarters and user.region_id == _region_id_of(obj))


def can_use_workspace(user) -> bool:
    return bool(user.is_authenticated and user.is_headquarters)


def require_workspace(user) -> None:
    """The services' guard of every headquarters write (projects, budgets, reports, results, events)."""
    if not can_use_workspace(user):
        raise PermissionDenied


def can_edit(user, obj) -> bool:
    """Headquarters staff edit their own region's projects, budgets, results, coordinators and events."""
    return is_own_region(user, obj)


def can_create_project(user) -> bool:
    return can_use_workspace(user)


def can_edit_report(user, report: ProgressReport) -> bool:
    """Drafts and returned reports only: a submitted or accepted report is read-only to headquarters."""
    return is_own_region(user, report) and report.is_editable


def can_submit_report(user, report: ProgressReport) -> bool:
    return is_own_region(user, report) and ReportStatus.SUBMITTED in ProgressReport.workflow.allowed_targets(
        report.status, user
    )


def can_review_report(user, report: ProgressReport) -> bool:
    """Ministry staff accept or return submitted reports."""
    return bool(user.is_authenticated and user.is_ministry and report.status == ReportStatus.SUBMITTED)


def can_publish(user, obj) -> bool:
    """Headquarters staff choose what of their region is public."""
    return is_own_region(user, obj)


def can_unpublish(user, obj) -> bool:
    """Headquarters staff of the region, and ministry staff for any region, may withdraw publication."""
    return bool(user.is_authenticated and (user.is_ministry or is_own_region(user, obj)))


def can_change_project_status(user, project: JointResearchProject, target: str) -> bool:
    return is_own_region(user, project) and target in JointResearchProject.workflow.allowed_targets(
        project.status, user
    )
