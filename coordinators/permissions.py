"""Who may do what with coordinators (科学技術コーディネータ・目利き) and their matching activities.

Headquarters staff keep their own region's coordinators; object scope (own region only) is
``Coordinator.objects.editable_by(user)`` (another region's coordinator is a 404). Publication
follows the rule of every publishable object (``projects.permissions.can_publish``).
"""

from django.core.exceptions import PermissionDenied

from projects import permissions as project_permissions


def can_manage_coordinators(user) -> bool:
    """Headquarters staff register and edit coordinators and activities (of their own region)."""
    return project_permissions.can_use_workspace(user)


def require_coordinator_manager(user) -> None:
    """The services' guard of every coordinator write: PermissionDenied for any other role."""
    if not can_manage_coordinators(user):
        raise PermissionDenied
